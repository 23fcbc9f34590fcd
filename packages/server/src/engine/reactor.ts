/**
 * What every engine shares: the connection table, the handler calls, idle timeouts, half-close
 * and graceful close. An engine (epoll level/edge, io_uring) subclasses it and moves the bytes.
 *
 * Handler errors (see `failed`): an exception thrown by a handler goes to the application's
 * `error` handler, or becomes an uncaught exception when there is none; either way the
 * connection is destroyed with it and the batch goes on with the other connections.
 */
import { sockets, type SystemError } from '@io/core'
import type { Duplex } from 'node:stream'
import { closeQuietly } from './close-quietly.js'
import { Connection, Flag } from './connection.js'
import { ConnectionTable, slotOf } from './connection-table.js'
import { LISTENER_ENTRY, type FdLedger } from '../workers/fd-ledger.js'
import { serverError } from '../errors.js'
import type { FullHandlers } from './handlers.js'
import { IdleSweeper } from './idle-sweeper.js'
import type { ResolvedOptions } from '../options.js'
import type { EngineName } from './backend.js'
import { StreamAdapter } from '../tcp/stream-adapter.js'
import { consume, enqueue, iovecs } from './write-queue.js'

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
}

const { SHUT_WR } = sockets.constants
/** What `poisonChunks` fills a chunk with once `data` returned (0xDB: "dead buffer"). */
export const POISON = 0xdb

export abstract class Reactor {
  abstract readonly engine: EngineName
  readonly table = new ConnectionTable()
  readonly stats: ReactorStats = { accepted: 0, closed: 0, acceptErrors: 0, acceptRetries: 0 }
  /** Current idle-sweep tick; connections stamp it on every read and write. */
  tick = 0
  /** True once `close()` began: connections close as soon as they are idle. */
  closing = false
  private sweeper: IdleSweeper | null = null
  private closed: Promise<void> | null = null
  private whenEmpty: (() => void) | null = null

  constructor(
    readonly options: ResolvedOptions,
    readonly handlers: FullHandlers,
    /** Worker threads: where the fds this reactor owns are recorded for the supervisor. */
    private readonly ledger: FdLedger | null = null,
  ) {}

  /** Starts accepting on the listening socket `fd` (owned by the engine from now on). */
  protected abstract start(fd: number): void

  /**
   * Starts accepting on the listening socket `fd`, which the reactor owns from then on. If
   * this throws, the caller still owns `fd` and must `abort()` the reactor.
   */
  listen(fd: number): void {
    this.start(fd)
    if (this.options.idleTimeoutMs > 0) this.sweeper = new IdleSweeper(this, this.options.idleTimeoutMs)
  }

  /** Releases a reactor whose `listen` failed (no connection was ever accepted). */
  abort(): void {
    this.closing = true
    this.disownListener() // the caller closes the fd: a worker's supervisor must not
    this.sweeper?.stop()
    this.release()
  }
  /** Stops accepting and closes the listening socket. Idempotent. */
  protected abstract stopAccepting(): void
  /** Releases the engine (epoll fd, ring) once every connection is gone. */
  protected abstract release(): void
  /** Output is queued and the socket is full: have the engine report when it is writable. */
  protected abstract waitWritable(conn: Connection): void
  /** The queue was written out (the engine may stop watching for writability). */
  protected abstract wroteQueue(conn: Connection): void
  /** Reading was paused / resumed (the flag is already updated). */
  abstract pause(conn: Connection): void
  abstract resume(conn: Connection): void
  /** The engine forgets the connection; its fd is about to be closed. */
  protected abstract detach(conn: Connection): void

  /** Memory the engine reuses for reads: chunks in it are copied when queued. */
  protected shared: ArrayBuffer = new ArrayBuffer(0)
  /** Flush until WOULD_BLOCK rather than one writev per writability report (edge-triggered). */
  protected flushUntilBlocked = false

  /** Bytes in `chunk` live in memory the reactor reuses (must be copied to be kept). */
  isShared(chunk: Uint8Array): boolean {
    return chunk.buffer === this.shared
  }

  /**
   * Sends `bytes` now if the socket takes them (no copy, nothing allocated), queues the rest.
   * Returns `queuedBytes < highWaterMark`. The same on every engine: even io_uring writes
   * with a direct send(2) first, since most writes complete at once.
   */
  write(conn: Connection, bytes: Uint8Array): boolean {
    if (conn.queue === null && conn.corks === 0) {
      const length = bytes.byteLength
      let n: number
      try {
        n = sockets.send(conn.fd, bytes)
      } catch (err) {
        this.destroy(conn, err as SystemError)
        return false
      }
      conn.lastTick = this.tick
      if (n === length) return true
      enqueue(conn, bytes, n > 0 ? n : 0, this.isShared(bytes))
      this.waitWritable(conn)
    } else {
      enqueue(conn, bytes, 0, this.isShared(bytes))
    }
    if (conn.queuedBytes < this.options.highWaterMark) return true
    conn.flags |= Flag.NeedDrain
    return false
  }

  /** The last `uncork()`: send the queue. */
  uncorked(conn: Connection): void {
    this.flush(conn)
  }

  /** Writes as much of the queue as the socket takes (one writev per round). */
  protected flush(conn: Connection): void {
    for (;;) {
      const queue = conn.queue!
      let n: number
      try {
        n = queue.length === 1 ? sockets.send(conn.fd, queue[0]) : sockets.writev(conn.fd, iovecs(queue))
      } catch (err) {
        this.destroy(conn, err as SystemError)
        return
      }
      if (n <= 0) break
      conn.lastTick = this.tick
      consume(conn, n)
      if (conn.queue === null || !this.flushUntilBlocked) break
    }
    if (conn.queue === null) {
      this.wroteQueue(conn)
      this.flushed(conn)
    } else this.waitWritable(conn)
  }

  /** Number of open connections. */
  get connections(): number {
    return this.table.size
  }

  /**
   * Takes an accepted fd: a slot, a Connection, then `open`. Returns null (and closes the fd)
   * when the table is full or the engine cannot take it.
   */
  protected attach(fd: number): Connection | null {
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

  /** Records the listening socket as ours (for a worker's supervisor). */
  protected ownListener(fd: number): void {
    this.ledger?.record(LISTENER_ENTRY, fd)
  }

  /** The listening socket is about to be closed: un-record it first. */
  protected disownListener(): void {
    this.ledger?.clear(LISTENER_ENTRY)
  }

  /** Closes the listening socket, un-recording it first. */
  protected closeListener(fd: number): void {
    this.disownListener()
    closeQuietly(fd)
  }

  /** Closes a connection's socket (io_uring closes through the ring when operations are in flight). */
  protected closeSocket(conn: Connection): void {
    closeQuietly(conn.fd)
  }

  /** Calls `open`, isolating a throwing handler. */
  protected opened(conn: Connection): void {
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
    const report = this.handlers.error
    if (report !== undefined && conn !== undefined) {
      try {
        report(conn, error)
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

  /** Calls `data` for `n` bytes of `chunk`. Kept tiny: it is the hot path. */
  protected deliver(conn: Connection, chunk: Buffer): void {
    conn.lastTick = this.tick
    try {
      conn.handlers.data(conn, chunk)
    } finally {
      if (this.options.poisonChunks) chunk.fill(POISON)
    }
    if (this.closing) this.settled(conn)
  }

  /** The peer ended its side. */
  protected readEnded(conn: Connection): void {
    conn.flags |= Flag.ReadEnded
    conn.handlers.end(conn)
    if ((conn.flags & Flag.Closed) !== 0) return
    if ((conn.flags & Flag.WriteShut) !== 0) this.finish(conn, undefined)
    else if (!this.options.allowHalfOpen && conn.handlers.ownsEnd !== true) conn.end()
    else if (this.closing) this.settled(conn)
  }

  /** `conn.end()` was called (Ending is set, corks cleared): flush, then shut down. */
  end(conn: Connection): void {
    if (conn.queue === null) this.shutdownWrite(conn)
    else this.uncorked(conn) // writes what was corked; shuts down once the queue is empty
  }

  /** The queue is empty and Ending is set: send the FIN. */
  protected shutdownWrite(conn: Connection): void {
    try {
      sockets.shutdown(conn.fd, SHUT_WR)
    } catch (err) {
      // ENOTCONN: the peer reset the connection meanwhile.
      this.destroy(conn, err as SystemError)
      return
    }
    conn.flags |= Flag.WriteShut
    if ((conn.flags & Flag.ReadEnded) !== 0 || this.closing) this.finish(conn, undefined)
  }

  /** The queue was flushed to empty: Ending, drain and graceful close follow. */
  protected flushed(conn: Connection): void {
    if ((conn.flags & Flag.Ending) !== 0) {
      this.shutdownWrite(conn)
      return
    }
    if ((conn.flags & Flag.NeedDrain) !== 0) {
      conn.flags &= ~Flag.NeedDrain
      conn.handlers.drain(conn)
    }
    if (this.closing) this.settled(conn)
  }

  /** Closes at once, dropping queued output. */
  destroy(conn: Connection, err: Error | undefined): void {
    this.finish(conn, err)
  }

  /** Drops a connection that never opened (no handler is called). */
  protected discard(conn: Connection): void {
    conn.flags |= Flag.Closed
    this.ledger?.clear(slotOf(conn.token))
    this.closeSocket(conn)
    conn.fd = -1
    this.table.release(conn.token)
  }

  /** Closes the fd, frees the slot and calls `close` once. */
  protected finish(conn: Connection, err: Error | undefined): void {
    if ((conn.flags & Flag.Closed) !== 0) return
    conn.flags |= Flag.Closed
    this.detach(conn)
    this.ledger?.clear(slotOf(conn.token))
    this.closeSocket(conn)
    conn.fd = -1
    conn.queue = null
    conn.queuedBytes = 0
    this.table.release(conn.token)
    this.stats.closed++
    try {
      conn.handlers.close(conn, err)
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
      this.destroy(conn, timeoutError(this.options.idleTimeoutMs))
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
    this.stopAccepting()
    this.closed = new Promise<void>((resolve) => {
      let deadline: NodeJS.Timeout | undefined
      const done = () => {
        this.whenEmpty = null
        if (deadline !== undefined) clearTimeout(deadline)
        this.sweeper?.stop()
        this.release()
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

function timeoutError(ms: number): Error {
  const error = serverError('ETIMEDOUT', `connection idle for ${ms} ms`) as Error & { code: string }
  return error
}
