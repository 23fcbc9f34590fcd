/**
 * `workers: n`: n worker threads, each running its own Server (its own reactor and its own
 * SO_REUSEPORT listener on the same port, so the kernel spreads connections between them).
 * This thread only supervises: it starts the workers, restarts one that dies (with a growing
 * delay if it keeps dying at once), and forwards `close()`: the workers learn that the pool is
 * draining the moment `close()` is called (an HTTP readiness path answers 503 at once), and
 * close once the pool's drain delay is over.
 *
 * The handlers must be a module (path or URL) with the handlers as its default export: each
 * worker imports it, since functions cannot be sent to another thread.
 *
 * Events: 'workerExit' (index, exitCode), 'workerRestart' (index), 'workerError' (index, error).
 */
import { Worker } from 'node:worker_threads'
import { resolveServerBackend, type EngineName } from '../engine/backend.js'
import { serverError } from '../errors.js'
import { createLedgerMemory, FdLedger } from './fd-ledger.js'
import { Lifecycle } from '../tcp/lifecycle.js'
import { moduleUrl } from '../tcp/handler-source.js'
import { resolveHost } from '../tcp/listener.js'
import type { ListenOptions, ResolvedClose, ResolvedListen, ResolvedOptions } from '../options.js'
import { oneSocketEach, type AddressInfo, type IoServer } from '../tcp/server.js'
import type { PoolMessage, WorkerData, WorkerMessage, WorkerProtocol } from './worker-protocol.js'

/** A restart within this long of the worker's start counts as "died at once". */
const QUICK_DEATH_MS = 1000
const MAX_RESTART_DELAY_MS = 5000

/** The worker entry: dist/worker.js next to this module, or the built one when run from src. */
function workerEntry(): URL {
  const here = import.meta.url
  return here.endsWith('.ts') ? new URL('../../dist/worker.js', here) : new URL('./worker.js', here)
}

interface Slot {
  worker: Worker | null
  startedAt: number
  restartDelay: number
  timer: NodeJS.Timeout | null
  /** Where the worker listens: an address (with SO_REUSEPORT), or `{ fd }` it inherits. */
  listen: ListenOptions
  /** Its listening socket while it runs, else -1. */
  fd: number
}

/**
 * A pool of worker threads sharing one port (`createServer` with `workers > 1`); see the
 * module comment for supervision and the events it emits.
 */
export class WorkerPool extends Lifecycle implements IoServer {
  readonly backend: EngineName
  readonly backendReason: string
  readonly options: ResolvedOptions
  private readonly module: string
  private slots: Slot[] = []
  /** See WorkerData.drain. */
  private readonly drainFlag = new SharedArrayBuffer(4)

  /** Use `createServer` (or `createHttpServer`). @internal */
  constructor(
    options: ResolvedOptions,
    module: string | URL,
    private readonly protocol: WorkerProtocol | null = null,
  ) {
    super()
    this.options = options
    this.module = moduleUrl(module)
    const { backend, reason } = resolveServerBackend(options.backend)
    this.backend = backend
    this.backendReason = reason
  }

  /** Number of worker threads currently running. */
  get running(): number {
    return this.slots.filter((s) => s.worker !== null).length
  }

  /** Thread ids of the running workers. */
  get threadIds(): number[] {
    return this.slots.flatMap((s) => (s.worker !== null ? [s.worker.threadId] : []))
  }

  /**
   * Inherited sockets (`listen({ fd })`, `listen({ systemd })`) are one per worker: a worker
   * owns its listener (it closes it when it stops), so workers cannot share one fd number.
   */
  protected async start(listen: ResolvedListen): Promise<AddressInfo> {
    const workers = this.options.workers
    if (listen.kind === 'inherited' && listen.fds.length !== workers) throw oneSocketEach(listen.fds, workers, listen.source)
    const address = listen.kind === 'address' ? { host: await resolveHost(listen.host), port: listen.port, backlog: listen.backlog } : null
    // Fresh slots for each attempt: workers of a failed earlier attempt find theirs gone.
    this.slots = Array.from({ length: workers }, (_, i) => ({
      worker: null,
      startedAt: 0,
      restartDelay: 0,
      timer: null,
      listen: address ?? { fd: (listen as { fds: number[] }).fds[i] },
      fd: -1,
    }))
    try {
      // The first worker binds (port 0 picks one); the others join its port.
      const bound = await this.spawn(0)
      if (address !== null) for (const slot of this.slots) slot.listen = { ...address, port: bound.port }
      await Promise.all(this.slots.slice(1).map((_, i) => this.spawn(i + 1)))
      return bound
    } catch (err) {
      const slots = this.slots
      this.slots = [] // before terminating: no worker of this attempt is restarted
      await Promise.all(slots.map((s) => s.worker?.terminate()))
      throw err
    }
  }

  /** Starts the worker of slot `index`; resolves once it listens. */
  private spawn(index: number): Promise<AddressInfo> {
    const slot = this.slots[index]
    const memory = createLedgerMemory()
    const data: WorkerData = {
      module: this.module,
      options: { ...this.options, backend: this.backend, workers: 1, reusePort: true },
      listen: slot.listen,
      index,
      ledger: memory,
      protocol: this.protocol,
      drain: this.drainFlag,
    }
    const worker = new Worker(workerEntry(), { workerData: data })
    slot.worker = worker
    slot.startedAt = Date.now()
    return new Promise<AddressInfo>((resolve, reject) => {
      let listening = false
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'listening') {
          listening = true
          slot.fd = msg.fd
          resolve(msg.address)
        } else if (msg.type === 'failed') {
          reject(Object.assign(new Error(msg.message), msg.props))
        }
      })
      worker.on('error', (err) => {
        if (!listening) reject(err)
        else this.emit('workerError', index, err)
      })
      worker.on('exit', (code) => {
        // Whatever the worker still held (it crashed, or was terminated) is closed here, but
        // an inherited listener: its replacement adopts it (connections wait in its queue).
        new FdLedger(memory).closeAll(slot.listen.fd !== undefined)
        if (slot.worker === worker) {
          slot.worker = null
          slot.fd = -1
        }
        if (!listening) reject(serverError('ERR_WORKER_EXITED', `worker ${index} exited with code ${code} before listening`))
        else if (this.slots[index] === slot) this.exited(index, code)
      })
    })
  }

  /** A listening worker exited: restart it unless the pool is closing. */
  private exited(index: number, code: number): void {
    this.emit('workerExit', index, code)
    if (this.closing) return
    const slot = this.slots[index]
    const quick = Date.now() - slot.startedAt < QUICK_DEATH_MS
    slot.restartDelay = quick ? Math.min(Math.max(slot.restartDelay * 2, 50), MAX_RESTART_DELAY_MS) : 0
    slot.timer = setTimeout(() => {
      slot.timer = null
      if (this.closing) return
      this.spawn(index).then(
        () => this.emit('workerRestart', index),
        (err) => {
          this.emit('workerError', index, err)
          // The failed attempt exited too and was not restarted (it never listened): retry.
          if (!this.closing && slot.worker === null) this.exited(index, 1)
        },
      )
    }, slot.restartDelay)
  }

  listenerFds(): number[] {
    return this.closing ? [] : this.slots.flatMap((s) => (s.worker !== null && s.fd >= 0 ? [s.fd] : []))
  }

  protected override drainStarted(close: ResolvedClose): void {
    Atomics.store(new Int32Array(this.drainFlag), 0, 1)
    this.tell({ type: 'drain', graceMs: close.graceMs, idle: close.idle })
  }

  protected async stop(graceMs: number, idle: 'close' | 'keep'): Promise<void> {
    const exits: Promise<unknown>[] = []
    for (const slot of this.slots) {
      if (slot.timer !== null) clearTimeout(slot.timer)
      const worker = slot.worker
      if (worker !== null) exits.push(new Promise((resolve) => worker.once('exit', resolve)))
    }
    this.tell({ type: 'close', graceMs, idle })
    await Promise.all(exits)
  }

  /** Posts `message` to every running worker. */
  private tell(message: PoolMessage): void {
    for (const slot of this.slots) slot.worker?.postMessage(message)
  }
}
