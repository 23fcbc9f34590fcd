/**
 * The reactor: what every engine shares. It owns the connection table, calls the handlers,
 * queues and flushes output, and runs half-close, idle timeouts and graceful close; its
 * {@link Engine} moves the bytes (see contract.ts).
 *
 * Output is gathered: `write` queues by reference and schedules the connection, and `flush`
 * writes every scheduled connection with one native call (`sockets.writeBatch`, one gathered
 * write per fd). Engines flush at the end of each batch of events and before reusing read
 * memory; writes made outside a batch (timers, promise continuations) are flushed in a
 * microtask. A handler that answers its input therefore costs no syscall of its own, and
 * several writes to one connection in a batch leave in one.
 *
 * Handler errors (see `failed`): an exception thrown by a handler goes to the application's
 * `error` handler, or becomes an uncaught exception when there is none; either way the
 * connection is destroyed with it and the batch goes on with the other connections.
 */
import { Buffer } from 'node:buffer'
import { sockets } from '@io/core'
import type { Duplex } from 'node:stream'
import { serverError } from '../errors.js'
import type { ResolvedOptions } from '../options.js'
import { StreamAdapter } from '../tcp/stream-adapter.js'
import type { FdLedger } from '../workers/fd-ledger.js'
import { LISTENER_ENTRY } from '../workers/fd-ledger.js'
import { Acceptor } from './acceptor.js'
import { closeQuietly } from './close-quietly.js'
import { Connection, Flag } from './connection.js'
import { ConnectionTable, slotOf } from './connection-table.js'
import type { Engine, EngineFactory } from './contract.js'
import type { FullHandlers } from './handlers.js'
import { IdleSweeper } from './idle-sweeper.js'
import { systemError } from './system-error.js'
import { consume, enqueue, enqueueKept, keep } from './write-queue.js'

/** Counters a reactor keeps; read them from `server.stats`. */
export interface ReactorStats {
  /** Connections accepted. */
  accepted: number
  /** Connections closed (for any reason). */
  closed: number
  /** accept() failures (EMFILE, ENFILE, ...). */
  acceptErrors: number
  /** accept() calls made after a failure paused accepting. */
  acceptRetries: number
  /**
   * Writes of protocol output (a response head, a WebSocket frame) that found the reactor's
   * scratch memory used up and got an ArrayBuffer of their own.
   */
  scratchOverflows: number
}

/** Every counter at 0: a reactor's first stats, and those of a server that has none yet. */
export function emptyStats(): ReactorStats {
  return { accepted: 0, closed: 0, acceptErrors: 0, acceptRetries: 0, scratchOverflows: 0 }
}

const { SHUT_WR } = sockets.constants
/** Scratch output memory per reactor (see `scratch`). */
const SCRATCH_BYTES = 256 * 1024
/** How far past the next scratch view a flush looks for a queued chunk (see `scratchViews`). */
const SCRATCH_LOOKAHEAD = 4
/** Entries of `scratchViews` kept (with their stale views) from one flush to the next. */
const SCRATCH_VIEWS_KEPT = 256
/** What `poisonChunks` fills a chunk with once `data` returned (0xDB: "dead buffer"). */
export const POISON = 0xdb

export class Reactor {
  readonly table = new ConnectionTable()
  readonly stats: ReactorStats = emptyStats()
  /** The engine moving this reactor's bytes. */
  readonly engine: Engine
  /** Current idle-sweep tick; connections stamp it on every read and write. */
  tick = 0
  /** True once `close()` began: connections close as soon as they are idle. */
  closing = false
  private acceptor: Acceptor | null = null
  private sweeper: IdleSweeper | null = null
  private closed: Promise<void> | null = null
  private whenEmpty: (() => void) | null = null
  /** > 0 while an engine hands over a batch (or a flush runs): writes wait for its flush. */
  private batchDepth = 0
  private flushQueued = false
  private flushList: Connection[] = []
  private spareList: Connection[] = []
  private fds = new Int32Array(64)
  private segments = new Int32Array(64)
  private results = new Int32Array(64)
  private readonly buffers: Uint8Array[] = []
  /** writeBatch's spans: (offset in the scratch memory, length), or (-1, 0) for the next of `buffers`. */
  private spans: Int32Array = new Int32Array(256)
  /**
   * See `scratch`: a plain Uint8Array, as every scratch view is (one shape for the writers),
   * over an ArrayBuffer of its own, by which `isShared` recognises its views.
   */
  private readonly scratchMemory = new Uint8Array(SCRATCH_BYTES)
  private readonly scratchBuffer = this.scratchMemory.buffer
  private scratchUsed = 0
  /**
   * The views `scratch` handed out since the last flush, in order, and where each starts in
   * the scratch memory. A flush recognises queued output by identity with the next of them
   * (protocols write scratch output in the order they take it) and passes it to writeBatch as
   * numbers, merging what lies end to end: a view read by Node-API costs far more than that.
   * Output that does not match (taken out of order, copied, partly written) goes as a view.
   */
  private readonly scratchViews: Uint8Array[] = []
  private readonly scratchAts: number[] = []
  /** Entries of scratchViews/scratchAts in use (the arrays keep their room between flushes). */
  private scratchCount = 0
  private scratchCursor = 0

  constructor(
    readonly options: ResolvedOptions,
    readonly handlers: FullHandlers,
    /** Worker threads: where the fds this reactor owns are recorded for the supervisor. */
    private readonly ledger: FdLedger | null,
    createEngine: EngineFactory,
  ) {
    this.engine = createEngine(this)
  }

  /**
   * Starts accepting on the listening socket `fd`, which the reactor owns from then on. If
   * this throws, the caller still owns `fd` and must `abort()` the reactor.
   */
  listen(fd: number): void {
    this.ledger?.record(LISTENER_ENTRY, fd)
    this.acceptor = new Acceptor(this, this.engine)
    this.engine.listen(fd, this.acceptor)
    if (this.options.idleTimeoutMs > 0) this.sweeper = new IdleSweeper(this, this.options.idleTimeoutMs)
  }

  /** Releases a reactor whose `listen` failed (no connection was ever accepted). */
  abort(): void {
    this.closing = true
    this.acceptor?.stop()
    this.disownListener() // the caller closes the fd: a worker's supervisor must not
    this.sweeper?.stop()
    this.engine.release()
  }

  /** The listening socket is about to be closed: un-record it first. For engines. */
  disownListener(): void {
    this.ledger?.clear(LISTENER_ENTRY)
  }

  /** Closes the listening socket, un-recording it first. For engines. */
  closeListener(fd: number): void {
    this.disownListener()
    closeQuietly(fd)
  }

  /** Number of open connections. */
  get connections(): number {
    return this.table.size
  }

  /** Bytes in `chunk` live in memory the engine reuses (must be copied to be kept). */
  isShared(chunk: Uint8Array): boolean {
    return this.engine.isShared(chunk) || chunk.buffer === this.scratchBuffer
  }

  /**
   * Over half of the scratch memory holds output not yet flushed. Engines check it between
   * connections' input and flush then: past the end of the scratch memory every write would
   * get an ArrayBuffer of its own (a batch of thousands of connections echoing 16 messages
   * each needs megabytes).
   */
  get scratchPressed(): boolean {
    return this.scratchUsed > SCRATCH_BYTES / 2
  }

  /**
   * `length` bytes of scratch memory for output a protocol is about to write (a response
   * head, say), valid until the next flush has returned: whatever the socket does not take is
   * copied out of it, as for views of the read memory. Saves a Buffer per response. Falls back
   * to a new Buffer when the scratch memory is used up.
   */
  scratch(length: number): Uint8Array {
    const at = this.scratchAt(length)
    return at < 0 ? new Uint8Array(length) : this.scratchView(at, length)
  }

  /**
   * The scratch memory as one Uint8Array, for protocols that write at an offset from
   * `scratchAt` and make a view (`scratchView`) only of what they send: several small
   * responses to one connection, written end to end, then cost one view.
   */
  get scratchBytes(): Uint8Array {
    return this.scratchMemory
  }

  /** Where `length` bytes of scratch memory start in `scratchBytes`, or -1 when it is used up (see `scratch`). */
  scratchAt(length: number): number {
    const at = this.scratchUsed
    if (at + length > SCRATCH_BYTES) {
      this.stats.scratchOverflows++
      return -1
    }
    this.scratchUsed = at + length
    return at
  }

  /** A view of `scratchBytes[at, at + length)`, taken with `scratchAt` since the last flush. */
  scratchView(at: number, length: number): Uint8Array {
    // A plain Uint8Array: making one costs a third of a Buffer view (engine/text-write.ts
    // writes strings into it).
    const view = new Uint8Array(this.scratchBuffer, at, length)
    if (length > 0) {
      const k = this.scratchCount++
      this.scratchViews[k] = view
      this.scratchAts[k] = at
    }
    return view
  }

  /**
   * Takes an accepted fd: a slot and a Connection. Returns null (and closes the fd) when the
   * table is full. For the acceptor, which then has the engine attach it.
   */
  attach(fd: number): Connection | null {
    const token = this.table.reserve()
    if (token < 0) {
      closeQuietly(fd)
      return null
    }
    const conn = new Connection(this, fd, token, this.handlers)
    this.table.set(token, conn)
    this.ledger?.record(slotOf(token), fd)
    this.stats.accepted++
    return conn
  }

  /** Calls `open`, isolating a throwing handler. */
  opened(conn: Connection): void {
    try {
      conn.handlers.open(conn)
    } catch (err) {
      this.failed(conn, err)
    }
  }

  /**
   * A handler threw (or a coroutine rejected) while working on `conn`: the application's
   * `error` handler gets the error while the connection is still open, then the connection is
   * destroyed with it (its `close` handler receives it). Without an `error` handler the error
   * becomes an uncaught exception on the next tick, as an exception in a node:net 'data'
   * listener does; an `error` handler that throws is reported the same way.
   */
  failed(conn: Connection | undefined, err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err))
    const handlers = this.handlers
    if (handlers.error !== undefined && conn !== undefined) {
      try {
        handlers.error(conn, error)
      } catch (thrown) {
        process.nextTick(() => {
          throw thrown
        })
      }
    } else {
      process.nextTick(() => {
        throw error
      })
    }
    if (conn !== undefined && (conn.flags & Flag.Closed) === 0) this.destroy(conn, error)
  }

  // ---- batches -------------------------------------------------------------------------

  /** An engine starts handing over a batch of events: writes wait for its end. */
  beginBatch(): void {
    this.batchDepth++
  }

  /** The batch is over: flush what it wrote. */
  endBatch(): void {
    try {
      this.flush()
    } finally {
      this.batchDepth--
    }
  }

  // ---- input (called by engines) ---------------------------------------------------------

  /** Input for `conn`: calls `data`. Kept small: it is the hot path. */
  received(conn: Connection, chunk: Buffer): void {
    conn.lastTick = this.tick
    try {
      conn.handlers.data(conn, chunk)
    } finally {
      // Only the engine's memory: a copy (held input) may have been written as it is.
      if (this.options.poisonChunks && this.engine.isShared(chunk)) chunk.fill(POISON)
    }
    if (this.closing) this.settled(conn)
  }

  /** The peer ended its side. */
  peerEnded(conn: Connection): void {
    conn.flags |= Flag.ReadEnded
    conn.handlers.end(conn)
    if ((conn.flags & Flag.Closed) !== 0) return
    if ((conn.flags & Flag.WriteShut) !== 0) this.finish(conn, undefined)
    else if (!this.options.allowHalfOpen && conn.handlers.ownsEnd !== true) conn.end()
    else if (this.closing) this.settled(conn)
  }

  /** The socket of a blocked connection takes output again. */
  writable(conn: Connection): void {
    conn.flags &= ~Flag.Blocked
    if (conn.queue !== null && conn.corks === 0) this.schedule(conn)
  }

  // ---- output ----------------------------------------------------------------------------

  /**
   * Queues `bytes` for the next flush. Returns false once output the socket did not take
   * reaches `highWaterMark`, or this batch's writes to `conn` exceed it.
   */
  write(conn: Connection, bytes: Uint8Array): boolean {
    conn.lastTick = this.tick
    // poisonChunks overwrites a chunk once `data` returns, before the flush: keep a copy.
    if (this.options.poisonChunks && this.engine.isShared(bytes)) bytes = Buffer.from(bytes)
    if ((conn.flags & Flag.Blocked) === 0 && conn.corks === 0) {
      // Flushed before the engine reuses its read memory: a view of it may stay a view.
      enqueue(conn, bytes)
      this.schedule(conn)
    } else {
      enqueueKept(conn, bytes, this.isShared(bytes))
    }
    if (this.underHighWaterMark(conn)) return true
    conn.flags |= Flag.NeedDrain
    return false
  }

  /** What `write` returns: below `highWaterMark` both in what waits for the socket and in this batch's writes. */
  underHighWaterMark(conn: Connection): boolean {
    const hwm = this.options.highWaterMark
    return conn.queuedBytes - conn.unflushed < hwm && conn.unflushed <= hwm
  }

  /** The last `uncork()`: send what was held. */
  uncorked(conn: Connection): void {
    if ((conn.flags & Flag.Blocked) === 0) this.schedule(conn)
  }

  /** `conn.end()` was called (Ending is set, corks cleared): flush, then shut down. */
  end(conn: Connection): void {
    if (conn.queue === null) this.shutdownWrite(conn)
    else if ((conn.flags & Flag.Blocked) === 0) this.schedule(conn) // shuts down once flushed
  }

  private schedule(conn: Connection): void {
    if ((conn.flags & Flag.Scheduled) !== 0) return
    conn.flags |= Flag.Scheduled
    this.flushList.push(conn)
    if (this.batchDepth === 0 && !this.flushQueued) {
      this.flushQueued = true
      queueMicrotask(this.flushSoon)
    }
  }

  private readonly flushSoon = (): void => {
    this.flushQueued = false
    this.beginBatch()
    this.endBatch()
  }

  /**
   * Writes the output of every scheduled connection, one native call per round (handlers that
   * run meanwhile, `drain` for instance, may schedule more). Output the socket did not take
   * stays queued, copied out of reused memory, and the engine reports when to go on.
   */
  flush(): void {
    while (this.flushList.length > 0) {
      const list = this.flushList
      this.flushList = this.spareList
      this.spareList = list
      this.flushRound(list)
      list.length = 0
    }
    this.scratchUsed = 0 // nothing queued refers to it any more (kept output was copied)
    if (this.scratchCount > SCRATCH_VIEWS_KEPT) {
      // After a burst, let the views go rather than keep thousands alive until overwritten.
      this.scratchViews.length = 0
      this.scratchAts.length = 0
    }
    this.scratchCount = 0
    this.scratchCursor = 0
  }

  private flushRound(list: Connection[]): void {
    const n = list.length
    if (this.fds.length < n) {
      const size = Math.max(n, this.fds.length * 2)
      this.fds = new Int32Array(size)
      this.segments = new Int32Array(size)
      this.results = new Int32Array(size)
    }
    const { fds, segments, results, buffers, scratchViews, scratchAts, scratchCount } = this
    let spans = this.spans
    let s = 0
    let cursor = this.scratchCursor
    for (let j = 0; j < n; j++) {
      const conn = list[j]
      conn.flags &= ~Flag.Scheduled
      const queue = conn.queue
      if (queue === null || (conn.flags & (Flag.Closed | Flag.Blocked)) !== 0 || conn.corks > 0) {
        fds[j] = -1
        segments[j] = 0
        continue
      }
      fds[j] = conn.fd
      if (spans.length < s + 2 * queue.length) spans = this.growSpans(s + 2 * queue.length)
      const first = s
      /** Where the last span ends in the scratch memory, when it is scratch output; else -1. */
      let scratchEnd = -1
      for (let k = 0; k < queue.length; k++) {
        const bytes = queue[k]
        let at = -1
        for (let ahead = cursor; ahead < scratchCount && ahead < cursor + SCRATCH_LOOKAHEAD; ahead++) {
          if (scratchViews[ahead] === bytes) {
            at = scratchAts[ahead]
            cursor = ahead + 1
            break
          }
        }
        if (at < 0) {
          spans[s++] = -1
          spans[s++] = 0
          buffers.push(bytes)
          scratchEnd = -1
        } else if (at === scratchEnd) {
          spans[s - 1] += bytes.length // end to end with the span before: one iovec
          scratchEnd += bytes.length
        } else {
          spans[s++] = at
          spans[s++] = bytes.length
          scratchEnd = at + bytes.length
        }
      }
      segments[j] = (s - first) / 2
    }
    this.scratchCursor = cursor
    try {
      sockets.writeBatch(fds, n, segments, buffers, results, spans, this.scratchMemory)
    } finally {
      buffers.length = 0
    }
    for (let j = 0; j < n; j++) {
      if (fds[j] < 0) continue
      const conn = list[j]
      if ((conn.flags & Flag.Closed) !== 0) continue // closed by a handler earlier in this loop
      const written = results[j]
      conn.unflushed = 0
      if (written < 0) {
        this.destroy(conn, systemError(-written, 'write'))
        continue
      }
      if (written > 0) {
        conn.lastTick = this.tick
        consume(conn, written)
      }
      if (conn.queue === null) {
        this.engine.wroteAll(conn)
        this.flushed(conn)
      } else {
        keep(conn, this.isSharedBound)
        conn.flags |= Flag.Blocked
        this.engine.waitWritable(conn)
      }
    }
  }

  private growSpans(needed: number): Int32Array {
    const grown = new Int32Array(Math.max(needed, this.spans.length * 2))
    grown.set(this.spans)
    this.spans = grown
    return grown
  }

  private readonly isSharedBound = (bytes: Uint8Array): boolean => this.isShared(bytes)

  /** The queue was flushed to empty: Ending, drain and graceful close follow. */
  private flushed(conn: Connection): void {
    if ((conn.flags & Flag.Ending) !== 0) {
      this.shutdownWrite(conn)
      return
    }
    if ((conn.flags & Flag.NeedDrain) !== 0) {
      conn.flags &= ~Flag.NeedDrain
      try {
        conn.handlers.drain(conn)
      } catch (err) {
        this.failed(conn, err)
        return
      }
    }
    if (this.closing) this.settled(conn)
  }

  /** The queue is empty and Ending is set: send the FIN. */
  private shutdownWrite(conn: Connection): void {
    try {
      sockets.shutdown(conn.fd, SHUT_WR)
    } catch (err) {
      // ENOTCONN: the peer reset the connection meanwhile.
      this.destroy(conn, err as Error)
      return
    }
    conn.flags |= Flag.WriteShut
    if ((conn.flags & Flag.ReadEnded) !== 0 || this.closing) this.finish(conn, undefined)
  }

  // ---- reading on and off ----------------------------------------------------------------

  pause(conn: Connection): void {
    this.engine.pause(conn)
  }

  resume(conn: Connection): void {
    this.engine.resume(conn)
  }

  // ---- closing ---------------------------------------------------------------------------

  /** Closes at once, dropping queued output. */
  destroy(conn: Connection, err: Error | undefined): void {
    this.finish(conn, err)
  }

  /** Drops a connection that never opened (no handler is called). */
  discard(conn: Connection): void {
    conn.flags |= Flag.Closed
    this.ledger?.clear(slotOf(conn.token))
    this.engine.closeSocket(conn)
    conn.fd = -1
    this.table.release(conn.token)
  }

  /** Closes the fd, frees the slot and calls `close` once. */
  private finish(conn: Connection, err: Error | undefined): void {
    if ((conn.flags & Flag.Closed) !== 0) return
    conn.flags |= Flag.Closed
    this.engine.detach(conn)
    this.ledger?.clear(slotOf(conn.token))
    this.engine.closeSocket(conn)
    conn.fd = -1
    conn.queue = null
    conn.queuedBytes = 0
    conn.unflushed = 0
    this.table.release(conn.token)
    this.stats.closed++
    try {
      conn.handlers.close(conn, err)
    } catch (thrown) {
      this.failed(conn, thrown) // reported; the connection is closed already
    } finally {
      if (this.closing && this.table.size === 0) this.whenEmpty?.()
    }
  }

  /**
   * While closing: close `conn` if it is idle (no queued output, not corked, not busy).
   * Called after each event that may have made it idle.
   */
  settled(conn: Connection): void {
    if (!this.closing || (conn.flags & Flag.Closed) !== 0) return
    if (conn.queue !== null || conn.corks > 0 || (conn.flags & Flag.Busy) !== 0) return
    this.finish(conn, undefined) // close(2) sends the FIN
  }

  /** Idle sweep: connections untouched since `tick - ticks` time out. */
  timedOut(conn: Connection): void {
    const before = conn.lastTick
    try {
      conn.handlers.timeout(conn)
    } catch (err) {
      this.failed(conn, err)
      return
    }
    if ((conn.flags & Flag.Closed) === 0 && conn.lastTick === before) {
      this.destroy(conn, serverError('ETIMEDOUT', `connection idle for ${this.options.idleTimeoutMs} ms`))
    }
  }

  /** The Duplex of `conn`, created on first use. */
  streamOf(conn: Connection): Duplex {
    if (conn.handlers instanceof StreamAdapter) return conn.handlers.stream
    return new StreamAdapter(conn, this.options.allowHalfOpen).stream
  }

  /**
   * Graceful close: stop accepting, close idle connections now and busy ones once idle;
   * at the deadline destroy what is left with `ERR_SERVER_CLOSE_TIMEOUT`.
   */
  close(graceMs: number): Promise<void> {
    if (this.closed !== null) return this.closed
    this.closing = true
    this.acceptor?.stop()
    this.engine.stopAccepting()
    this.closed = new Promise<void>((resolve) => {
      let deadline: NodeJS.Timeout | undefined
      const done = () => {
        this.whenEmpty = null
        if (deadline !== undefined) clearTimeout(deadline)
        this.sweeper?.stop()
        this.engine.release()
        resolve()
      }
      this.whenEmpty = done
      for (const conn of this.table.list()) this.settled(conn)
      if (this.table.size === 0) return done()
      if (Number.isFinite(graceMs)) {
        deadline = setTimeout(() => {
          const error = serverError('ERR_SERVER_CLOSE_TIMEOUT', `connection still busy ${graceMs} ms after close()`)
          for (const conn of this.table.list()) this.destroy(conn, error)
        }, graceMs)
      }
    })
    return this.closed
  }
}
