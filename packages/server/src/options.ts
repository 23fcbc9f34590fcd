/**
 * Server and listen options: their defaults and their validation. Every check runs before any
 * fd is opened, so a bad option never leaves anything half-done.
 */
import { invalidArgType, outOfRange } from './errors.js'

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
}

/** Options of `server.listen`. */
export interface ListenOptions {
  /** TCP port, 0 (default) picks a free one. */
  port?: number
  /** IP address or host name to bind. Default '0.0.0.0'; 'localhost' is 127.0.0.1. */
  host?: string
  /** Length of the accept queue. Default 511. */
  backlog?: number
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
})

const BACKEND_NAMES = ['auto', 'epoll', 'epoll-et', 'uring']
const SERVER_OPTION_NAMES = Object.keys(DEFAULTS)
const LISTEN_OPTION_NAMES = ['port', 'host', 'backlog']

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
  }
}

/** Listen options with defaults filled in (the host is not resolved yet). */
export interface ResolvedListen {
  port: number
  host: string
  backlog: number
}

/** Validates listen options. Throws TypeError/RangeError. */
export function resolveListen(options: ListenOptions | undefined): ResolvedListen {
  if (options === undefined) options = {}
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
  const o = options as Record<string, unknown>
  rejectUnknown(o, LISTEN_OPTION_NAMES, 'listen')
  const host = o.host ?? '0.0.0.0'
  if (typeof host !== 'string' || host === '') throw invalidArgType('host', 'a non-empty string', host)
  return {
    port: integer(o, 'port', 0, 65535, 0),
    host,
    backlog: integer(o, 'backlog', 1, 2 ** 31 - 1, 511),
  }
}

/** Grace period of `close()` when none is given. */
export const DEFAULT_GRACE_MS = 5000

/** Validates close options; returns the grace period in ms. */
export function resolveGrace(options: { graceMs?: number } | undefined): number {
  if (options === undefined) return DEFAULT_GRACE_MS
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
  rejectUnknown(options, ['graceMs'], 'close')
  const grace = options.graceMs
  if (grace === undefined) return DEFAULT_GRACE_MS
  if (typeof grace !== 'number' || Number.isNaN(grace)) throw invalidArgType('graceMs', 'a number', grace)
  if (grace < 0) throw outOfRange('graceMs', '>= 0', grace)
  return grace
}
