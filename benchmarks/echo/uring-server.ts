/**
 * The echo server over @io/core Uring, a completion backend. One multishot accept; per
 * connection one multishot recv into a shared BufferRing (so memory follows data in flight,
 * not connections) and at most one send in flight. The handler's bytes are copied into the
 * connection's output buffer, the ring buffer goes straight back to the kernel, and whatever
 * piles up while a send is in flight leaves in the next send (double-buffered).
 *
 * Two drivers: `start` (inside Node's loop, through the ring's eventfd) and `wait` (a dedicated
 * blocking loop, as a worker thread would run it: no libuv, no eventfd).
 */
import {
  BufferRing,
  IORING_CQE_F_BUFFER,
  IORING_CQE_F_MORE,
  IORING_CQE_BUFFER_SHIFT,
  Uring,
} from '@io/core'
import { type EchoConnection, onData } from './handler.js'
import { noDelay } from './listen.js'

const ACCEPT = 0xffffffff
const RECV = 0
const SEND = 1
const CLOSE = 2
const ENOBUFS = 105
const BUFFER_SIZE = 16 * 1024
const MULTISHOT = { multishot: true }

class Connection implements EchoConnection {
  out = Buffer.alloc(4096)
  outLength = 0
  inFlight = Buffer.alloc(4096) // being sent: not touched until its completion
  inFlightLength = 0
  inFlightSent = 0
  sending = false
  closing = false
  ops = 0 // operations whose last completion has not arrived: the id is reused only at 0

  constructor(
    readonly id: number,
    readonly fd: number,
    readonly server: UringEchoServer,
  ) {}

  write(data: Uint8Array, offset: number, length: number): void {
    if (this.closing) return
    if (this.out.length < this.outLength + length) {
      const bigger = Buffer.alloc(Math.max(2 * this.out.length, this.outLength + length))
      this.out.copy(bigger, 0, 0, this.outLength)
      this.out = bigger
    }
    this.out.set(data.subarray(offset, offset + length), this.outLength)
    this.outLength += length
    if (!this.sending) this.flush()
  }

  flush(): void {
    const next = this.inFlight
    this.inFlight = this.out
    this.inFlightLength = this.outLength
    this.inFlightSent = 0
    this.out = next
    this.outLength = 0
    this.sending = true
    this.ops++
    this.server.uring.send(this.fd, this.inFlight, 0, this.inFlightLength, this.id * 4 + SEND)
  }

  sent(result: number): void {
    if (result < 0 || this.closing) {
      this.sending = false
      this.server.close(this)
    } else if (this.inFlightSent + result < this.inFlightLength) {
      // A short send: the rest of the same buffer goes next, before anything newer.
      this.inFlightSent += result
      this.ops++
      const rest = this.inFlightLength - this.inFlightSent
      this.server.uring.send(this.fd, this.inFlight, this.inFlightSent, rest, this.id * 4 + SEND)
    } else {
      this.sending = false
      if (this.outLength > 0) this.flush()
    }
    this.server.finish(this)
  }
}

export class UringEchoServer {
  readonly uring = new Uring({ entries: 1024, cqEntries: 16384 })
  readonly #ring = new BufferRing(this.uring, { count: 4096, size: BUFFER_SIZE })
  readonly #bytes = this.#ring.bytes
  readonly #conns: Array<Connection | undefined> = []
  readonly #freeIds: number[] = []

  constructor(
    readonly listenFd: number,
    driver: 'start' | 'wait',
  ) {
    this.uring.accept(listenFd, ACCEPT, MULTISHOT)
    if (driver === 'start') {
      this.uring.start((count) => this.#onComplete(count))
    } else {
      for (;;) this.#onComplete(this.uring.wait(1))
    }
  }

  #onComplete(count: number): void {
    const tokens = this.uring.completionTokens
    const results = this.uring.completionResults
    const flags = this.uring.completionFlags
    for (let i = 0; i < count; i++) {
      const token = tokens[i]
      const result = results[i]
      const flag = flags[i]
      if (token === ACCEPT) {
        if (result >= 0) this.#open(result)
        if (!(flag & IORING_CQE_F_MORE)) this.uring.accept(this.listenFd, ACCEPT, MULTISHOT)
        continue
      }
      const conn = this.#conns[token >>> 2]!
      const kind = token & 3
      if (kind === RECV) this.#received(conn, result, flag)
      else if (kind === SEND) conn.sent(result)
      else this.finish(conn) // CLOSE
    }
  }

  #received(conn: Connection, result: number, flag: number): void {
    if (flag & IORING_CQE_F_BUFFER) {
      const id = flag >>> IORING_CQE_BUFFER_SHIFT
      if (result > 0 && !conn.closing) onData(conn, this.#bytes, id * BUFFER_SIZE, result)
      this.#ring.recycle(id)
    }
    if (flag & IORING_CQE_F_MORE) return
    // The multishot recv ended: out of buffers (-ENOBUFS; the data waits in the socket) or a
    // kernel limit: re-arm. End of stream or an error: close.
    if (!conn.closing && (result === -ENOBUFS || result > 0)) this.#arm(conn)
    else this.close(conn)
    this.finish(conn)
  }

  #open(fd: number): void {
    noDelay(fd)
    const id = this.#freeIds.length > 0 ? this.#freeIds.pop()! : this.#conns.length
    const conn = new Connection(id, fd, this)
    this.#conns[id] = conn
    this.#arm(conn)
  }

  #arm(conn: Connection): void {
    conn.ops++
    this.uring.recvMultishot(conn.fd, this.#ring, conn.id * 4 + RECV)
  }

  close(conn: Connection): void {
    if (conn.closing) return
    conn.closing = true
    conn.ops++
    this.uring.close(conn.fd, conn.id * 4 + CLOSE) // cancels the recv and any send, then closes
  }

  /** One of the connection's operations gave its last completion; the id is free at zero. */
  finish(conn: Connection): void {
    if (--conn.ops > 0 || !conn.closing) return
    this.#conns[conn.id] = undefined
    this.#freeIds.push(conn.id)
  }
}
