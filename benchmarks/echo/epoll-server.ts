/**
 * The echo server over @io/core Epoll, level- or edge-triggered, inside Node's loop. Shaped like
 * benchmarks/c-echo-server.c: read into one shared buffer, hand it to the handler, which sends
 * straight back; bytes the socket will not take wait in a per-connection buffer while WRITABLE
 * is watched and reading pauses. Level-triggered reads once per event; edge-triggered drains.
 */
import { EDGE_TRIGGERED, Epoll, READABLE, WOULD_BLOCK, WRITABLE, sockets } from '@io/core'
import { type EchoConnection, onData } from './handler.js'
import { noDelay } from './listen.js'

const LISTENER = 0xffffffff

class Connection implements EchoConnection {
  pending = Buffer.alloc(0)
  pendingLength = 0
  dead = false
  constructor(
    readonly fd: number,
    readonly server: EpollEchoServer,
  ) {}

  write(data: Uint8Array, offset: number, length: number): void {
    if (this.dead) return
    let sent = 0
    if (this.pendingLength === 0) {
      try {
        sent = sockets.send(this.fd, data, offset, length)
      } catch {
        this.dead = true // EPIPE, ECONNRESET: closed after this batch
        return
      }
      if (sent === length) return
      if (sent === WOULD_BLOCK) sent = 0
      this.server.watchWritable(this)
    }
    const rest = length - sent
    if (this.pending.length < this.pendingLength + rest) {
      const bigger = Buffer.alloc(Math.max(2 * this.pending.length, this.pendingLength + rest))
      this.pending.copy(bigger, 0, 0, this.pendingLength)
      this.pending = bigger
    }
    this.pending.set(data.subarray(offset + sent, offset + length), this.pendingLength)
    this.pendingLength += rest
  }
}

export class EpollEchoServer {
  readonly #ep = new Epoll({ maxEvents: 1024 })
  readonly #mode: number
  readonly #edge: boolean
  readonly #conns: Array<Connection | undefined> = []
  readonly #buffer = Buffer.alloc(64 * 1024)
  readonly #accepted = new Int32Array(256)

  constructor(
    readonly listenFd: number,
    edge: boolean,
  ) {
    this.#edge = edge
    this.#mode = edge ? EDGE_TRIGGERED : 0
    this.#ep.add(listenFd, READABLE, LISTENER)
    this.#ep.start((count) => this.#onReady(count))
  }

  watchWritable(conn: Connection): void {
    this.#ep.modify(conn.fd, WRITABLE | this.#mode, conn.fd)
  }

  #onReady(count: number): void {
    const tokens = this.#ep.readyTokens
    const events = this.#ep.readyEvents
    for (let i = 0; i < count; i++) {
      const token = tokens[i]
      if (token === LISTENER) {
        this.#accept()
        continue
      }
      const conn = this.#conns[token]
      if (conn === undefined) continue
      const ev = events[i]
      if (conn.pendingLength > 0 && ev & WRITABLE) this.#flush(conn)
      if (!conn.dead && conn.pendingLength === 0 && ev & ~WRITABLE) this.#read(conn)
      if (conn.dead) this.#close(conn)
    }
  }

  #accept(): void {
    for (;;) {
      const n = sockets.acceptBatch(this.listenFd, this.#accepted)
      for (let i = 0; i < n; i++) {
        const fd = this.#accepted[i]
        noDelay(fd)
        this.#conns[fd] = new Connection(fd, this)
        this.#ep.add(fd, READABLE | this.#mode, fd)
      }
      if (n < this.#accepted.length) return
    }
  }

  #read(conn: Connection): void {
    do {
      let n: number
      try {
        n = sockets.read(conn.fd, this.#buffer)
      } catch {
        n = 0
      }
      if (n === WOULD_BLOCK) return
      if (n === 0) {
        conn.dead = true
        return
      }
      onData(conn, this.#buffer, 0, n)
    } while (this.#edge && !conn.dead && conn.pendingLength === 0)
  }

  #flush(conn: Connection): void {
    let sent: number
    try {
      sent = sockets.send(conn.fd, conn.pending, 0, conn.pendingLength)
    } catch {
      conn.dead = true
      return
    }
    if (sent === WOULD_BLOCK) return
    conn.pending.copy(conn.pending, 0, sent, conn.pendingLength)
    conn.pendingLength -= sent
    if (conn.pendingLength === 0) this.#ep.modify(conn.fd, READABLE | this.#mode, conn.fd)
  }

  #close(conn: Connection): void {
    this.#ep.delete(conn.fd)
    sockets.close(conn.fd)
    this.#conns[conn.fd] = undefined
  }
}
