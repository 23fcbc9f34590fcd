/**
 * Server and listen options: their defaults and their validation. Every check runs before any
 * fd is opened, so a bad option never leaves anything half-done.
 */
import { invalidArgType, outOfRange } from './errors.js'
import { parseNetworks } from './tcp/cidr.js'
import { PROXY_V2_MAX_BYTES, PROXY_V2_MIN_LIMIT } from './tcp/proxy-header.js'
import { systemdListenFds } from './tcp/systemd.js'

/** Which engine runs the connections. 'auto' honours `IO_BACKEND`, then picks epoll. */
export type ServerBackend = 'auto' | 'epoll' | 'epoll-et' | 'uring'

/** Options of `createServer` (see docs/server.md for the table). */
export interface ServerOptions {
  /**
   * 'epoll' (level-triggered), 'epoll-et' (edge-triggered), 'uring' (io_uring completions) or
   * 'auto' (default: `IO_BACKEND` if it names one of these, else 'epoll'). A 'uring' request on
   * a kernel without io_uring falls back to 'epoll'; `server.backendReason` says why.
   */
  backend?: ServerBackend
  /** Worker threads, each with its own reactor and SO_REUSEPORT listener. Default 1 (no workers). */
  workers?: number
  /** Close a connection after this long without reads or writes; 0 disables. Default 120000. */
  idleTimeoutMs?: number
  /** Bytes of buffered output past which `write()` returns false. Default 65536. */
  highWaterMark?: number
  /** Keep the writing side open after the peer ends (call `end()` yourself). Default false. */
  allowHalfOpen?: boolean
  /** Set TCP_NODELAY on accepted connections. Default true. */
  noDelay?: boolean
  /** Size of the one read buffer each reactor shares between its connections. Default 65536. */
  readBufferSize?: number
  /** Most events (or completions) one batch can carry. Default 1024. */
  maxEvents?: number
  /** Set SO_REUSEPORT on the listener so several listeners share a port. Default false. */
  reusePort?: boolean
  /**
   * Debugging: once `data` returns, overwrite its chunk with 0xDB bytes, so that code keeping
   * a chunk without copying it (see "the lifetime of chunk") reads garbage at once instead of,
   * now and then, another connection's bytes. Default: true when the environment variable
   * `IO_POISON_CHUNKS=1` is set, else false. Costs a fill of every chunk.
   */
  poisonChunks?: boolean
  /**
   * Accept the PROXY protocol (versions 1 and 2) from load balancers at the `trusted`
   * addresses: their connections must start with a header naming the client, which becomes
   * `conn.remoteAddress` (the balancer's own address stays readable as `conn.proxyAddress`).
   * Other peers are served as direct clients, and closed if they send a PROXY header.
   * Default: off. See docs/deploy.md.
   */
  proxyProtocol?: ProxyProtocolOptions
}

/** The `proxyProtocol` server option. */
export interface ProxyProtocolOptions {
  /** Networks of the balancers whose PROXY headers are believed, e.g. ['10.0.0.0/8', '::1/128']. */
  trusted: string[]
  /** A trusted peer's header must be complete within this long; else the connection closes. Default 5000. */
  timeoutMs?: number
  /** Largest version-2 header accepted, TLVs included (version 1 is at most 107 bytes). Default 4096. */
  maxHeaderBytes?: number
}

/**
 * Options of `server.listen`: an address to bind (`port`, `host`, `backlog`), or a listening
 * socket the process was given (`fd`, or `systemd` for socket activation).
 */
export interface ListenOptions {
  /** TCP port, 0 (default) picks a free one. */
  port?: number
  /** IP address or host name to bind. Default '0.0.0.0'; 'localhost' is 127.0.0.1. */
  host?: string
  /** Length of the accept queue. Default 511. */
  backlog?: number
  /**
   * Adopt a listening TCP socket this process inherited, by fd number (one per worker thread
   * when `workers > 1`). The server owns it from then on and closes it on `close()`.
   */
  fd?: number | number[]
  /**
   * systemd socket activation: adopt the sockets passed with LISTEN_FDS (`true`: all of them,
   * a string: those of that name in LISTEN_FDNAMES). One per worker thread.
   */
  systemd?: boolean | string
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  backend: ServerBackend
  workers: number
  idleTimeoutMs: number
  highWaterMark: number
  allowHalfOpen: boolean
  noDelay: boolean
  readBufferSize: number
  maxEvents: number
  reusePort: boolean
  poisonChunks: boolean
  proxyProtocol: ResolvedProxyProtocol | null
}

/** `proxyProtocol` with its defaults filled in. */
export interface ResolvedProxyProtocol {
  trusted: string[]
  timeoutMs: number
  maxHeaderBytes: number
}

export const DEFAULTS: ResolvedOptions = Object.freeze({
  backend: 'auto',
  workers: 1,
  idleTimeoutMs: 120_000,
  highWaterMark: 64 * 1024,
  allowHalfOpen: false,
  noDelay: true,
  readBufferSize: 64 * 1024,
  maxEvents: 1024,
  reusePort: false,
  poisonChunks: false,
  proxyProtocol: null,
})

const BACKEND_NAMES = ['auto', 'epoll', 'epoll-et', 'uring']
const SERVER_OPTION_NAMES = Object.keys(DEFAULTS)
const LISTEN_OPTION_NAMES = ['port', 'host', 'backlog', 'fd', 'systemd']
const PROXY_OPTION_NAMES = ['trusted', 'timeoutMs', 'maxHeaderBytes']

/**
 * Throws a TypeError naming the first key of `options` that is not in `known` (a misspelt
 * option would otherwise be ignored without a word), with the closest known name.
 */
export function rejectUnknown(options: object, known: readonly string[], what: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue
    const guess = closest(key, known)
    const error = new TypeError(
      `unknown ${what} option "${key}"${guess === null ? '' : ` (did you mean "${guess}"?)`}; known: ${known.join(', ')}`,
    ) as TypeError & { code: string }
    error.code = 'ERR_INVALID_ARG_VALUE'
    throw error
  }
}

/** The name in `known` nearest to `name` by edit distance, if it is near enough to be a typo. */
function closest(name: string, known: readonly string[]): string | null {
  let best: string | null = null
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase())
    if (d < bestDistance) {
      best = candidate
      bestDistance = d
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = row
  }
  return previous[b.length]
}

function integer(options: Record<string, unknown>, name: string, min: number, max: number, fallback: number): number {
  const value = options[name]
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArgType(name, 'an integer', value)
  if (value < min || value > max) throw outOfRange(name, `>= ${min} and <= ${max}`, value)
  return value
}

function boolean(options: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const value = options[name]
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw invalidArgType(name, 'a boolean', value)
  return value
}

/** Validates `options` and fills in the defaults. Throws TypeError/RangeError. */
export function resolveOptions(options: ServerOptions | undefined): ResolvedOptions {
  if (options === undefined) options = {}
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
  const o = options as Record<string, unknown>
  rejectUnknown(o, SERVER_OPTION_NAMES, 'server')
  const backend = o.backend ?? 'auto'
  if (typeof backend !== 'string') throw invalidArgType('backend', 'a string', backend)
  if (!BACKEND_NAMES.includes(backend)) throw outOfRange('backend', `one of ${BACKEND_NAMES.join(', ')}`, backend)
  return {
    backend: backend as ServerBackend,
    workers: integer(o, 'workers', 1, 256, DEFAULTS.workers),
    idleTimeoutMs: integer(o, 'idleTimeoutMs', 0, 2 ** 31 - 1, DEFAULTS.idleTimeoutMs),
    highWaterMark: integer(o, 'highWaterMark', 1, 2 ** 31 - 1, DEFAULTS.highWaterMark),
    allowHalfOpen: boolean(o, 'allowHalfOpen', DEFAULTS.allowHalfOpen),
    noDelay: boolean(o, 'noDelay', DEFAULTS.noDelay),
    readBufferSize: integer(o, 'readBufferSize', 1024, 16 * 1024 * 1024, DEFAULTS.readBufferSize),
    maxEvents: integer(o, 'maxEvents', 1, 65536, DEFAULTS.maxEvents),
    reusePort: boolean(o, 'reusePort', DEFAULTS.reusePort),
    poisonChunks: boolean(o, 'poisonChunks', process.env.IO_POISON_CHUNKS === '1'),
    proxyProtocol: resolveProxyProtocol(o.proxyProtocol),
  }
}

function resolveProxyProtocol(value: unknown): ResolvedProxyProtocol | null {
  if (value === undefined) return null
  if (value === null || typeof value !== 'object') throw invalidArgType('proxyProtocol', 'an object such as { trusted: ["10.0.0.0/8"] }', value)
  const o = value as Record<string, unknown>
  rejectUnknown(o, PROXY_OPTION_NAMES, 'proxyProtocol')
  if (o.trusted === undefined) throw invalidArgType('proxyProtocol.trusted', 'an array of CIDR strings', undefined)
  parseNetworks(o.trusted, 'proxyProtocol.trusted') // throws on the first bad entry
  const named = (name: string) => ({ [`proxyProtocol.${name}`]: o[name] })
  return {
    trusted: [...(o.trusted as string[])],
    timeoutMs: integer(named('timeoutMs'), 'proxyProtocol.timeoutMs', 1, 2 ** 31 - 1, 5000),
    maxHeaderBytes: integer(named('maxHeaderBytes'), 'proxyProtocol.maxHeaderBytes', PROXY_V2_MIN_LIMIT, PROXY_V2_MAX_BYTES, 4096),
  }
}

/**
 * Listen options with defaults filled in: an address to bind (the host is not resolved yet),
 * or the fds of inherited listening sockets (not checked yet: see inherited-listener.ts).
 */
export type ResolvedListen =
  | { kind: 'address'; port: number; host: string; backlog: number }
  | { kind: 'inherited'; fds: number[]; source: 'fd' | 'systemd' }

/** Validates listen options (and reads systemd's variables for `systemd`). Throws TypeError/RangeError. */
export function resolveListen(options: ListenOptions | undefined): ResolvedListen {
  if (options === undefined) options = {}
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
  const o = options as Record<string, unknown>
  rejectUnknown(o, LISTEN_OPTION_NAMES, 'listen')
  const systemd = o.systemd === false ? undefined : o.systemd
  if (o.fd !== undefined || systemd !== undefined) {
    const given = o.fd !== undefined ? 'fd' : 'systemd'
    for (const other of ['port', 'host', 'backlog', ...(given === 'fd' ? ['systemd'] : [])]) {
      if (o[other] !== undefined && !(other === 'systemd' && o[other] === false)) {
        throw invalidArgType('options', `either an inherited socket (${given}) or ${other}, not both`, options)
      }
    }
    if (given === 'fd') return { kind: 'inherited', fds: fdList(o.fd), source: 'fd' }
    if (systemd !== true && (typeof systemd !== 'string' || systemd === '')) {
      throw invalidArgType('systemd', 'true or a socket name (LISTEN_FDNAMES)', systemd)
    }
    return { kind: 'inherited', fds: systemdListenFds(systemd), source: 'systemd' }
  }
  const host = o.host ?? '0.0.0.0'
  if (typeof host !== 'string' || host === '') throw invalidArgType('host', 'a non-empty string', host)
  return {
    kind: 'address',
    port: integer(o, 'port', 0, 65535, 0),
    host,
    backlog: integer(o, 'backlog', 1, 2 ** 31 - 1, 511),
  }
}

function fdList(value: unknown): number[] {
  if (!Array.isArray(value)) return [fdNumber(value, 'fd')]
  if (value.length === 0) throw invalidArgType('fd', 'an fd number or a non-empty array of them', value)
  const fds = value.map((fd, i) => fdNumber(fd, `fd[${i}]`))
  if (new Set(fds).size !== fds.length) throw invalidArgType('fd', 'an array of distinct fd numbers', value)
  return fds
}

function fdNumber(value: unknown, name: string): number {
  if (value === undefined) throw invalidArgType(name, 'an integer', value)
  return integer({ [name]: value }, name, 0, 2 ** 31 - 1, 0)
}

/** Grace period of `close()` when none is given. */
export const DEFAULT_GRACE_MS = 5000

/** Options of `close()`. */
export interface CloseOptions {
  /** After this long, connections still open are destroyed. Default 5000. */
  graceMs?: number
  /**
   * What happens to connections that are idle (nothing queued, not `busy`): 'close' (default)
   * closes them at once; 'keep' leaves each connection to finish on its own: it closes when
   * the peer ends it, when the application ends it or sets `busy = false` after its work, or
   * at the deadline. 'keep' suits protocols where the server cannot tell that a client is
   * done (raw TCP), so that a restart cuts no exchange. An HTTP connection finishes with its
   * next response, which says `Connection: close`.
   */
  idle?: 'close' | 'keep'
  /**
   * Drain delay: `draining` becomes true (and `'draining'` is emitted) at once, but the server
   * goes on accepting and serving for this long before it closes as above, so that a load
   * balancer polling a readiness check has time to take it out first. HTTP responses sent
   * meanwhile say `Connection: close`. Calling `close()` again ends the delay at once.
   * `Infinity` waits for that call. Default 0.
   */
  delayMs?: number
}

/** Close options with defaults filled in. */
export interface ResolvedClose {
  graceMs: number
  idle: 'close' | 'keep'
  delayMs: number
}

/** Longest wait a timer can make (setTimeout fires at once past it): longer waits have no end. */
const LONGEST_TIMER_MS = 2 ** 31 - 1

/** A duration >= 0 (Infinity allowed); past what a timer can wait, Infinity. */
function duration(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value)) throw invalidArgType(name, 'a number', value)
  if (value < 0) throw outOfRange(name, '>= 0', value)
  return value > LONGEST_TIMER_MS ? Infinity : value
}

/** Validates close options. */
export function resolveClose(options: CloseOptions | undefined): ResolvedClose {
  if (options === undefined) return { graceMs: DEFAULT_GRACE_MS, idle: 'close', delayMs: 0 }
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
  rejectUnknown(options, ['graceMs', 'idle', 'delayMs'], 'close')
  const idle = options.idle ?? 'close'
  if (idle !== 'close' && idle !== 'keep') throw outOfRange('idle', "'close' or 'keep'", idle)
  return { graceMs: duration('graceMs', options.graceMs, DEFAULT_GRACE_MS), idle, delayMs: duration('delayMs', options.delayMs, 0) }
}
