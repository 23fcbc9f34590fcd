/**
 * A server in this thread: one listener and one reactor (engine) that runs its connections
 * inside Node's loop, so timers, fs and other I/O keep working beside it.
 */
import { resolveServerBackend, type EngineName } from '../engine/backend.js'
import { closeQuietly } from '../engine/close-quietly.js'
import { serverError } from '../errors.js'
import { checkSpec, importHandlers, isModuleSpecifier, moduleUrl, toFullHandlers, type HandlerInput, type HandlerSpec } from './handler-source.js'
import { openListener, resolveHost } from './listener.js'
import type { FdLedger } from '../workers/fd-ledger.js'
import { Lifecycle } from './lifecycle.js'
import type { ListenOptions, ResolvedOptions } from '../options.js'
import { createReactor } from '../engine/create-engine.js'
import type { Reactor, ReactorStats } from '../engine/reactor.js'

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
  close(options?: { graceMs?: number }): Promise<void>
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

  protected async start(host: string, port: number, backlog: number): Promise<AddressInfo> {
    const address = await resolveHost(host)
    if (this.spec === null) this.spec = await importHandlers(this.module!, this.protocol)
    if (this.closing) throw serverError('ERR_SERVER_CLOSED', 'the server was closed during listen()')
    const handlers = toFullHandlers(this.spec, this.options.highWaterMark)
    const listener = openListener(address, port, backlog, this.options.reusePort)
    let reactor: Reactor | null = null
    try {
      reactor = createReactor(this.backend, this.options, handlers, this.ledger)
      reactor.listen(listener.fd)
    } catch (err) {
      reactor?.abort()
      closeQuietly(listener.fd)
      throw err
    }
    this.reactor = reactor
    return { address: listener.address.address, family: listener.address.family, port: listener.address.port }
  }

  /** Open connections. */
  get connections(): number {
    return this.reactor?.connections ?? 0
  }

  /** Counters: accepted, closed, acceptErrors, acceptRetries. */
  get stats(): ReactorStats {
    return this.reactor?.stats ?? { accepted: 0, closed: 0, acceptErrors: 0, acceptRetries: 0 }
  }

  protected async stop(graceMs: number): Promise<void> {
    await this.reactor?.close(graceMs)
  }
}
