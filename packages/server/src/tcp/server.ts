/**
 * A server in this thread: one listener and one reactor (engine) that runs its connections
 * inside Node's loop, so timers, fs and other I/O keep working beside it.
 */
import { resolveServerBackend, type EngineName } from '../engine/backend.js'
import { closeQuietly } from '../engine/close-quietly.js'
import { invalidArgType, serverError } from '../errors.js'
import { checkSpec, importHandlers, isModuleSpecifier, moduleUrl, toFullHandlers, type HandlerInput, type HandlerSpec } from './handler-source.js'
import { openListener, resolveHost } from './listener.js'
import type { FdLedger } from '../workers/fd-ledger.js'
import { Lifecycle } from './lifecycle.js'
import type { CloseOptions, ListenOptions, ResolvedListen, ResolvedOptions } from '../options.js'
import { adoptListener } from './inherited-listener.js'
import { proxyProtocolHandlers } from './proxy-protocol.js'
import { createReactor } from '../engine/create-engine.js'
import { emptyStats, type Reactor, type ReactorStats } from '../engine/reactor.js'

/** Where a server listens, as `listen()` resolves it. */
export interface AddressInfo {
  address: string
  family: string
  port: number
}

/** What both a single-threaded server and a worker pool offer. */
export interface IoServer {
  /** The engine the connections run on. */
  readonly backend: EngineName
  /** How the engine was chosen, and why a fallback happened if one did. */
  readonly backendReason: string
  /** Starts listening; resolves with the bound address. */
  listen(options?: ListenOptions): Promise<AddressInfo>
  /** The bound address, or null when not listening. */
  address(): AddressInfo | null
  /** Graceful close; see Lifecycle.close. */
  close(options?: CloseOptions): Promise<void>
  /** True once `close()` was called (what a readiness probe reports); see Lifecycle.draining. */
  readonly draining: boolean
  /**
   * The fds of the listening sockets (one per worker thread), to hand them to another process
   * that takes over the port (see docs/deploy.md). They stay the server's: do not close them.
   */
  listenerFds(): number[]
}

/**
 * A TCP server running in this thread (`createServer` with `workers: 1`). Emits nothing by
 * itself; see `listen`, `close`, `connections`, `stats`, `backend` and `backendReason`.
 */
export class Server<U = any> extends Lifecycle implements IoServer {
  readonly backend: EngineName
  readonly backendReason: string
  readonly options: ResolvedOptions
  private spec: HandlerSpec | null
  private readonly module: string | null
  private reactor: Reactor | null = null
  private listenerFd = -1

  /**
   * Use `createServer`. `ledger`: set in worker threads (see FdLedger). `protocol`: turns what
   * the handler module exports into the handlers (HTTP, for one). @internal
   */
  constructor(
    options: ResolvedOptions,
    input: HandlerInput<U>,
    private readonly ledger: FdLedger | null = null,
    private readonly protocol: ((exported: unknown) => HandlerSpec) | null = null,
  ) {
    super()
    this.options = options
    if (isModuleSpecifier(input)) {
      this.module = moduleUrl(input)
      this.spec = null
    } else {
      checkSpec(input)
      this.module = null
      this.spec = input
    }
    const { backend, reason } = resolveServerBackend(options.backend)
    this.backend = backend
    this.backendReason = reason
  }

  protected async start(listen: ResolvedListen): Promise<AddressInfo> {
    if (listen.kind === 'inherited' && listen.fds.length !== 1) throw oneSocketEach(listen.fds, 1, listen.source)
    const address = listen.kind === 'address' ? await resolveHost(listen.host) : ''
    if (this.spec === null) this.spec = await importHandlers(this.module!, this.protocol)
    if (this.closing) throw serverError('ERR_SERVER_CLOSED', 'the server was closed during listen()')
    const app = toFullHandlers(this.spec, this.options.highWaterMark)
    const handlers = this.options.proxyProtocol === null ? app : proxyProtocolHandlers(app, this.options.proxyProtocol)
    // An inherited socket that fails a check stays open: it is still the caller's.
    const listener =
      listen.kind === 'address'
        ? openListener(address, listen.port, listen.backlog, this.options.reusePort)
        : { fd: listen.fds[0], address: adoptListener(listen.fds[0]) }
    let reactor: Reactor | null = null
    try {
      reactor = createReactor(this.backend, this.options, handlers, this.ledger)
      reactor.listen(listener.fd)
    } catch (err) {
      reactor?.abort()
      if (listen.kind === 'address') closeQuietly(listener.fd)
      throw err
    }
    this.reactor = reactor
    this.listenerFd = listener.fd
    return { address: listener.address.address, family: listener.address.family, port: listener.address.port }
  }

  listenerFds(): number[] {
    return this.listenerFd >= 0 && !this.closing ? [this.listenerFd] : []
  }

  /** Open connections. */
  get connections(): number {
    return this.reactor?.connections ?? 0
  }

  /** Counters: accepted, closed, acceptErrors, acceptRetries, scratchOverflows. */
  get stats(): ReactorStats {
    return this.reactor?.stats ?? emptyStats()
  }

  protected async stop(graceMs: number, idle: 'close' | 'keep'): Promise<void> {
    const reactor = this.reactor
    if (reactor === null) return
    // 'keep': every open connection counts as busy, so only its peer, the application, or the
    // deadline closes it (see CloseOptions.idle). Not one that has ended its side already (an
    // HTTP response with Connection: close during the drain delay): it is done, and only waits
    // for its peer's end, which a half-open connection may never send.
    if (idle === 'keep') for (const conn of reactor.table.list()) if (!conn.writableEnded) conn.busy = true
    await reactor.close(graceMs)
  }
}

/** A count of inherited sockets that does not match the worker threads: one each. */
export function oneSocketEach(fds: number[], workers: number, source: 'fd' | 'systemd'): Error {
  const each = `one listening socket per worker thread (${workers})`
  if (source === 'fd') return invalidArgType('fd', each, fds.length === 1 ? fds[0] : fds)
  const hint = fds.length > workers ? ": pick by name with listen({ systemd: 'name' })" : ''
  return serverError('ERR_SOCKET_ACTIVATION', `systemd passed ${fds.length} sockets for ${each}${hint}`)
}
