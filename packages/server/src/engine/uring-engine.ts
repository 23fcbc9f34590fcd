/**
 * The completion engine: io_uring, run inside Node's loop (`Uring.start`: libuv watches the
 * eventfd registered with the ring, and one callback takes a whole batch of completions).
 *
 * - Accept: one multishot accept on the listener (re-armed whenever it ends).
 * - Read: one single-shot recv at a time per connection, into a provided-buffer ring shared
 *   by the whole reactor, so memory follows data in flight, not connections. A completion names
 *   the buffer the kernel filled (up to `readBufferSize`, at most 64 KB); `data` gets a view of
 *   it, and the buffer goes back to the kernel once the batch's output is flushed (the same
 *   lifetime rule as the epoll engine's read arena). The next recv is armed once `data`
 *   returned, unless the connection paused: the batch's re-armed recvs are queued together,
 *   in one native call once its output is flushed, and a connection that paused or closed
 *   meanwhile is left out. One recv in flight is what bounds memory: a
 *   multishot recv keeps filling ring buffers while the application is busy, and a paused
 *   connection would have to keep all of them (measured: tens of MB per connection from a
 *   client that never reads). With one, at most one chunk arrives after `pause()`, and the
 *   kernel's socket buffer and TCP window hold the peer back, as on the epoll engines.
 *   No syscall per read: arming only queues a submission, and one io_uring_enter per batch
 *   submits everything the batch queued. Only a few of the ring's buffers are the kernel's at a
 *   time (see `recycle`), so that recvs reuse buffers still in cache.
 * - Write: the reactor's flush, one `sockets.writeBatch` per batch, as on the readiness engine:
 *   most writes complete at once, and then nothing is held. Output that has to wait stays
 *   queued, and a one-shot POLLOUT on the ring reports when the socket takes more.
 * - Pause: arms no new recv. A recv already in flight may still complete: its chunk is kept
 *   (copied) and handed over after `resume()`, before anything newer, and only then is the next
 *   recv armed, so input is never reordered. While paused with no recv in flight, a one-shot
 *   poll for ERROR|HANGUP notices a reset.
 * - Close: `Uring.close(fd, token)` cancels what is in flight on the fd, then closes it.
 *
 * Tokens: a connection's token (see ConnectionTable) with the operation's kind in bits 30-31.
 * A completion for a connection closed meanwhile carries a stale token and is dropped, but the
 * ring buffer it holds is recycled all the same.
 */
import { Buffer } from 'node:buffer'
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
import type { Acceptor } from './acceptor.js'
import { closeQuietly } from './close-quietly.js'
import { Flag, type Connection } from './connection.js'
import { LISTENER_TOKEN, slotOf, withSlot } from './connection-table.js'
import type { Engine } from './contract.js'
import { HeldInput } from './held-input.js'
import type { Reactor } from './reactor.js'
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

/** Per-connection state of this engine (a byte per slot): a recv is in flight. */
const RECV_ARMED = 1
/** A POLLOUT is armed. */
const POLL_ARMED = 2
/** A hang-up poll is armed (while paused). */
const HANGUP_ARMED = 4
/** With RECV_ARMED: the recv waits in `arms`, not yet handed to the ring (see `queueArms`). */
const RECV_WAITING = 8

const { ENOBUFS, ECANCELED } = osConstants.errno
const { SOL_SOCKET, SO_ERROR } = sockets.constants

/**
 * Most bytes per ring buffer: one recv reads at most this much, like one read(2) of the epoll
 * engine's 64 KB buffer. `readBufferSize` sets it when smaller. Only the pages receives
 * actually touch become resident.
 */
const MAX_RING_BUFFER_SIZE = 64 * 1024


export class UringEngine implements Engine {
  /**
   * Buffers in the provided-buffer ring (a power of two): at most this many connections
   * complete a recv in one batch; the others get ENOBUFS and are re-armed, their data waiting
   * in the socket. @internal Lowered by tests.
   */
  static ringBuffers = 512
  /**
   * Ring buffers the kernel gets at first (see `recycle`); doubled, up to `ringBuffers`, after
   * a batch in which a recv found none. @internal Lowered by tests.
   */
  static minProvided = 16
  readonly name = 'uring' as const
  private readonly uring: Uring
  private readonly buffers: BufferRing
  private readonly bytes: Uint8Array
  /** Its ArrayBuffer and offset in it, kept (see the epoll engine's arenaBuffer). */
  private readonly bytesBuffer: ArrayBuffer
  private readonly bytesOffset: number
  private readonly bufferSize: number
  /** Ring buffers handed to `data` in this batch: recycled once its output is flushed. */
  private readonly toRecycle: number[] = []
  /**
   * Ring buffers held back from the kernel, so that it keeps reusing the same few (see
   * `recycle`): every buffer is the kernel's, in `toRecycle` or here.
   */
  private readonly spare: number[] = []
  /** A recv of this batch found no buffer (ENOBUFS). */
  private starved = false
  private readonly held = new HeldInput()
  /** Armed operations per connection slot. */
  private state = new Uint8Array(64)
  /**
   * Recvs armed while a batch runs, handed to the ring together at its end: `arms` holds
   * [fd, token, pollFirst] per recv (the layout of `Uring.recvOnceFromRing`), `armed` the
   * connections.
   */
  private arms = new Int32Array(3 * 64)
  private readonly armed: Array<Connection | undefined> = []
  /** Inside `onComplete`: recvs wait in `arms` for the end of the batch. */
  private inBatch = false
  private acceptor: Acceptor | null = null
  private listenFd = -1

  constructor(private readonly reactor: Reactor) {
    const { maxEvents, readBufferSize } = reactor.options
    const entries = Math.min(4096, Math.max(256, maxEvents))
    this.uring = new Uring({ entries, cqEntries: Math.max(4096, entries * 4) })
    try {
      this.bufferSize = Math.min(readBufferSize, MAX_RING_BUFFER_SIZE)
      const count = UringEngine.ringBuffers
      const provided = Math.max(1, Math.min(UringEngine.minProvided, count))
      this.buffers = new BufferRing(this.uring, { count, size: this.bufferSize, provided })
      for (let id = count - 1; id >= provided; id--) this.spare.push(id)
    } catch (err) {
      this.uring.close()
      throw err
    }
    this.bytes = this.buffers.bytes
    this.bytesBuffer = this.bytes.buffer as ArrayBuffer
    this.bytesOffset = this.bytes.byteOffset
  }

  isShared(bytes: Uint8Array): boolean {
    return bytes.buffer === this.bytesBuffer
  }

  listen(fd: number, acceptor: Acceptor): void {
    this.acceptor = acceptor
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
    const reactor = this.reactor
    this.inBatch = true
    reactor.beginBatch()
    try {
      for (let i = 0; i < count; i++) {
        const token = tokens[i]
        if (token === LISTENER_TOKEN) {
          this.acceptCompleted(results[i], flags[i])
          continue
        }
        const kind = (token & KIND_MASK) >>> 0
        const conn = reactor.table.lookup((token & ~KIND_MASK) >>> 0)
        try {
          if (kind === RECV) {
            this.received(conn, results[i], flags[i])
            if (reactor.scratchPressed) reactor.flush()
          } else if (kind === POLL_OUT && conn !== undefined) this.writable(conn, results[i])
          else if (kind === POLL_HANGUP && conn !== undefined) this.hungUp(conn, results[i])
          // CLOSE: nothing to do; the fd is gone.
        } catch (err) {
          reactor.failed(conn, err)
        }
      }
    } finally {
      try {
        reactor.endBatch()
      } finally {
        // The flush is done: no queued output is a view of these buffers any more.
        this.recycle()
        this.inBatch = false
        this.queueArms()
      }
    }
  }

  /**
   * Gives the batch's buffers back to the kernel. The kernel takes ring buffers in the order
   * they were given, so with all of them in the ring every recv would land in the buffer used
   * longest ago, out of cache. It gets a few at first (`minProvided`), and recvs cycle through
   * those; the rest wait in `spare`. After a batch in which a recv found none (it got ENOBUFS,
   * and is re-armed with its data still in the socket), the kernel gets as many again.
   */
  private recycle(): void {
    const { buffers, toRecycle, spare } = this
    for (let i = 0; i < toRecycle.length; i++) buffers.recycle(toRecycle[i])
    toRecycle.length = 0
    if (this.starved) {
      this.starved = false
      for (let more = buffers.count - spare.length; more > 0 && spare.length > 0; more--) buffers.recycle(spare.pop()!)
    }
  }

  /**
   * Hands the recvs armed in this batch to the ring, in one call. A connection closed since
   * is left out (its slot may already be another connection's); one paused since or whose
   * input ended gets none either, so a paused connection has no recv in flight.
   */
  private queueArms(): void {
    const { arms, armed, state } = this
    let n = 0
    for (let i = 0; i < armed.length; i++) {
      const conn = armed[i]!
      if ((conn.flags & Flag.Closed) !== 0) continue
      const slot = slotOf(conn.token)
      if ((conn.flags & (Flag.Paused | Flag.ReadEnded)) !== 0) {
        state[slot] &= ~(RECV_ARMED | RECV_WAITING)
        if ((conn.flags & Flag.Paused) !== 0) this.watchHangup(conn)
        continue
      }
      state[slot] &= ~RECV_WAITING
      if (n !== i) {
        arms[3 * n] = arms[3 * i]
        arms[3 * n + 1] = arms[3 * i + 1]
        arms[3 * n + 2] = arms[3 * i + 2]
        armed[n] = conn
      }
      n++
    }
    armed.length = n
    if (n === 0) return
    try {
      this.uring.recvOnceFromRing(this.buffers, arms, n)
    } catch (err) {
      // Only a ring that is gone gets here: these connections cannot read any more.
      for (const conn of armed.splice(0)) this.reactor.failed(conn, err)
      return
    }
    armed.length = 0
  }

  private received(conn: Connection | undefined, result: number, flags: number): void {
    if ((flags & IORING_CQE_F_BUFFER) !== 0) this.toRecycle.push(flags >>> IORING_CQE_BUFFER_SHIFT)
    else if (result === -ENOBUFS) this.starved = true
    if (conn === undefined || (conn.flags & Flag.Closed) !== 0) return
    const slot = slotOf(conn.token)
    if ((flags & IORING_CQE_F_MORE) === 0) this.state[slot] &= ~RECV_ARMED
    if (result > 0 && (flags & IORING_CQE_F_BUFFER) !== 0) {
      const id = flags >>> IORING_CQE_BUFFER_SHIFT
      const chunk = Buffer.from(this.bytesBuffer, this.bytesOffset + id * this.bufferSize, result)
      if (this.reading(conn)) this.reactor.received(conn, chunk)
      else this.held.hold(conn, Buffer.from(chunk))
    }
    this.recvEnded(conn, result)
  }

  /** True when input goes straight to `data`: not paused, nothing held back from before. */
  private reading(conn: Connection): boolean {
    return (conn.flags & Flag.Paused) === 0 && !this.held.has(conn)
  }

  /** A recv of `conn` completed with `result` (its data, if any, was handled): what next. */
  private recvEnded(conn: Connection, result: number): void {
    if ((conn.flags & Flag.Closed) !== 0 || (this.state[slotOf(conn.token)] & RECV_ARMED) !== 0) return
    if (result === 0) {
      if (this.reading(conn)) this.reactor.peerEnded(conn)
      else this.held.hold(conn, null)
    } else if (result > 0 || result === -ENOBUFS || result === -ECANCELED) {
      // ENOBUFS: every ring buffer was taken in this batch; the data waits in the socket.
      if (this.reading(conn)) {
        if ((conn.flags & Flag.ReadEnded) === 0) this.armRecv(conn, result > 0 && result < this.bufferSize)
      } else if ((conn.flags & Flag.Paused) !== 0) this.watchHangup(conn)
    } else {
      this.reactor.destroy(conn, completionError(result, 'recv'))
    }
  }

  /**
   * Arms a single-shot recv: at the end of the batch, or at once outside one. `drained`: the
   * last recv took less than a buffer, so the socket is most likely empty (poll first).
   */
  private armRecv(conn: Connection, drained = false): void {
    this.state[slotOf(conn.token)] |= RECV_ARMED | RECV_WAITING
    const i = this.armed.length
    if (3 * i + 3 > this.arms.length) {
      const grown = new Int32Array(this.arms.length * 2)
      grown.set(this.arms)
      this.arms = grown
    }
    this.arms[3 * i] = conn.fd
    this.arms[3 * i + 1] = conn.token | 0
    this.arms[3 * i + 2] = drained ? 1 : 0
    this.armed.push(conn)
    if (!this.inBatch) this.queueArms()
  }

  attach(conn: Connection): boolean {
    const slot = slotOf(conn.token)
    this.state = withSlot(this.state, slot)
    this.state[slot] = 0
    this.armRecv(conn)
    return true
  }

  pause(conn: Connection): void {
    // Nothing to cancel: a recv in flight delivers at most one chunk, which is held (see
    // `received`), and no new one is armed. With none in flight, nothing would notice a reset
    // until resume() (or the idle timeout): watch for ERROR/HANGUP meanwhile, as the
    // level-triggered engine does.
    this.watchHangup(conn)
  }

  /** Paused with no recv in flight: arm the hang-up poll unless it is. */
  private watchHangup(conn: Connection): void {
    const slot = slotOf(conn.token)
    if ((this.state[slot] & (RECV_ARMED | HANGUP_ARMED)) !== 0) return
    this.state[slot] |= HANGUP_ARMED
    this.uring.pollAdd(conn.fd, ERROR | HANGUP, (conn.token | POLL_HANGUP) >>> 0, false)
  }

  /** The hang-up poll of a paused connection completed (or was cancelled by resume). */
  private hungUp(conn: Connection, result: number): void {
    this.state[slotOf(conn.token)] &= ~HANGUP_ARMED
    if ((conn.flags & Flag.Closed) !== 0) return
    if (result < 0) {
      // Cancelled by a resume(); paused again since: keep watching.
      if ((conn.flags & Flag.Paused) !== 0) this.watchHangup(conn)
      return
    }
    if ((result & ERROR) !== 0) {
      const errno = sockets.getsockopt(conn.fd, SOL_SOCKET, SO_ERROR)
      if (errno !== 0) this.reactor.destroy(conn, systemError(errno, 'recv'))
    }
    // HANGUP alone: the rest of the input and the end of stream are read after resume().
  }

  resume(conn: Connection): void {
    const slot = slotOf(conn.token)
    if ((this.state[slot] & HANGUP_ARMED) !== 0) this.uring.cancel((conn.token | POLL_HANGUP) >>> 0)
    if (this.held.has(conn)) {
      // Hand over what came while paused first, outside the caller's stack (resume() is often
      // called from a handler). No recv is armed until it is all delivered, so nothing newer
      // can overtake it.
      queueMicrotask(() => this.replay(conn))
    } else if ((this.state[slot] & RECV_ARMED) === 0 && (conn.flags & Flag.ReadEnded) === 0) this.armRecv(conn)
  }

  private replay(conn: Connection): void {
    if ((conn.flags & Flag.Closed) !== 0) return
    if (!this.held.replay(conn, this.reactor)) {
      // Paused again: keep the rest, and watch for a reset meanwhile.
      if ((conn.flags & Flag.Closed) === 0) this.watchHangup(conn)
      return
    }
    const state = this.state[slotOf(conn.token)]
    if ((conn.flags & (Flag.Paused | Flag.Closed | Flag.ReadEnded)) === 0 && (state & RECV_ARMED) === 0) this.armRecv(conn)
  }

  waitWritable(conn: Connection): void {
    const slot = slotOf(conn.token)
    if ((this.state[slot] & POLL_ARMED) !== 0) return
    this.state[slot] |= POLL_ARMED
    this.uring.pollAdd(conn.fd, WRITABLE, (conn.token | POLL_OUT) >>> 0, false)
  }

  wroteAll(_conn: Connection): void {
    // A one-shot poll: nothing stays armed.
  }

  private writable(conn: Connection, result: number): void {
    this.state[slotOf(conn.token)] &= ~POLL_ARMED
    if (result < 0 || (conn.flags & Flag.Closed) !== 0) return
    this.reactor.writable(conn)
  }

  detach(conn: Connection): void {
    this.held.delete(conn)
  }

  /** Operations in flight on the fd: cancel them and close through the ring. */
  closeSocket(conn: Connection): void {
    const slot = slotOf(conn.token)
    // A recv still waiting in `arms` is not in flight: queueArms leaves it out.
    const state = this.state[slot]
    const inFlight = (state & RECV_WAITING) !== 0 ? state & ~(RECV_ARMED | RECV_WAITING) : state
    if (inFlight === 0) closeQuietly(conn.fd)
    else this.uring.close(conn.fd, (conn.token | CLOSE) >>> 0)
    this.state[slot] = 0
  }

  private acceptCompleted(result: number, flags: number): void {
    if (this.listenFd < 0) {
      if (result >= 0) sockets.close(result) // accepted as the listener was closing
      return
    }
    const more = (flags & IORING_CQE_F_MORE) !== 0
    if (result >= 0) {
      this.acceptor!.accepted(result) // an accepted connection also ends a backoff
      if (!more && this.listenFd >= 0) this.armAccept()
      return
    }
    if (result === -ECANCELED) return
    // EMFILE, ENFILE, ...: stop accepting, retry from a timer (see Acceptor).
    this.acceptor!.failed()
    if (more) this.uring.cancel(LISTENER_TOKEN)
  }

  retryAccept(): void {
    if (this.listenFd < 0) return
    this.armAccept() // fails again with a completion if fds are still short; succeeds with an fd
  }

  stopAccepting(): void {
    if (this.listenFd < 0) return
    const fd = this.listenFd
    this.listenFd = -1
    this.reactor.disownListener()
    this.uring.close(fd, LISTENER_CLOSE) // cancels the multishot accept, then closes
  }

  release(): void {
    this.uring.close() // cancels and reaps everything in flight, then frees the ring
  }
}
