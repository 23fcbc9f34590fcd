/**
 * A WebSocket connection (RFC 6455) as its behaviour sees it, and the connection handlers that
 * run every WebSocket of a server.
 */
import type { Connection } from '../engine/connection.js'
import { PROTOCOL, type FullHandlers } from '../engine/handlers.js'
import { invalidArgType, outOfRange, serverError as codeError } from '../errors.js'
import { FrameReader } from './frame-reader.js'
import { CloseCode, Opcode, headerSize, validCloseCode, writeHeader } from './frames.js'
import { Buffer, isUtf8 } from 'node:buffer'
import type { ResolvedBehaviour } from './behaviour.js'
import { copyBytes } from '../engine/typed-array-calls.js'
import { writeUtf8 } from '../engine/text-write.js'

/** `send` results (the values uWebSockets.js uses): the message was written, or queued past the high-water mark. */
export const SENT = 1
/** The message is queued: the socket does not keep up; `drain` says when it does again. */
export const BUFFERED = 0
/** The message was dropped: this connection's output is over `maxBackpressure`. */
export const DROPPED = 2

/** Frames up to this size are copied next to their header: one piece of output instead of two. */
const COPY_BELOW = 1024

/** A message for `for await (const msg of ws)`: its own copy of the data. */
export interface WebSocketMessage {
  data: Buffer
  isBinary: boolean
}

interface Waiter {
  resolve(result: IteratorResult<WebSocketMessage>): void
}

/** Bits of `flags` the WebSocket owns, from `ReaderBit.FirstFree` (0x10000) up. */
const enum SocketBit {
  /** A Close frame went out: nothing more is sent. */
  Closing = 0x10000,
  /** The connection is gone. */
  Closed = 0x20000,
  /** A ping went out for the idle timeout and nothing came back yet. */
  Pinged = 0x40000,
}

/** What only some WebSockets need, made on first use: an idle one carries none of it. */
class SocketExtras {
  /** The topics it is subscribed to. */
  topics: Set<string> | null = null
  /** Messages for `for await`, while an iterator is open. */
  queue: WebSocketMessage[] | null = null
  waiter: Waiter | null = null
  /** The close handshake's code and reason, once it started. */
  closeCode: number = CloseCode.Abnormal
  closeReason: Buffer<ArrayBufferLike> = EMPTY
}

/**
 * One WebSocket. `send` frames and queues a message (string: text, bytes: binary unless told);
 * `end(code, reason)` starts the close handshake; `close()` drops the connection at once.
 * Subscribe it to topics and publish to them (`server.publish` reaches every subscriber,
 * `ws.publish` every one but this).
 *
 * @example
 * ```ts
 * server.ws('/chat', {
 *   open(ws) { ws.subscribe('room') },
 *   message(ws, data, isBinary) { ws.publish('room', data, isBinary) },
 * })
 * ```
 */
export class WebSocket<U = any> extends FrameReader implements AsyncIterable<WebSocketMessage> {
  // One object per connection, every field set here in this order (one hidden class), and
  // only what an idle WebSocket needs: the rest waits in `#extras` until first used.
  /** @internal The connection it runs on. */
  readonly conn: Connection<U>
  /** @internal Its route's handlers and limits, and the topics of its server. */
  readonly behaviour: ResolvedBehaviour<U>
  #extras: SocketExtras | null = null

  /** @internal Made once the handshake is accepted. */
  constructor(conn: Connection<U>, behaviour: ResolvedBehaviour<U>, userData: U) {
    super()
    this.conn = conn
    this.behaviour = behaviour
    conn.userData = userData // the connection's own slot: one field less here
  }

  /** @internal */
  protected get maxPayloadLength(): number {
    return this.behaviour.maxPayloadLength
  }

  private more(): SocketExtras {
    return (this.#extras ??= new SocketExtras())
  }

  /** Closing or closed: nothing more is sent. */
  private ended(): boolean {
    return (this.flags & (SocketBit.Closing | SocketBit.Closed)) !== 0
  }

  /** @internal A ping went out for the idle timeout and nothing came back yet. */
  get pinged(): boolean {
    return (this.flags & SocketBit.Pinged) !== 0
  }

  /** @internal */
  set pinged(value: boolean) {
    this.flags = value ? this.flags | SocketBit.Pinged : this.flags & ~SocketBit.Pinged
  }

  /** What the behaviour's `upgrade` attached (`ctx.accept(userData)`). */
  getUserData(): U {
    return this.conn.userData
  }

  /** The peer's address. */
  get remoteAddress(): string | undefined {
    return this.conn.remoteAddress
  }

  /** The peer's port. */
  get remotePort(): number | undefined {
    return this.conn.remotePort
  }

  /** Bytes sent but not yet taken by the socket. */
  get bufferedAmount(): number {
    return this.conn.bufferedAmount
  }

  /** True once the connection is gone. */
  get closed(): boolean {
    return (this.flags & SocketBit.Closed) !== 0
  }

  /**
   * Sends a message: text for a string (unless `isBinary`), binary for bytes (unless
   * `isBinary` is false). Returns SENT, BUFFERED (queued beyond the high-water mark: wait for
   * `drain`) or DROPPED (over `maxBackpressure`; with `closeOnBackpressureLimit` the
   * connection is then closed).
   */
  send(data: string | Uint8Array, isBinary: boolean = typeof data !== 'string'): number {
    if (this.ended() || !this.roomFor()) return DROPPED
    const opcode = isBinary ? Opcode.Binary : Opcode.Text
    const conn = this.conn
    let ok: boolean
    if (typeof data === 'string') {
      const length = Buffer.byteLength(data)
      const size = headerSize(length)
      const out = conn.reactor.scratch(size + length)
      writeHeader(out, 0, opcode, length)
      writeUtf8(out, data, size, length)
      ok = conn.write(out)
    } else {
      if (!(data instanceof Uint8Array)) throw invalidArgType('data', 'a string, Buffer or Uint8Array', data)
      ok = this.frame(opcode, data)
    }
    return ok ? SENT : BUFFERED
  }

  /** Writes one frame; true while under the high-water mark. */
  private frame(opcode: number, data: Uint8Array): boolean {
    const conn = this.conn
    const length = data.byteLength
    const size = headerSize(length)
    if (length < COPY_BELOW) {
      const out = conn.reactor.scratch(size + length)
      writeHeader(out, 0, opcode, length)
      copyBytes.call(out, data, size)
      return conn.write(out)
    }
    const head = conn.reactor.scratch(size)
    writeHeader(head, 0, opcode, length)
    conn.write(head) // both leave in the same gathered write
    return conn.write(data)
  }

  /** @internal A whole frame already made (a publish): queued as it is, shared. */
  sendFrame(frame: Uint8Array): boolean {
    if (this.ended() || !this.roomFor()) return false
    this.conn.write(frame)
    return true
  }

  /** Under `maxBackpressure`? Over it, closes the connection when the behaviour says so. */
  private roomFor(): boolean {
    if (this.conn.bufferedAmount <= this.behaviour.maxBackpressure) return true
    if (this.behaviour.closeOnBackpressureLimit) this.end(CloseCode.PolicyViolation, 'backpressure limit')
    return false
  }

  /** Sends a ping (payload at most 125 bytes). */
  ping(data: string | Uint8Array = EMPTY): void {
    if (this.ended()) return
    const bytes = typeof data === 'string' ? Buffer.from(data) : data
    if (bytes.byteLength > 125) throw outOfRange('data', 'at most 125 bytes (a ping)', bytes.byteLength)
    this.frame(Opcode.Ping, bytes)
  }

  /**
   * Starts the close handshake: sends a Close frame with `code` (1000 by default) and `reason`,
   * then ends the connection once the client answers (or at once, if it already has).
   */
  end(code: number = CloseCode.Normal, reason: string = ''): void {
    if (this.ended()) return
    if (!Number.isInteger(code) || (code !== CloseCode.Normal && !validCloseCode(code))) {
      throw outOfRange('code', 'a valid close code (1000, 1001-1003, 1007-1014, 3000-4999)', code)
    }
    const text = Buffer.from(reason, 'utf8')
    if (text.length > 123) throw outOfRange('reason', 'at most 123 bytes in UTF-8', reason)
    this.sendClose(code, text)
    const more = this.more()
    more.closeCode = code
    more.closeReason = text
    this.conn.end() // the client's Close (or its FIN) ends the connection
  }

  /** Closes the connection at once, without the close handshake (reported as 1006). */
  close(): void {
    if (this.closed) return
    this.conn.destroy()
  }

  /** Runs `fn` with sends held, then writes them together. */
  cork(fn: () => void): void {
    this.conn.corked(fn)
  }

  /** Subscribes to `topic`; false if it already was. */
  subscribe(topic: string): boolean {
    checkTopic(topic)
    if (this.closed) return false
    if (!this.behaviour.hub.subscribe(this, topic)) return false
    const more = this.more()
    ;(more.topics ??= new Set()).add(topic)
    return true
  }

  /** Unsubscribes from `topic`; false if it was not subscribed. */
  unsubscribe(topic: string): boolean {
    checkTopic(topic)
    this.#extras?.topics?.delete(topic)
    return this.behaviour.hub.unsubscribe(this, topic)
  }

  /** True when subscribed to `topic`. */
  isSubscribed(topic: string): boolean {
    return this.behaviour.hub.has(this, topic)
  }

  /** The topics it is subscribed to. */
  getTopics(): string[] {
    const topics = this.#extras?.topics
    return topics == null ? [] : [...topics]
  }

  /** Publishes to every other subscriber of `topic`; returns how many got it. */
  publish(topic: string, data: string | Uint8Array, isBinary: boolean = typeof data !== 'string'): number {
    checkTopic(topic)
    return this.behaviour.hub.publish(topic, data, isBinary, this)
  }

  [Symbol.asyncIterator](): AsyncIterator<WebSocketMessage> {
    const more = this.more()
    more.queue ??= []
    return {
      next: () => {
        const queue = more.queue!
        const message = queue.shift()
        if (message !== undefined) {
          if (queue.length < QUEUE_RESUME && this.conn.isPaused) this.conn.resume()
          return Promise.resolve({ value: message, done: false })
        }
        if (this.ended()) return Promise.resolve({ value: undefined, done: true })
        return new Promise((resolve) => (more.waiter = { resolve }))
      },
      return: () => {
        more.queue = null
        if (this.conn.isPaused) this.conn.resume()
        return Promise.resolve({ value: undefined, done: true })
      },
    }
  }

  // ---- FrameSink -------------------------------------------------------------------------

  /** @internal */
  message(data: Buffer, isBinary: boolean): void {
    this.flags &= ~SocketBit.Pinged
    const more = this.#extras
    const queue = more === null ? null : more.queue
    if (queue !== null) {
      const message = { data: Buffer.from(data), isBinary }
      const waiter = more!.waiter
      if (waiter !== null) {
        more!.waiter = null
        waiter.resolve({ value: message, done: false })
      } else {
        queue.push(message)
        if (queue.length >= QUEUE_PAUSE) this.conn.pause()
      }
    }
    this.behaviour.message?.(this, data, isBinary)
  }

  /** @internal */
  control(opcode: Opcode, payload: Buffer): void {
    this.flags &= ~SocketBit.Pinged
    if (opcode === Opcode.Ping) {
      if ((this.flags & SocketBit.Closing) === 0) this.frame(Opcode.Pong, payload)
      this.behaviour.ping?.(this, payload)
    } else if (opcode === Opcode.Pong) {
      this.behaviour.pong?.(this, payload)
    } else {
      this.peerClosed(payload)
    }
  }

  /** @internal */
  fail(code: number, _reason: string): void {
    if (this.ended()) return
    this.sendClose(code, EMPTY)
    this.more().closeCode = code
    this.conn.end()
  }

  /** The client's Close frame: check it, answer it (unless we started), end the connection. */
  private peerClosed(payload: Buffer): void {
    this.stopReading() // nothing after a Close frame is read (§5.5.1)
    let code: number = CloseCode.NoStatus
    let reason: Buffer<ArrayBufferLike> = EMPTY
    if (payload.length === 1) return this.fail(CloseCode.ProtocolError, 'a close body of one byte')
    if (payload.length >= 2) {
      code = payload.readUInt16BE(0)
      reason = payload.subarray(2)
      if (!validCloseCode(code)) return this.fail(CloseCode.ProtocolError, `close code ${code}`)
      if (!isUtf8(reason)) return this.fail(CloseCode.InvalidPayload, 'a close reason that is not UTF-8')
    }
    if ((this.flags & SocketBit.Closing) === 0) {
      this.sendClose(code === CloseCode.NoStatus ? -1 : code, EMPTY)
      const more = this.more()
      more.closeCode = code
      more.closeReason = Buffer.from(reason)
    }
    this.conn.end()
  }

  /** Sends a Close frame (code -1: without a code). Nothing is sent after it. */
  private sendClose(code: number, reason: Buffer): void {
    const payload = code < 0 ? EMPTY : Buffer.allocUnsafe(2 + reason.length)
    if (code >= 0) {
      payload.writeUInt16BE(code, 0)
      reason.copy(payload, 2)
    }
    this.frame(Opcode.Close, payload)
    this.flags |= SocketBit.Closing
  }

  /** @internal The connection is gone: unsubscribe, end iterators, call `close` once. */
  closedWith(err: Error | undefined): void {
    if (this.closed) return
    this.flags |= SocketBit.Closed
    const more = this.#extras
    if (more !== null) {
      if (more.topics !== null) for (const topic of more.topics) this.behaviour.hub.unsubscribe(this, topic)
      more.topics = null
      const waiter = more.waiter
      more.waiter = null
      waiter?.resolve({ value: undefined, done: true })
    }
    const code = err === undefined && more !== null ? more.closeCode : CloseCode.Abnormal
    this.behaviour.close?.(this, code, more === null ? EMPTY : more.closeReason)
  }
}

/** Messages queued for an iterator before reading pauses, and how few resume it. */
const QUEUE_PAUSE = 64
const QUEUE_RESUME = 16
const EMPTY = Buffer.alloc(0)

function checkTopic(topic: string): void {
  if (typeof topic !== 'string') throw invalidArgType('topic', 'a string', topic)
}

/** The connection handlers of every WebSocket of a server: the events go to the WebSocket. */
export class WebSocketHandlers implements FullHandlers {
  readonly [PROTOCOL] = true
  readonly ownsEnd = true

  open(): void {}

  data(conn: Connection, chunk: Buffer): void {
    ;(conn.protocol as WebSocket).read(chunk)
  }

  drain(conn: Connection): void {
    const ws = conn.protocol as WebSocket
    ws.behaviour.drain?.(ws)
  }

  end(conn: Connection): void {
    conn.end() // the client's FIN: nothing more comes; finish what was sent
  }

  close(conn: Connection, err?: Error): void {
    ;(conn.protocol as WebSocket).closedWith(err)
  }

  timeout(conn: Connection): void {
    const ws = conn.protocol as WebSocket
    if (ws.behaviour.sendPingsAutomatically && !ws.pinged) {
      ws.pinged = true
      ws.ping() // a live client answers with a pong before the next timeout
    } else {
      conn.destroy(codeError('ETIMEDOUT', 'WebSocket idle timeout'))
    }
  }
}
