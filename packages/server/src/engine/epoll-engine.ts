/**
 * The readiness engine: epoll, level- or edge-triggered, run inside Node's loop
 * (`Epoll.start`: libuv watches the epoll fd and one callback drains a whole batch).
 *
 * A wakeup crosses into native code twice, whatever the number of ready connections: the
 * batch's events are sorted in JavaScript (a slot lookup and a few typed-array stores each),
 * one `sockets.readBatch` reads every readable connection into the engine's read arena, the
 * `data` handlers get views of it, and one `sockets.writeBatch` (the reactor's flush) writes
 * everything they answered. When the arena fills up before every connection was read, the
 * rest is read in a further round after the flush, which frees the arena again.
 *
 * Level-triggered: each connection is registered for READABLE|READ_HANGUP; WRITABLE is added
 * only while output is blocked, and READABLE is removed while reading is paused or after the
 * peer's FIN (otherwise epoll would report them on every wait). One read per event: a
 * connection with more data is simply reported again, so every ready connection gets a turn.
 *
 * Edge-triggered: each connection is registered once for READABLE|WRITABLE|READ_HANGUP|ET and
 * never modified on the hot path (no epoll_ctl when output blocks or drains). The price is
 * draining: a read that filled its room is followed by another (in the next round), since no
 * further event comes for data already there. Two places would lose readiness, and both
 * re-arm with EPOLL_CTL_MOD, which makes the kernel re-check the fd and queue an event if it
 * is still ready: `resume()` after a pause (data that arrived while paused raised its one edge
 * already), and a connection that used up its per-event read budget (`MAX_READS_PER_EVENT`, so
 * one busy peer cannot starve the others).
 */
import { Buffer } from 'node:buffer'
import { EDGE_TRIGGERED, ERROR, Epoll, HANGUP, READABLE, READ_HANGUP, WRITABLE, batchStatus, sockets } from '@io/core'
import type { Acceptor } from './acceptor.js'
import { closeQuietly } from './close-quietly.js'
import { Flag, type Connection } from './connection.js'
import { LISTENER_TOKEN, slotOf, withSlot } from './connection-table.js'
import type { Engine } from './contract.js'
import { HeldInput } from './held-input.js'
import type { Reactor } from './reactor.js'
import { systemError } from './system-error.js'

/** Per-connection state of this engine (a byte per slot). Level-triggered: READABLE|READ_HANGUP is registered. */
const READ_ARMED = 1
/** Level-triggered: WRITABLE is registered. */
const WRITE_ARMED = 2
/** Level-triggered: removed from epoll after a hang-up while paused (HANGUP cannot be masked). */
const DETACHED = 4

/**
 * Edge-triggered: most reads per event before the connection yields to the others (4 x 64 KB).
 * With 16, a few bulk senders took visibly more of the loop from small ping-pong connections
 * than level-triggered does (benchmarks/server/fairness.ts, docs/triggering.md); with 4 the
 * share stays close to level-triggered's while a wakeup still reads more than one buffer.
 */
const MAX_READS_PER_EVENT = 4
/**
 * The read arena holds this many reads of `readBufferSize`. Two, not four: with 100
 * connections echoing 4 KB messages 16 deep, a 4-read arena (256 KB with the default 64 KB
 * reads) cost the kernel about 1.9 s of system time per 4 s where a 2-read one cost 1.3 s, for
 * as many round trips: the reads' copies land in memory that stays in cache. Small messages
 * were within run-to-run noise either way (many connections still share a round).
 */
const ARENA_READS = 2

const { READ, FULL, EOF, SKIP, WOULD_BLOCK } = batchStatus
const { SOL_SOCKET, SO_ERROR } = sockets.constants
const READ_INTEREST = READABLE | READ_HANGUP
const EDGE_INTEREST = READABLE | WRITABLE | READ_HANGUP | EDGE_TRIGGERED
const INPUT_EVENTS = READABLE | READ_HANGUP | HANGUP | ERROR
const HANGUP_EVENTS = HANGUP | ERROR
/** Events that say the peer's FIN (or an error) is already there: read until it is reached. */
const END_EVENTS = READ_HANGUP | HANGUP_EVENTS

export class EpollEngine implements Engine {
  readonly name: 'epoll' | 'epoll-et'
  private readonly epoll: Epoll
  private readonly edge: boolean
  private readonly readSize: number
  /** Where one round of reads lands; chunks handed to `data` are views of it. */
  private readonly arena: Buffer
  /**
   * The arena's ArrayBuffer and offset in it, kept: on Node 20 a typed array's `buffer` and
   * `byteOffset` are each a call into V8's property lookup (only `length` is inlined).
   */
  private readonly arenaBuffer: ArrayBuffer
  private readonly arenaOffset: number
  /** This round's reads: fd, connection, event bits and reads so far (edge budget), per entry. */
  private readonly fds: Int32Array
  private readonly conns: Array<Connection | undefined>
  private readonly events: Int32Array
  private readonly reads: Uint8Array
  private readonly runs: Int32Array
  private readonly acceptOut = new Int32Array(128)
  /** Level-triggered interest bits per connection slot. */
  private state = new Uint8Array(64)
  private readonly held = new HeldInput()
  private acceptor: Acceptor | null = null
  private listenFd = -1

  constructor(
    private readonly reactor: Reactor,
    edge: boolean,
  ) {
    const { maxEvents, readBufferSize } = reactor.options
    this.edge = edge
    this.name = edge ? 'epoll-et' : 'epoll'
    this.epoll = new Epoll({ maxEvents })
    this.readSize = readBufferSize
    // allocUnsafeSlow: memory of its own, not a slice of Node's pool, so that `isShared` can
    // recognise views of it by their ArrayBuffer.
    this.arena = Buffer.allocUnsafeSlow(readBufferSize * ARENA_READS)
    this.arenaBuffer = this.arena.buffer as ArrayBuffer
    this.arenaOffset = this.arena.byteOffset
    const entries = maxEvents * (edge ? MAX_READS_PER_EVENT : 1)
    this.fds = new Int32Array(entries)
    this.conns = new Array(entries).fill(undefined)
    this.events = new Int32Array(entries)
    this.reads = new Uint8Array(entries)
    this.runs = new Int32Array(entries * 3)
  }

  isShared(bytes: Uint8Array): boolean {
    return bytes.buffer === this.arenaBuffer
  }

  listen(fd: number, acceptor: Acceptor): void {
    this.acceptor = acceptor
    this.listenFd = fd
    this.epoll.add(fd, this.edge ? READABLE | EDGE_TRIGGERED : READABLE, LISTENER_TOKEN)
    this.epoll.start(this.onReady)
  }

  /** One batch from the loop. An arrow function, created once: it is the loop callback. */
  private readonly onReady = (count: number): void => {
    const reactor = this.reactor
    reactor.beginBatch()
    try {
      const n = this.sort(count)
      if (n > 0) this.readRounds(n)
    } finally {
      reactor.endBatch()
    }
  }

  /**
   * Goes through the batch's events: accepts, reports writability, notices hang-ups, and lists
   * the connections to read (in `fds`/`conns`). Returns how many.
   */
  private sort(count: number): number {
    const tokens = this.epoll.readyTokens
    const events = this.epoll.readyEvents
    const reactor = this.reactor
    let n = 0
    for (let i = 0; i < count; i++) {
      const token = tokens[i]
      if (token === LISTENER_TOKEN) {
        this.acceptReady()
        continue
      }
      const conn = reactor.table.lookup(token)
      if (conn === undefined) continue // closed earlier in this batch
      const ev = events[i]
      try {
        if ((ev & WRITABLE) !== 0 && (conn.flags & Flag.Blocked) !== 0) reactor.writable(conn)
        if ((ev & INPUT_EVENTS) === 0) continue
        if ((conn.flags & (Flag.Paused | Flag.ReadEnded | Flag.Closed)) === 0 && !this.held.has(conn)) {
          this.fds[n] = conn.fd
          this.conns[n] = conn
          this.events[n] = ev
          this.reads[n] = 0
          n++
        } else if ((ev & HANGUP_EVENTS) !== 0) {
          this.hangupWhileNotReading(conn, ev)
        }
      } catch (err) {
        reactor.failed(conn, err)
      }
    }
    return n
  }

  /** Reads the `n` listed connections, round after round, each round flushed before the next. */
  private readRounds(n: number): void {
    const { fds, conns, runs, arena, reactor } = this
    let start = 0
    while (start < n) {
      // Handlers of the last round may have closed or paused connections of this one.
      for (let j = start; j < n; j++) {
        const conn = conns[j]!
        if ((conn.flags & (Flag.Closed | Flag.Paused | Flag.ReadEnded)) !== 0 || this.held.has(conn)) fds[j] = -1
      }
      const stop = sockets.readBatch(fds, start, n, arena, runs, this.readSize)
      for (let j = start; j < stop; j++) {
        const conn = conns[j]!
        conns[j] = undefined
        if (fds[j] < 0 || (conn.flags & Flag.Closed) !== 0) continue
        try {
          n = this.readDone(conn, j, n)
        } catch (err) {
          reactor.failed(conn, err)
        }
        if (reactor.scratchPressed) reactor.flush() // output beyond the scratch memory would each get a buffer
      }
      reactor.flush() // the arena is reused by the next round
      start = stop
    }
  }

  /** Hands over entry `j`'s read. Edge-triggered, lists the connection again to read on; returns the new count. */
  private readDone(conn: Connection, j: number, n: number): number {
    const { runs, reactor } = this
    const length = runs[3 * j + 1]
    const status = runs[3 * j + 2]
    const ev = this.events[j]
    if (length > 0) {
      const chunk = Buffer.from(this.arenaBuffer, this.arenaOffset + runs[3 * j], length)
      // Another handler of this round may have paused it after its bytes were read.
      if ((conn.flags & Flag.Paused) !== 0) this.held.hold(conn, Buffer.from(chunk))
      else reactor.received(conn, chunk)
      if ((conn.flags & Flag.Closed) !== 0) return n
    }
    if (status === EOF) {
      this.ended(conn)
      return n
    }
    if (status < 0) {
      reactor.destroy(conn, systemError(-status, 'read'))
      return n
    }
    if (!this.edge || status === SKIP || status === WOULD_BLOCK) return n
    if ((conn.flags & Flag.Paused) !== 0) {
      // resume() re-arms. But a reset that came with this edge will not be reported again.
      if ((ev & ERROR) !== 0) this.hangupWhileNotReading(conn, ev)
      return n
    }
    // Edge-triggered: a read that filled its room may have left more; a FIN that came with
    // this edge must be read to be seen. Either way, read again, within the budget.
    if (status === FULL || (status === READ && (ev & END_EVENTS) !== 0)) {
      const reads = this.reads[j] + 1
      if (reads >= MAX_READS_PER_EVENT) this.rearm(conn) // come back in a later batch
      else {
        this.fds[n] = conn.fd
        this.conns[n] = conn
        this.events[n] = ev
        this.reads[n] = reads
        n++
      }
    }
    return n
  }

  /** The peer's FIN: what was held for a paused connection comes first. */
  private ended(conn: Connection): void {
    if ((conn.flags & Flag.Paused) !== 0 || this.held.has(conn)) {
      this.held.hold(conn, null)
      return
    }
    this.reactor.peerEnded(conn)
    if (!this.edge) this.updateInterest(conn)
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
        this.reactor.destroy(conn, systemError(errno, 'read'))
        return
      }
    }
    if (this.edge) return // reported once; resume() re-arms and reads the rest
    if ((conn.flags & Flag.ReadEnded) !== 0) {
      // Both directions are gone: nothing more can be read or written.
      this.reactor.destroy(conn, undefined)
      return
    }
    // Paused with the peer gone: stop watching; resume() registers again and reads the rest.
    this.epoll.delete(conn.fd)
    this.state[slotOf(conn.token)] = DETACHED
  }

  attach(conn: Connection): boolean {
    const slot = slotOf(conn.token)
    this.state = withSlot(this.state, slot)
    if (this.edge) {
      this.epoll.add(conn.fd, EDGE_INTEREST, conn.token)
      this.state[slot] = 0
    } else {
      this.epoll.add(conn.fd, READ_INTEREST, conn.token)
      this.state[slot] = READ_ARMED
    }
    return true
  }

  /** Level-triggered: watch WRITABLE now that output is blocked. Edge: it always is. */
  waitWritable(conn: Connection): void {
    if (!this.edge) this.updateInterest(conn)
  }

  /** Level-triggered: stop watching WRITABLE once the queue is empty. */
  wroteAll(conn: Connection): void {
    if (!this.edge) this.updateInterest(conn)
  }

  pause(conn: Connection): void {
    // Edge-triggered: nothing to do; events that come while paused are ignored.
    if (!this.edge) this.updateInterest(conn)
  }

  resume(conn: Connection): void {
    if (this.held.has(conn)) {
      // Hand over what was read before the pause first, outside the caller's stack (resume()
      // is often called from a handler); reading goes on once it is all delivered.
      queueMicrotask(() => {
        if ((conn.flags & Flag.Closed) === 0 && this.held.replay(conn, this.reactor) && (conn.flags & Flag.Paused) === 0) this.readOn(conn)
      })
    } else this.readOn(conn)
  }

  /** Resumed with nothing held: watch (level) or re-check (edge) the socket again. */
  private readOn(conn: Connection): void {
    if (this.edge) this.rearm(conn)
    else {
      const slot = slotOf(conn.token)
      if ((this.state[slot] & DETACHED) !== 0) {
        this.state[slot] = 0
        this.epoll.add(conn.fd, 0, conn.token)
      }
      this.updateInterest(conn)
    }
  }

  /** Edge-triggered: EPOLL_CTL_MOD makes the kernel re-check the fd and report it if ready. */
  private rearm(conn: Connection): void {
    this.epoll.modify(conn.fd, EDGE_INTEREST, conn.token)
  }

  /** Level-triggered: registers exactly what the connection waits for, if that changed. */
  private updateInterest(conn: Connection): void {
    const flags = conn.flags
    const slot = slotOf(conn.token)
    const state = this.state[slot]
    if ((flags & Flag.Closed) !== 0 || (state & DETACHED) !== 0) return
    const read = (flags & (Flag.Paused | Flag.ReadEnded)) === 0 ? READ_ARMED : 0
    const write = (flags & Flag.Blocked) !== 0 ? WRITE_ARMED : 0
    if (state === (read | write)) return
    this.epoll.modify(conn.fd, (read !== 0 ? READ_INTEREST : 0) | (write !== 0 ? WRITABLE : 0), conn.token)
    this.state[slot] = read | write
  }

  detach(conn: Connection): void {
    // close(2) removes the fd from epoll (we never dup it, so the close drops the last
    // reference), and a stale event later in the batch is rejected by its token.
    this.state[slotOf(conn.token)] = 0
    this.held.delete(conn)
  }

  closeSocket(conn: Connection): void {
    closeQuietly(conn.fd)
  }

  private acceptReady(): void {
    if (this.listenFd < 0 || this.acceptor!.paused) return
    this.acceptAll()
  }

  /**
   * Accepts what is queued: one batch when level-triggered (the listener is reported again if
   * more wait), until the queue is empty when edge-triggered. Returns false after a failure,
   * which pauses accepting (see Acceptor).
   */
  private acceptAll(): boolean {
    const out = this.acceptOut
    const acceptor = this.acceptor!
    for (;;) {
      let k: number
      try {
        k = sockets.acceptBatch(this.listenFd, out)
      } catch {
        if (acceptor.failed() && !this.edge) this.epoll.modify(this.listenFd, 0, LISTENER_TOKEN)
        return false
      }
      for (let j = 0; j < k; j++) acceptor.accepted(out[j])
      if (!this.edge || k === 0 || this.listenFd < 0) return true
    }
  }

  retryAccept(): void {
    if (this.listenFd < 0) return
    this.reactor.beginBatch()
    try {
      if (!this.acceptAll() || this.listenFd < 0) return
      this.acceptor!.recovered()
      // Level: watch the listener again. Edge: MOD also re-checks it, in case clients queued up
      // while we were not accepting (their edges came and went).
      this.epoll.modify(this.listenFd, this.edge ? READABLE | EDGE_TRIGGERED : READABLE, LISTENER_TOKEN)
    } finally {
      this.reactor.endBatch()
    }
  }

  stopAccepting(): void {
    if (this.listenFd < 0) return
    const fd = this.listenFd
    this.listenFd = -1
    this.epoll.delete(fd)
    this.reactor.closeListener(fd)
  }

  release(): void {
    this.epoll.close()
  }
}
