/**
 * The readiness engine: epoll, level- or edge-triggered, run inside Node's loop
 * (`Epoll.start`: libuv watches the epoll fd and one callback drains a whole batch).
 *
 * Per ready event the hot path is: two typed-array reads (token, event bits), a slot lookup,
 * one read(2) into the reactor's shared buffer, the `data` call, and whatever the handler
 * writes (one send(2) that usually completes at once). Nothing is allocated but the Buffer
 * view handed to `data`.
 *
 * Level-triggered: each connection is registered for READABLE|READ_HANGUP; WRITABLE is added
 * only while output is queued, and READABLE is removed while reading is paused or after the
 * peer's FIN (otherwise epoll would report them on every wait). One read per event: a
 * connection with more data is simply reported again, so every ready connection gets a turn.
 *
 * Edge-triggered: each connection is registered once for READABLE|WRITABLE|READ_HANGUP|ET and
 * never modified on the hot path (no epoll_ctl when output queues or drains). The price is
 * draining: after an event it reads until a short read (the kernel had no more) or
 * WOULD_BLOCK, since no further event comes for data already there. Two places would lose
 * readiness, and both re-arm with EPOLL_CTL_MOD, which makes the kernel re-check the fd and
 * queue an event if it is still ready: `resume()` after a pause (data that arrived while paused
 * raised its one edge already), and a connection that used up its per-event read budget
 * (`MAX_READS_PER_EVENT`, so one busy peer cannot starve the others).
 */
import { EDGE_TRIGGERED, ERROR, Epoll, HANGUP, READABLE, READ_HANGUP, WRITABLE, sockets, type SystemError } from '@io/core'
import { AcceptBackoff } from './acceptor.js'
import { Flag, type Connection } from './connection.js'
import { LISTENER_TOKEN } from './connection-table.js'
import type { FdLedger } from '../workers/fd-ledger.js'
import type { FullHandlers } from './handlers.js'
import type { ResolvedOptions } from '../options.js'
import { Reactor } from './reactor.js'
import { systemError } from './system-error.js'

/** Level-triggered: READABLE|READ_HANGUP is registered. */
const READ_ARMED = Flag.EngineA
/** Level-triggered: WRITABLE is registered. */
const WRITE_ARMED = Flag.EngineB
/** Level-triggered: removed from epoll after a hang-up while paused (HANGUP cannot be masked). */
const DETACHED = Flag.EngineC

/**
 * Edge-triggered: most reads per event before the connection yields to the others (4 x 64 KB).
 * With 16, a few bulk senders took visibly more of the loop from small ping-pong connections
 * than level-triggered does (benchmarks/server/fairness.ts, docs/triggering.md); with 4 the
 * share stays close to level-triggered's while a wakeup still reads more than one buffer.
 */
const MAX_READS_PER_EVENT = 4

const { IPPROTO_TCP, TCP_NODELAY, SOL_SOCKET, SO_ERROR } = sockets.constants
const READ_INTEREST = READABLE | READ_HANGUP
const EDGE_INTEREST = READABLE | WRITABLE | READ_HANGUP | EDGE_TRIGGERED
const INPUT_EVENTS = READABLE | READ_HANGUP | HANGUP | ERROR
const HANGUP_EVENTS = HANGUP | ERROR
/** readInto: the read failed and the connection is destroyed. */
const FAILED = -2

export class EpollReactor extends Reactor {
  readonly engine: 'epoll' | 'epoll-et'
  private readonly epoll: Epoll
  private readonly edge: boolean
  private readonly readBuffer: Buffer
  private readonly readSize: number
  private readonly acceptOut = new Int32Array(128)
  private readonly backoff = new AcceptBackoff()
  private listenFd = -1

  constructor(options: ResolvedOptions, handlers: FullHandlers, edge: boolean, ledger: FdLedger | null) {
    super(options, handlers, ledger)
    this.edge = edge
    this.engine = edge ? 'epoll-et' : 'epoll'
    this.epoll = new Epoll({ maxEvents: options.maxEvents })
    // Edge-triggered: a flush goes on until WOULD_BLOCK so the next WRITABLE edge is sure to come.
    this.flushUntilBlocked = edge
    this.readSize = options.readBufferSize
    // allocUnsafeSlow: a buffer of its own, not a slice of Node's shared pool, so that
    // `isShared` can recognise views of it by their ArrayBuffer.
    this.readBuffer = Buffer.allocUnsafeSlow(this.readSize)
    this.shared = this.readBuffer.buffer as ArrayBuffer
  }

  protected start(fd: number): void {
    this.ownListener(fd)
    this.listenFd = fd
    this.epoll.add(fd, this.edge ? READABLE | EDGE_TRIGGERED : READABLE, LISTENER_TOKEN)
    this.epoll.start(this.onReady)
  }

  /** One batch from the loop. An arrow function, created once: it is the loop callback. */
  private readonly onReady = (count: number): void => {
    const tokens = this.epoll.readyTokens
    const events = this.epoll.readyEvents
    for (let i = 0; i < count; i++) {
      const token = tokens[i]
      if (token === LISTENER_TOKEN) {
        this.acceptReady()
        continue
      }
      const conn = this.table.lookup(token)
      if (conn === undefined) continue // closed earlier in this batch
      try {
        this.ready(conn, events[i])
      } catch (err) {
        this.failed(conn, err)
      }
    }
  }

  private ready(conn: Connection, ev: number): void {
    if ((ev & WRITABLE) !== 0 && conn.queue !== null && conn.corks === 0) {
      this.flush(conn)
      if ((conn.flags & Flag.Closed) !== 0) return
    }
    if ((ev & INPUT_EVENTS) === 0) return
    if ((conn.flags & (Flag.Paused | Flag.ReadEnded)) === 0) {
      if (this.edge) this.drainReads(conn, ev)
      else this.readOnce(conn)
    } else if ((ev & HANGUP_EVENTS) !== 0) {
      this.hangupWhileNotReading(conn, ev)
    }
  }

  /** One read(2) into the shared buffer: bytes, 0 at EOF, WOULD_BLOCK, or FAILED (destroyed). */
  private readInto(conn: Connection): number {
    try {
      return sockets.read(conn.fd, this.readBuffer) // whole buffer: no offset/length to check
    } catch (err) {
      this.destroy(conn, err as SystemError)
      return FAILED
    }
  }

  /** Level-triggered: one read; if more is there, the next wait reports the fd again. */
  private readOnce(conn: Connection): void {
    const n = this.readInto(conn)
    if (n > 0) this.deliver(conn, this.readBuffer.subarray(0, n))
    else if (n === 0) this.peerEnded(conn)
  }

  /** Edge-triggered: read until the socket is drained, within the per-event budget. */
  private drainReads(conn: Connection, ev: number): void {
    // A short read means the socket was empty at that moment; later data raises a new edge.
    // A FIN that is already there raised its edge with this event, so keep reading to reach it.
    const untilEnd = (ev & (READ_HANGUP | HANGUP_EVENTS)) !== 0
    for (let reads = 0; reads < MAX_READS_PER_EVENT; reads++) {
      const n = this.readInto(conn)
      if (n > 0) {
        this.deliver(conn, this.readBuffer.subarray(0, n))
        if ((conn.flags & Flag.Closed) !== 0) return
        if ((conn.flags & Flag.Paused) !== 0) {
          // resume() re-arms. But a reset that came with this edge will not be reported again.
          if ((ev & ERROR) !== 0) this.hangupWhileNotReading(conn, ev)
          return
        }
        if (n < this.readSize && !untilEnd) return
      } else {
        if (n === 0) this.peerEnded(conn)
        return
      }
    }
    this.rearm(conn) // budget spent with data left: come back in a later batch
  }

  /**
   * Not reading (paused, or after the FIN) and the socket reports ERROR or HANGUP. A reset
   * closes the connection now rather than at the next read. Level-triggered, epoll reports
   * these whatever the interest, so leaving them would spin.
   */
  private hangupWhileNotReading(conn: Connection, ev: number): void {
    if ((ev & ERROR) !== 0) {
      const errno = sockets.getsockopt(conn.fd, SOL_SOCKET, SO_ERROR)
      if (errno !== 0) {
        this.destroy(conn, systemError(errno, 'read'))
        return
      }
    }
    if (this.edge) return // reported once; resume() re-arms and reads the rest
    if ((conn.flags & Flag.ReadEnded) !== 0) {
      // Both directions are gone: nothing more can be read or written.
      this.destroy(conn, undefined)
      return
    }
    // Paused with the peer gone: stop watching; resume() registers again and reads the rest.
    this.epoll.delete(conn.fd)
    conn.flags = (conn.flags | DETACHED) & ~(READ_ARMED | WRITE_ARMED)
  }

  private peerEnded(conn: Connection): void {
    conn.flags |= Flag.ReadEnded
    if (!this.edge) this.updateInterest(conn)
    this.readEnded(conn)
  }

  /** Level-triggered: watch WRITABLE now that output waits. Edge: it always is. */
  protected waitWritable(conn: Connection): void {
    if (!this.edge) this.updateInterest(conn)
  }

  /** Level-triggered: stop watching WRITABLE once the queue is empty. */
  protected wroteQueue(conn: Connection): void {
    if (!this.edge) this.updateInterest(conn)
  }

  pause(conn: Connection): void {
    // Edge-triggered: nothing to do; events that come while paused are ignored.
    if (!this.edge) this.updateInterest(conn)
  }

  resume(conn: Connection): void {
    if (this.edge) this.rearm(conn)
    else if ((conn.flags & DETACHED) !== 0) {
      conn.flags &= ~DETACHED
      this.epoll.add(conn.fd, 0, conn.token)
      this.updateInterest(conn)
    } else this.updateInterest(conn)
  }

  /** Edge-triggered: EPOLL_CTL_MOD makes the kernel re-check the fd and report it if ready. */
  private rearm(conn: Connection): void {
    this.epoll.modify(conn.fd, EDGE_INTEREST, conn.token)
  }

  /** Level-triggered: registers exactly what the connection waits for, if that changed. */
  private updateInterest(conn: Connection): void {
    const flags = conn.flags
    if ((flags & (Flag.Closed | DETACHED)) !== 0) return
    const read = (flags & (Flag.Paused | Flag.ReadEnded)) === 0 ? READ_ARMED : 0
    const write = conn.queue !== null && conn.corks === 0 ? WRITE_ARMED : 0
    if ((flags & (READ_ARMED | WRITE_ARMED)) === (read | write)) return
    this.epoll.modify(conn.fd, (read !== 0 ? READ_INTEREST : 0) | (write !== 0 ? WRITABLE : 0), conn.token)
    conn.flags = (flags & ~(READ_ARMED | WRITE_ARMED)) | read | write
  }

  protected detach(_conn: Connection): void {
    // Nothing: close(2) removes the fd from epoll (we never dup it, so the close drops the last
    // reference), and a stale event later in the batch is rejected by its token.
  }

  private acceptReady(): void {
    if (this.listenFd < 0 || this.backoff.paused) return
    this.acceptAll()
  }

  /**
   * Accepts what is queued: one batch when level-triggered (the listener is reported again if
   * more wait), until the queue is empty when edge-triggered. Returns false after a failure,
   * which pauses accepting (see AcceptBackoff).
   */
  private acceptAll(): boolean {
    const out = this.acceptOut
    for (;;) {
      let k: number
      try {
        k = sockets.acceptBatch(this.listenFd, out)
      } catch (err) {
        this.acceptFailed()
        return false
      }
      for (let j = 0; j < k; j++) this.accepted(out[j])
      if (!this.edge || k === 0 || this.listenFd < 0) return true
    }
  }

  private accepted(fd: number): void {
    if (this.options.noDelay) {
      try {
        sockets.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1)
      } catch {
        // The peer reset before we got here (EINVAL/ECONNRESET): nothing to serve.
        sockets.close(fd)
        return
      }
    }
    const conn = this.attach(fd)
    if (conn === null) return
    try {
      if (this.edge) this.epoll.add(fd, EDGE_INTEREST, conn.token)
      else {
        this.epoll.add(fd, READ_INTEREST, conn.token)
        conn.flags |= READ_ARMED
      }
    } catch {
      // ENOMEM or max_user_watches reached: drop this connection, quietly (it never opened).
      this.stats.acceptErrors++
      this.discard(conn)
      return
    }
    this.opened(conn)
  }

  private acceptFailed(): void {
    this.stats.acceptErrors++
    if (!this.backoff.paused && !this.edge) this.epoll.modify(this.listenFd, 0, LISTENER_TOKEN)
    this.backoff.failed(this.retryAccept)
  }

  private readonly retryAccept = (): void => {
    if (this.listenFd < 0) return
    this.stats.acceptRetries++
    if (!this.acceptAll()) return
    this.backoff.recovered()
    // Level: watch the listener again. Edge: MOD also re-checks it, in case clients queued up
    // while we were not accepting (their edges came and went).
    this.epoll.modify(this.listenFd, this.edge ? READABLE | EDGE_TRIGGERED : READABLE, LISTENER_TOKEN)
  }

  protected stopAccepting(): void {
    this.backoff.cancel()
    if (this.listenFd < 0) return
    const fd = this.listenFd
    this.listenFd = -1
    this.epoll.delete(fd)
    this.closeListener(fd)
  }

  protected release(): void {
    this.epoll.close()
  }
}
