/**
 * The completion engine: io_uring, run inside Node's loop (`Uring.start`: libuv watches the
 * eventfd registered with the ring, and one callback takes a whole batch of completions).
 *
 * - Accept: one multishot accept on the listener (re-armed whenever it ends).
 * - Read: one multishot recv per connection into a provided-buffer ring shared by the whole
 *   reactor, so memory follows data in flight, not connections. A completion names the
 *   buffer the kernel filled; `data` gets a view of it, and the buffer goes back to the kernel
 *   as soon as `data` returns (the same lifetime rule as the epoll engines' shared buffer).
 *   Receives of one connection that arrive back to back in a batch (a burst larger than a ring
 *   buffer fills several) are joined into one chunk of up to `readBufferSize` bytes, the most
 *   one read gives on the epoll engines: one `data` call and, for an echo, one send instead of
 *   one per ring buffer.
 *   No syscall per read: the kernel posts completions, and one io_uring_enter per batch
 *   submits whatever the batch queued.
 * - Write: a direct send(2) first, like the readiness engines, because most writes complete at
 *   once and then nothing is allocated or held. Only output that has to wait is queued, and a
 *   one-shot POLLOUT on the ring reports when the socket takes more.
 * - Pause: cancels the recv; completions that were already on their way are kept (copied)
 *   and handed over, in order, after `resume()`, which arms a new recv.
 * - Close: `Uring.close(fd, token)` cancels what is in flight on the fd, then closes it.
 *
 * Tokens: a connection's token (see ConnectionTable) with the operation's kind in bits 30-31.
 * A completion for a connection closed meanwhile carries a stale token and is dropped, but the
 * ring buffer it holds is recycled all the same.
 */
import { constants as osConstants } from 'node:os'
import {
  BufferRing,
  ERROR,
  HANGUP,
  IORING_CQE_BUFFER_SHIFT,
  IORING_CQE_F_BUFFER,
  IORING_CQE_F_MORE,
  Uring,
  WRITABLE,
  completionError,
  sockets,
} from '@io/core'
import { AcceptBackoff } from './accept-backoff.js'
import { Flag, type Connection } from './connection.js'
import { LISTENER_TOKEN } from './connection-table.js'
import type { FdLedger } from './fd-ledger.js'
import type { FullHandlers } from './handlers.js'
import type { ResolvedOptions } from './options.js'
import { Reactor } from './reactor.js'
import { systemError } from './system-error.js'

/** Operation kinds, in bits 30-31 of a token. */
const RECV = 0
const POLL_OUT = 1 << 30
const CLOSE = 2 << 30
/** A poll for ERROR|HANGUP while paused (kind 3; the listener's token has slot 0xFFFFF). */
const POLL_HANGUP = (3 << 30) >>> 0
const KIND_MASK = (3 << 30) >>> 0
/** Completion token of the listener's close. */
const LISTENER_CLOSE = (CLOSE | 0xfffff) >>> 0

/** A multishot recv is armed. */
const RECV_ARMED = Flag.EngineA
/** A POLLOUT is armed. */
const POLL_ARMED = Flag.EngineB
/** A hang-up poll is armed (while paused). */
const HANGUP_ARMED = Flag.EngineC

const { ENOBUFS, ECANCELED } = osConstants.errno
const { IPPROTO_TCP, TCP_NODELAY, SOL_SOCKET, SO_ERROR } = sockets.constants

/**
 * Most bytes per ring buffer: 2048 x 16 KB is 32 MB of address space, of which only the pages
 * receives actually touch become resident. `readBufferSize` sets it when smaller.
 */
const MAX_RING_BUFFER_SIZE = 16 * 1024

export class UringReactor extends Reactor {
  /** Buffers in the provided-buffer ring (a power of two). @internal Lowered by tests. */
  static ringBuffers = 2048
  /** Joined runs whose buffers lie side by side are views of the ring. @internal Tests turn it off to force the copy. */
  static joinByView = true
  readonly engine = 'uring' as const
  private readonly uring: Uring
  private readonly buffers: BufferRing
  private readonly bytes: Uint8Array
  private readonly bufferSize: number
  private readonly backoff = new AcceptBackoff()
  /** Input that completed while its connection was paused, delivered after resume (null: EOF). */
  private readonly held = new Map<Connection, Array<Buffer | null>>()
  /** Where back-to-back receives are joined (`readBufferSize` bytes, allocated when first needed). */
  private join: Buffer | null = null
  private listenFd = -1

  constructor(options: ResolvedOptions, handlers: FullHandlers, ledger: FdLedger | null) {
    super(options, handlers, ledger)
    const entries = Math.min(4096, Math.max(256, options.maxEvents))
    this.uring = new Uring({ entries, cqEntries: Math.max(4096, entries * 4) })
    try {
      this.bufferSize = Math.min(options.readBufferSize, MAX_RING_BUFFER_SIZE)
      this.buffers = new BufferRing(this.uring, { count: UringReactor.ringBuffers, size: this.bufferSize })
    } catch (err) {
      this.uring.close()
      throw err
    }
    this.bytes = this.buffers.bytes
    this.shared = this.bytes.buffer as ArrayBuffer
  }

  protected start(fd: number): void {
    this.ownListener(fd)
    this.listenFd = fd
    this.armAccept()
    this.uring.start(this.onComplete)
  }

  private armAccept(): void {
    this.uring.accept(this.listenFd, LISTENER_TOKEN, { multishot: this.uring.features.multishotAccept })
  }

  /** One batch of completions from the loop. */
  private readonly onComplete = (count: number): void => {
    const tokens = this.uring.completionTokens
    const results = this.uring.completionResults
    const flags = this.uring.completionFlags
    for (let i = 0; i < count; i++) {
      const token = tokens[i]
      if (token === LISTENER_TOKEN) {
        this.acceptCompleted(results[i], flags[i])
        continue
      }
      const kind = (token & KIND_MASK) >>> 0
      const conn = this.table.lookup((token & ~KIND_MASK) >>> 0)
      try {
        if (kind === RECV) {
          const last = conn === undefined ? i : this.joinable(conn, i, count)
          if (last === i) this.received(conn, results[i], flags[i])
          else {
            const first = i
            i = last // consumed even if a handler throws: each buffer is recycled exactly once
            this.receivedRun(conn!, first, last)
          }
        } else if (kind === POLL_OUT && conn !== undefined) this.writable(conn, results[i])
        else if (kind === POLL_HANGUP && conn !== undefined) this.hungUp(conn, results[i])
        // CLOSE: nothing to do; the fd is gone.
      } catch (err) {
        this.failed(conn, err)
      }
    }
  }

  private received(conn: Connection | undefined, result: number, flags: number): void {
    const hasBuffer = (flags & IORING_CQE_F_BUFFER) !== 0
    const id = flags >>> IORING_CQE_BUFFER_SHIFT
    if (conn !== undefined && (conn.flags & Flag.Closed) === 0) {
      if (result > 0 && hasBuffer) {
        const start = id * this.bufferSize
        const chunk = Buffer.from(this.shared, this.bytes.byteOffset + start, result)
        if ((conn.flags & Flag.Paused) !== 0) this.hold(conn, Buffer.from(chunk))
        else this.deliver(conn, chunk)
      }
      if ((flags & IORING_CQE_F_MORE) === 0) this.recvEnded(conn, result)
    }
    if (hasBuffer) this.buffers.recycle(id) // after `data` returned: the view is dead now
  }

  /**
   * The last completion of a run that starts at `first` and can be delivered as one chunk: the
   * completions that follow it directly for the same connection, each with data in a ring
   * buffer, up to the one that ends the recv (no F_MORE) and within `readBufferSize`. `first`
   * itself when there is nothing to join (or the connection is paused or closed).
   */
  private joinable(conn: Connection, first: number, count: number): number {
    const tokens = this.uring.completionTokens
    const results = this.uring.completionResults
    const flags = this.uring.completionFlags
    if ((conn.flags & (Flag.Closed | Flag.Paused)) !== 0) return first
    const limit = this.options.readBufferSize
    let last = first
    let total = results[first]
    while (
      last + 1 < count &&
      results[last] > 0 &&
      (flags[last] & (IORING_CQE_F_BUFFER | IORING_CQE_F_MORE)) === (IORING_CQE_F_BUFFER | IORING_CQE_F_MORE) &&
      tokens[last + 1] === tokens[first] &&
      results[last + 1] > 0 &&
      (flags[last + 1] & IORING_CQE_F_BUFFER) !== 0 &&
      total + results[last + 1] <= limit
    ) {
      last++
      total += results[last]
    }
    return last
  }

  /**
   * Completions `first`..`last` of `conn` (see `joinable`), delivered as one chunk. Buffers the
   * ring handed out in order lie side by side in its memory (ids n, n+1, ...: the ring keeps
   * the order in which they are recycled, which is the order of use), and when every one but
   * the last is full the chunk is a view across them, copying nothing. Otherwise the bytes are
   * copied into the join buffer.
   */
  private receivedRun(conn: Connection, first: number, last: number): void {
    const results = this.uring.completionResults
    const flags = this.uring.completionFlags
    const size = this.bufferSize
    const firstId = flags[first] >>> IORING_CQE_BUFFER_SHIFT
    let total = 0
    let adjacent = UringReactor.joinByView
    for (let k = first; k <= last; k++) {
      total += results[k]
      if (k < last && (results[k] !== size || flags[k + 1] >>> IORING_CQE_BUFFER_SHIFT !== firstId + (k + 1 - first)))
        adjacent = false
    }
    if (adjacent) {
      try {
        this.deliver(conn, Buffer.from(this.shared, this.bytes.byteOffset + firstId * size, total))
      } finally {
        for (let k = first; k <= last; k++) this.buffers.recycle(flags[k] >>> IORING_CQE_BUFFER_SHIFT)
      }
    } else {
      let join = this.join
      if (join === null) {
        // A buffer of its own (not a slice of Node's pool), so that isShared() knows its chunks.
        join = this.join = Buffer.allocUnsafeSlow(this.options.readBufferSize)
        this.sharedJoin = join.buffer as ArrayBuffer
      }
      let at = 0
      for (let k = first; k <= last; k++) {
        const id = flags[k] >>> IORING_CQE_BUFFER_SHIFT
        join.set(this.bytes.subarray(id * size, id * size + results[k]), at)
        at += results[k]
        this.buffers.recycle(id) // copied: the kernel may have it back at once
      }
      this.deliver(conn, join.subarray(0, total))
    }
    if ((flags[last] & IORING_CQE_F_MORE) === 0) this.recvEnded(conn, results[last])
  }

  /** The multishot recv of `conn` ended (no F_MORE). */
  private recvEnded(conn: Connection, result: number): void {
    conn.flags &= ~RECV_ARMED
    if ((conn.flags & Flag.Closed) !== 0) return
    if (result === 0) {
      if ((conn.flags & Flag.Paused) !== 0) this.hold(conn, null)
      else this.peerEnded(conn)
    } else if (result > 0 || result === -ENOBUFS || result === -ECANCELED) {
      // Ended by the kernel (buffers ran out: the data waits in the socket) or by pause().
      if ((conn.flags & (Flag.Paused | Flag.ReadEnded)) === 0) this.armRecv(conn)
    } else {
      this.destroy(conn, completionError(result, 'recv'))
    }
  }

  private peerEnded(conn: Connection): void {
    conn.flags |= Flag.ReadEnded
    this.readEnded(conn)
  }

  private armRecv(conn: Connection): void {
    conn.flags |= RECV_ARMED
    this.uring.recvMultishot(conn.fd, this.buffers, conn.token)
  }

  private hold(conn: Connection, chunk: Buffer | null): void {
    const list = this.held.get(conn)
    if (list === undefined) this.held.set(conn, [chunk])
    else list.push(chunk)
  }

  pause(conn: Connection): void {
    if ((conn.flags & RECV_ARMED) !== 0) this.uring.cancel(conn.token)
    // With no recv armed, nothing would notice a reset until resume() (or the idle timeout):
    // watch for ERROR/HANGUP meanwhile, as the level-triggered engine does.
    if ((conn.flags & HANGUP_ARMED) === 0) this.armHangup(conn)
  }

  private armHangup(conn: Connection): void {
    conn.flags |= HANGUP_ARMED
    this.uring.pollAdd(conn.fd, ERROR | HANGUP, (conn.token | POLL_HANGUP) >>> 0, false)
  }

  /** The hang-up poll of a paused connection completed (or was cancelled by resume). */
  private hungUp(conn: Connection, result: number): void {
    conn.flags &= ~HANGUP_ARMED
    if ((conn.flags & Flag.Closed) !== 0) return
    if (result < 0) {
      // Cancelled by a resume(); paused again since: keep watching.
      if ((conn.flags & Flag.Paused) !== 0) this.armHangup(conn)
      return
    }
    if ((result & ERROR) !== 0) {
      const errno = sockets.getsockopt(conn.fd, SOL_SOCKET, SO_ERROR)
      if (errno !== 0) this.destroy(conn, systemError(errno, 'recv'))
    }
    // HANGUP alone: the rest of the input and the end of stream are read after resume().
  }

  resume(conn: Connection): void {
    if ((conn.flags & HANGUP_ARMED) !== 0) this.uring.cancel((conn.token | POLL_HANGUP) >>> 0)
    if (this.held.has(conn)) {
      // Hand over what came while paused first, outside the caller's stack (resume() is often
      // called from a handler), then read on.
      queueMicrotask(() => this.replay(conn))
    } else if ((conn.flags & (RECV_ARMED | Flag.ReadEnded)) === 0) this.armRecv(conn)
    // RECV_ARMED still set: the cancel has not completed; its completion re-arms.
  }

  private replay(conn: Connection): void {
    const list = this.held.get(conn)
    while (list !== undefined && list.length > 0 && (conn.flags & (Flag.Paused | Flag.Closed)) === 0) {
      const chunk = list.shift()!
      try {
        if (chunk === null) this.peerEnded(conn)
        else this.deliver(conn, chunk)
      } catch (err) {
        this.failed(conn, err)
      }
    }
    if (list !== undefined && list.length === 0) this.held.delete(conn)
    if ((conn.flags & (Flag.Paused | Flag.Closed | RECV_ARMED | Flag.ReadEnded)) === 0) this.armRecv(conn)
  }

  protected waitWritable(conn: Connection): void {
    if ((conn.flags & POLL_ARMED) !== 0) return
    conn.flags |= POLL_ARMED
    this.uring.pollAdd(conn.fd, WRITABLE, (conn.token | POLL_OUT) >>> 0, false)
  }

  protected wroteQueue(_conn: Connection): void {
    // A one-shot poll: nothing stays armed.
  }

  private writable(conn: Connection, result: number): void {
    conn.flags &= ~POLL_ARMED
    if (result < 0 || conn.queue === null || conn.corks > 0 || (conn.flags & Flag.Closed) !== 0) return
    this.flush(conn)
  }

  protected detach(conn: Connection): void {
    this.held.delete(conn)
  }

  /** Operations in flight on the fd: cancel them and close through the ring. */
  protected override closeSocket(conn: Connection): void {
    if ((conn.flags & (RECV_ARMED | POLL_ARMED | HANGUP_ARMED)) === 0) super.closeSocket(conn)
    else this.uring.close(conn.fd, (conn.token | CLOSE) >>> 0)
  }

  private acceptCompleted(result: number, flags: number): void {
    if (this.listenFd < 0) {
      if (result >= 0) sockets.close(result) // accepted as the listener was closing
      return
    }
    const more = (flags & IORING_CQE_F_MORE) !== 0
    if (result >= 0) {
      this.accepted(result)
      if (!more) this.armAccept()
      return
    }
    if (result === -ECANCELED) return
    // EMFILE, ENFILE, ...: stop accepting, retry from a timer (see AcceptBackoff).
    this.stats.acceptErrors++
    if (more) this.uring.cancel(LISTENER_TOKEN)
    this.backoff.failed(this.retryAccept)
  }

  private readonly retryAccept = (): void => {
    if (this.listenFd < 0) return
    this.stats.acceptRetries++
    this.backoff.recovered()
    this.armAccept() // fails again with a completion if fds are still short
  }

  private accepted(fd: number): void {
    if (this.options.noDelay) {
      try {
        sockets.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1)
      } catch {
        sockets.close(fd) // reset before we got here
        return
      }
    }
    const conn = this.attach(fd)
    if (conn === null) return
    this.armRecv(conn)
    this.opened(conn)
  }

  protected stopAccepting(): void {
    this.backoff.cancel()
    if (this.listenFd < 0) return
    const fd = this.listenFd
    this.listenFd = -1
    this.disownListener()
    this.uring.close(fd, LISTENER_CLOSE) // cancels the multishot accept, then closes
  }

  protected release(): void {
    this.uring.close() // cancels and reaps everything in flight, then frees the ring
  }
}
