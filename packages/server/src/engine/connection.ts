/**
 * One accepted TCP connection, the same object on every engine (epoll level- or
 * edge-triggered, io_uring): the engines differ in how bytes move, not in what a handler sees.
 *
 * State is kept small on purpose (a server holds tens of thousands of these): a few numbers,
 * a flag word, and an output queue that exists only while output is waiting.
 */
import { Buffer } from 'node:buffer'
import type { Duplex } from 'node:stream'
import { sockets, type SocketAddress } from '@io/core'
import { invalidArgType, serverError } from '../errors.js'
import { fullHandlers, type FullHandlers, type Handlers } from './handlers.js'
import { IDLE_TICKS } from './idle-sweeper.js'
import type { Reactor } from './reactor.js'

/**
 * Bits of `Connection.flags`: what the reactor decided about a connection. Engines read them
 * and keep their own state elsewhere (see contract.ts).
 */
export const enum Flag {
  /** The user paused reading. */
  Paused = 1,
  /** The peer ended its side (read returned 0). */
  ReadEnded = 2,
  /** `end()` was called: no more writes; shut down once the queue is flushed. */
  Ending = 4,
  /** shutdown(SHUT_WR) is done. */
  WriteShut = 8,
  /** Closed; the fd is gone. */
  Closed = 16,
  /** `write()` returned false; call `drain` when the queue empties. */
  NeedDrain = 32,
  /** The application has work in flight (graceful close waits for it). */
  Busy = 64,
  /** In the reactor's list of connections to flush. */
  Scheduled = 128,
  /** A flush left output behind: the engine reports when the socket takes more. */
  Blocked = 256,
}

/** The socket's two ends; with a PROXY header, `remote` is the client and `proxy` the socket's peer. */
interface Endpoints {
  remote: SocketAddress
  local: SocketAddress
  proxy?: SocketAddress
}

/**
 * A connection, handed to every handler.
 *
 * @example
 * ```ts
 * data(conn, chunk) {
 *   if (!conn.write(chunk)) conn.pause()   // peer reads slower than we write
 * },
 * drain(conn) { conn.resume() },
 * ```
 */
export class Connection<U = any> {
  /** The socket's fd; -1 once closed. */
  fd: number
  /** This connection's token in its reactor. @internal */
  readonly token: number
  /** Flag bits (see `Flag`). @internal */
  flags = 0
  /** Output waiting for the socket, oldest first; null when nothing waits. @internal */
  queue: Uint8Array[] | null = null
  /** Bytes in `queue`. @internal */
  queuedBytes = 0
  /** Bytes of `queue` written since the last flush (not yet offered to the socket). @internal */
  unflushed = 0
  /** Nesting depth of `cork()`. @internal */
  corks = 0
  /** Idle-sweep tick of the last read or write. @internal */
  lastTick: number
  /**
   * Ticks of silence before `timeout` (the reactor's idle timeout: 8 ticks of idleTimeoutMs/8);
   * a protocol with a timeout of its own (WebSocket) sets it. @internal
   */
  idleTicks = IDLE_TICKS
  /** Where events go (the server's handlers, or a stream/async adapter). @internal */
  handlers: FullHandlers
  /** The reactor (engine) running this connection. @internal */
  readonly reactor: Reactor
  /** Anything the application wants to keep with the connection. */
  userData: U = undefined as U
  /** State of the protocol running on the connection (HTTP, WebSocket), if any. @internal */
  protocol: unknown = null
  /** Runs once at the next `resume()`, before reading goes on (input read before `open`). @internal */
  beforeResume: (() => void) | null = null
  private addresses: Endpoints | null = null

  /** @internal Created by a reactor on accept. */
  constructor(reactor: Reactor, fd: number, token: number, handlers: FullHandlers) {
    this.reactor = reactor
    this.fd = fd
    this.token = token
    this.handlers = handlers
    this.lastTick = reactor.tick
  }

  /**
   * Writes `data` (a Buffer, any typed array or DataView, or a string in `encoding`). Writes are
   * gathered and sent together at the end of the current batch of events (or, outside one, in
   * a microtask): one native call writes every connection's output, with no copy of what the
   * socket takes. Returns false once output the socket did not take reaches `highWaterMark`, or
   * when one batch writes more than `highWaterMark`: stop writing and wait for `drain`.
   * Do not change `data` after writing it; a chunk handed to `data` may be written as it is.
   * On a closed connection it returns false and does nothing (the `close` handler has run or
   * will run). After `end()` it throws `ERR_STREAM_WRITE_AFTER_END`.
   */
  write(data: string | NodeJS.ArrayBufferView, encoding?: BufferEncoding): boolean {
    const bytes = toBytes(data, encoding)
    if ((this.flags & (Flag.Closed | Flag.Ending)) !== 0) return this.refuseWrite()
    return this.reactor.write(this, bytes)
  }

  /** Writes several chunks with one syscall (writev). Same return value as `write`. */
  writev(chunks: ReadonlyArray<string | NodeJS.ArrayBufferView>): boolean {
    if (!Array.isArray(chunks)) throw invalidArgType('chunks', 'an array', chunks)
    const list = chunks.map((c) => toBytes(c, undefined))
    if ((this.flags & (Flag.Closed | Flag.Ending)) !== 0) return this.refuseWrite()
    this.corks++
    for (const bytes of list) this.reactor.write(this, bytes)
    return this.uncork()
  }

  /** Holds writes in the queue until the matching `uncork()`, which sends them together. */
  cork(): void {
    this.corks++
  }

  /** Runs `fn` with writes held, then sends them together (`cork()`, `fn()`, `uncork()`). */
  corked<T>(fn: () => T): T {
    this.cork()
    try {
      return fn()
    } finally {
      this.uncork()
    }
  }

  /** Ends one `cork()`; the outermost sends what was held. Returns what `write` would. */
  uncork(): boolean {
    if (this.corks > 0 && --this.corks === 0 && this.queue !== null && (this.flags & Flag.Closed) === 0) {
      this.reactor.uncorked(this)
    }
    return this.reactor.underHighWaterMark(this)
  }

  /**
   * Ends the writing side (half-close): optional last `data` is written, the queue is flushed,
   * then a FIN is sent. The connection closes once the peer has ended too. Idempotent.
   */
  end(data?: string | NodeJS.ArrayBufferView, encoding?: BufferEncoding): void {
    if ((this.flags & (Flag.Closed | Flag.Ending)) !== 0) return
    if (data !== undefined) this.write(data, encoding)
    if ((this.flags & Flag.Closed) !== 0) return
    this.flags |= Flag.Ending
    this.corks = 0
    this.reactor.end(this)
  }

  /** Closes at once, dropping queued output. `close` gets `err`. Idempotent. */
  destroy(err?: Error): void {
    if ((this.flags & Flag.Closed) !== 0) return
    if (err !== undefined && !(err instanceof Error)) throw invalidArgType('err', 'an Error', err)
    this.reactor.destroy(this, err)
  }

  /**
   * Hands this connection's events to `handlers` from now on (missing callbacks do nothing):
   * how a protocol takes over a connection, as after an HTTP upgrade.
   */
  setHandlers(handlers: Handlers<U>): void {
    this.handlers = fullHandlers(handlers, (name, value) => invalidArgType(name, 'a function', value))
  }

  /** Stops reading: no `data` until `resume()`. The kernel buffers, then the peer is held back. */
  pause(): void {
    if ((this.flags & (Flag.Paused | Flag.Closed)) !== 0) return
    this.flags |= Flag.Paused
    this.reactor.pause(this)
  }

  /** Resumes reading after `pause()`. */
  resume(): void {
    if ((this.flags & Flag.Paused) === 0 || (this.flags & Flag.Closed) !== 0) return
    this.flags &= ~Flag.Paused
    const hook = this.beforeResume
    if (hook !== null) {
      this.beforeResume = null
      hook()
    }
    this.reactor.resume(this)
  }

  /** True while reading is paused. */
  get isPaused(): boolean {
    return (this.flags & Flag.Paused) !== 0
  }

  /** True once the connection is closed. */
  get closed(): boolean {
    return (this.flags & Flag.Closed) !== 0
  }

  /** True once `end()` was called or the connection closed: writes are no longer accepted. */
  get writableEnded(): boolean {
    return (this.flags & (Flag.Ending | Flag.Closed)) !== 0
  }

  /** True once the peer ended its side. */
  get readableEnded(): boolean {
    return (this.flags & Flag.ReadEnded) !== 0
  }

  /** Bytes written but not yet taken by the socket (including this batch's writes). */
  get bufferedAmount(): number {
    return this.queuedBytes
  }

  /** True after `write()` returned false, until `drain`. */
  get writableNeedDrain(): boolean {
    return (this.flags & Flag.NeedDrain) !== 0
  }

  /**
   * True while the application has work in flight on this connection (a request being
   * processed). A graceful `server.close()` closes a connection only once it is not busy and
   * its output is flushed. Set it to false again when done.
   */
  get busy(): boolean {
    return (this.flags & Flag.Busy) !== 0
  }

  set busy(value: boolean) {
    if (value) this.flags |= Flag.Busy
    else if ((this.flags & Flag.Busy) !== 0) {
      this.flags &= ~Flag.Busy
      this.reactor.settled(this)
    }
  }

  /** Peer address ('127.0.0.1'); undefined once closed (unless read before). */
  get remoteAddress(): string | undefined {
    return this.address()?.remote.address
  }

  get remotePort(): number | undefined {
    return this.address()?.remote.port
  }

  /** 'IPv4' or 'IPv6'. */
  get remoteFamily(): string | undefined {
    return this.address()?.remote.family
  }

  /**
   * The proxy's address when a PROXY protocol header named the client (see the server option
   * `proxyProtocol`): `remoteAddress` is then the client's, and this is the socket's own peer.
   * Undefined for a direct connection, or a header that named no client (a health check).
   */
  get proxyAddress(): string | undefined {
    return this.address()?.proxy?.address
  }

  /** The proxy's port, with `proxyAddress`. */
  get proxyPort(): number | undefined {
    return this.address()?.proxy?.port
  }

  /** A PROXY header named the client: it becomes the remote address, the proxy `proxyAddress`. @internal */
  proxiedFor(client: SocketAddress): void {
    const own = this.address()
    if (own !== null) this.addresses = { remote: client, local: own.local, proxy: own.remote }
  }

  get localAddress(): string | undefined {
    return this.address()?.local.address
  }

  get localPort(): number | undefined {
    return this.address()?.local.port
  }

  /** Sets or clears TCP_NODELAY (servers set it on accept unless `noDelay: false`). */
  setNoDelay(noDelay = true): this {
    if (this.fd >= 0) sockets.setsockopt(this.fd, sockets.constants.IPPROTO_TCP, sockets.constants.TCP_NODELAY, noDelay ? 1 : 0)
    return this
  }

  /** Sets or clears SO_KEEPALIVE, so that a peer that vanished is eventually detected. */
  setKeepAlive(enable = true): this {
    if (this.fd >= 0) sockets.setsockopt(this.fd, sockets.constants.SOL_SOCKET, sockets.constants.SO_KEEPALIVE, enable ? 1 : 0)
    return this
  }

  /**
   * A Node Duplex over this connection, for stream code (pipeline, parsers). From then on the
   * stream gets the events instead of the server's handlers (which still get `close`).
   * Chunks it emits are copies, so they stay valid. Calling it again returns the same stream.
   */
  toStream(): Duplex {
    return this.reactor.streamOf(this)
  }

  private address(): Endpoints | null {
    if (this.addresses === null && this.fd >= 0) {
      try {
        this.addresses = { remote: sockets.getpeername(this.fd), local: sockets.getsockname(this.fd) }
      } catch {
        return null // the peer is gone (ENOTCONN): nothing to report
      }
    }
    return this.addresses
  }

  private refuseWrite(): false {
    if ((this.flags & Flag.Closed) !== 0) return false
    throw serverError('ERR_STREAM_WRITE_AFTER_END', 'write after end')
  }
}

function toBytes(data: string | NodeJS.ArrayBufferView, encoding: BufferEncoding | undefined): Uint8Array {
  if (data instanceof Uint8Array) return data
  if (typeof data === 'string') return Buffer.from(data, encoding)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  throw invalidArgType('data', 'a string, Buffer, TypedArray or DataView', data)
}
