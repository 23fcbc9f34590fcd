/**
 * One connection's HTTP/1.1 exchange: requests parsed from the bytes as they arrive, handed to
 * the handler at once (several at a time when the client pipelines), and their responses sent
 * back strictly in request order, whatever order asynchronous handlers finish in: a response
 * that is not at the front of the line is held until the ones before it have ended.
 *
 * Parsing is done over the engine's read buffer. What must outlive the `data` call is copied
 * once: the heads of the requests parsed from one chunk (one copy for all of them, however
 * many were pipelined), body bytes, and an incomplete head or chunk-size line carried over to
 * the next read.
 *
 * A session is made with a request's first bytes and let go once every response has gone out
 * and nothing is partly received: an idle keep-alive connection holds no session (a few
 * hundred bytes of heap per connection less), and its next request makes a new one.
 */
import { Buffer } from 'node:buffer'
import { serverError } from '../errors.js'
import type { Connection } from '../engine/connection.js'
import { ChunkedDecoder } from './chunked-decoder.js'
import { CR, LF } from './char-classes.js'
import type { HeadBatch } from './head-batch.js'
import type { HeadStore } from './head-store.js'
import { HeadFlag, INCOMPLETE, RequestHead, findHeadEnd, parseHead } from './head-parser.js'
import type { HttpLimits } from './limits.js'
import { HttpRequest, type BodySource } from './request.js'
import { HttpResponse, type ResponseSink } from './response.js'
import { STATUS_TEXT } from './status.js'
import { dateLine } from './date-header.js'

/** What a session needs from its server. */
export interface HttpApp {
  readonly limits: HttpLimits
  /** Bytes of request body buffered (and of response output held back) before reading pauses. */
  readonly highWaterMark: number
  /** The shared head table (parsing is synchronous: one is enough per server). */
  readonly head: RequestHead
  /** The native parser's records of the read being parsed (shared likewise). */
  readonly headBatch: HeadBatch
  /** Where heads parsed from the read buffer are copied once the read is done. */
  readonly headStore: HeadStore
  /** Calls the request handler; reports what it throws or rejects with. */
  dispatch(req: HttpRequest, res: HttpResponse): void
  /** Hands an upgrade request's connection over, or returns false (then the request is answered 426/400). */
  upgrade(req: HttpRequest, conn: Connection, head: Buffer): boolean
  /** A session started or stopped waiting for a request head (headers timeout). */
  waitingForHead(session: HttpSession, waiting: boolean): void
  /** True once the server drains: every response is the last of its connection. */
  readonly draining: boolean
}

/** Most requests in flight on one connection before reading pauses (pipelining depth). */
export const MAX_PIPELINED = 32

/** The line of a session with nothing in flight: shared, never pushed onto (see `enter`). */
const NO_RESPONSES: HttpResponse[] = []

/** Reasons reading is paused, as bits. */
const PAUSE_BODY = 1
const PAUSE_PIPELINE = 2


export class HttpSession implements ResponseSink, BodySource {
  /**
   * Responses that have not all gone out, in request order; [0] is the one writing. Starts as
   * the shared empty {@link NO_RESPONSES} and becomes an array of its own on the first
   * {@link enter} (a one-slot array: `push` onto an empty one would reserve 17).
   */
  private line: HttpResponse[] = NO_RESPONSES
  /** The response of the request whose body is arriving. */
  private reading: HttpResponse | null = null
  private bodyLeft = 0
  private decoder: ChunkedDecoder | null = null
  /** Bytes carried over to the next read (an incomplete head, chunk line...). */
  private input: Buffer | null = null
  private scanned = 0
  private pauses = 0
  /** No more requests are read: the connection closes once the line has gone out. */
  private last = false
  /** When the current head started arriving (ms), or -1. */
  headSince = -1
  /** During `received`: the bytes are the engine's read buffer (copy what is kept). */
  private shared = false
  /**
   * During `received`: requests parsed from the read buffer (the first, then any others), and
   * the range their heads span.
   */
  private fresh: HttpRequest | null = null
  private freshMore: HttpRequest[] | null = null
  private freshStart = 0
  private freshEnd = 0
  /** Inside `received`: the session is not let go before its loop is done. */
  private inReceived = false
  /**
   * Inside `received`: output of the responses at the front of the line that ended in it,
   * written end to end in the scratch memory (`scratchBytes[pendingAt, pendingAt +
   * pendingLength)`), not yet handed to the connection. It goes as one view (one queue entry,
   * one iovec) before anything else is written to the connection and when `received` is done.
   */
  private pendingAt = -1
  private pendingLength = 0

  constructor(
    readonly conn: Connection,
    readonly app: HttpApp,
  ) {}

  get bodyHighWaterMark(): number {
    return this.app.highWaterMark
  }

  /** True while nothing is in flight or partly received: the session can be dropped. */
  get idle(): boolean {
    return this.line.length === 0 && this.reading === null && this.input === null && !this.last
  }

  /** True while a request is partly received (head or body): the client owes bytes. */
  get receiving(): boolean {
    return this.input !== null || this.reading !== null
  }

  /** The connection's output drained: the response writing now may go on. */
  drained(): void {
    this.line[0]?.emit('drain')
  }

  // ---- input ---------------------------------------------------------------------------

  /** Bytes arrived (`chunk` is valid only during this call). */
  received(chunk: Buffer): void {
    // After an error or Connection: close no further request is read (a body still is).
    if (this.last && this.reading === null) return
    let buf: Buffer = chunk
    if (this.input !== null) {
      buf = Buffer.concat([this.input, chunk])
      this.input = null
    }
    this.shared = buf === chunk
    let i = 0
    const end = buf.length
    this.fresh = null
    this.inReceived = true
    try {
      while (i < end && (!this.last || this.reading !== null)) {
        if (this.reading !== null) {
          i = this.readBody(buf, i, end)
          if (i < 0 || this.reading !== null) break
          continue
        }
        if (this.line.length >= MAX_PIPELINED) {
          this.pause(PAUSE_PIPELINE)
          break
        }
        // One pass over a head that arrived whole; a head that trickles in is parsed only once
        // its end is seen (each arrival costs a scan of the new bytes, never a re-parse).
        const head = this.app.head
        if (buf[i] === CR) {
          // Empty lines before a request line (RFC 9112 §2.2) are dropped here, so that a search
          // resumed over a head that trickles in never takes two of them for the head's end.
          const from = i
          while (i + 1 < end && buf[i] === CR && buf[i + 1] === LF) i += 2
          this.scanned = Math.max(0, this.scanned - (i - from))
          if (i === end) break
        }
        let verdict: number
        if (this.scanned === 0) verdict = this.app.headBatch.next(buf, i, end, head)
        else {
          const headEnd = findHeadEnd(buf, i, i + this.scanned, end)
          verdict = headEnd < 0 ? INCOMPLETE : parseHead(buf, i, headEnd, this.app.limits, head)
        }
        if (verdict === INCOMPLETE) {
          if (end - i > this.app.limits.maxHeaderBytes) {
            this.fail(431)
            return
          }
          this.scanned = Math.max(1, end - i)
          if (this.headSince < 0) this.app.waitingForHead(this, true)
          break
        }
        this.scanned = 0
        if (this.headSince >= 0) this.app.waitingForHead(this, false)
        if (verdict < 0) {
          this.fail(-verdict)
          return
        }
        const headEnd = verdict
        const req = new HttpRequest(this.conn, this, this, buf, head)
        if (this.shared) {
          if (this.fresh === null) {
            this.fresh = req
            this.freshStart = i
          } else if (this.freshMore === null) this.freshMore = [req]
          else this.freshMore.push(req)
          this.freshEnd = headEnd
        }
        i = headEnd
        if (this.start(req, head, buf, i, end)) return // upgraded: the rest is the new protocol's
      }
      if (i >= 0 && i < end && (!this.last || this.reading !== null)) this.input = Buffer.from(buf.subarray(i, end))
    } finally {
      this.app.headBatch.clear()
      const fresh = this.fresh
      if (fresh !== null) {
        // The heads parsed from the read buffer move to one copy: the buffer is reused.
        const more = this.freshMore
        this.fresh = this.freshMore = null
        const store = this.app.headStore
        const copy = store.keep(buf, this.freshStart, this.freshEnd)
        const shift = this.freshStart - store.at
        fresh.rebase(copy, shift)
        if (more !== null) for (const req of more) req.rebase(copy, shift)
      }
      this.inReceived = false
      this.writePending()
      this.release()
    }
  }

  /** Nothing in flight, nothing partly received, reading not paused: the connection lets it go. */
  private release(): void {
    if (this.idle && this.pauses === 0 && this.headSince < 0 && this.conn.protocol === this) this.conn.protocol = null
  }

  /**
   * A request head was parsed: framing, then the handler. Returns true when the connection was
   * upgraded. A request with neither body nor upgrade, the common case, takes the few steps
   * here; the others go through `startWithBody`, kept apart so that this path stays small
   * enough for V8 to inline it whole into `received`.
   */
  private start(req: HttpRequest, head: RequestHead, buf: Buffer, at: number, end: number): boolean {
    const flags = head.flags
    if ((flags & (HeadFlag.Upgrade | HeadFlag.Chunked)) !== 0 || head.contentLength > 0) {
      return this.startWithBody(req, head, buf, at, end)
    }
    const res = req.response
    if ((flags & HeadFlag.Close) !== 0 || (head.minor === 0 && (flags & HeadFlag.KeepAlive) === 0)) this.last = true
    if (this.line === NO_RESPONSES) this.line = [res] // (as `enter`, written out: see above)
    else this.line.push(res)
    res.queued = true
    this.conn.busy = true
    req.noBody()
    this.app.dispatch(req, res)
    return false
  }

  /** `start` for a request with a body or an Upgrade field. */
  private startWithBody(req: HttpRequest, head: RequestHead, buf: Buffer, at: number, end: number): boolean {
    const flags = head.flags
    const closeAfter =
      (flags & HeadFlag.Close) !== 0 || (head.minor === 0 && (flags & HeadFlag.KeepAlive) === 0)
    if ((flags & HeadFlag.Upgrade) !== 0 && this.line.length === 0 && (flags & HeadFlag.Chunked) === 0 && head.contentLength <= 0) {
      // Upgrade: the connection leaves HTTP; bytes after the head belong to the new protocol.
      const rest = at < end ? Buffer.from(buf.subarray(at, end)) : NOTHING_AFTER_HEAD
      this.last = true
      this.writePending() // the answers before it go first: the new protocol writes next
      if (this.app.upgrade(req, this.conn, rest)) return true // no response: none is made
      this.last = false
    }
    const res = req.response
    if (closeAfter) this.last = true
    this.enter(res)
    res.queued = true
    this.conn.busy = true
    if ((flags & HeadFlag.Chunked) !== 0) {
      const limits = this.app.limits
      this.decoder = new ChunkedDecoder(limits.bodyLimit, limits.maxChunkExtensionBytes, limits.maxHeaderBytes)
      this.reading = res
    } else if (head.contentLength > 0) {
      if (head.contentLength > this.app.limits.bodyLimit) {
        this.line.pop()
        res.queued = false
        this.fail(413)
        return false
      }
      this.bodyLeft = head.contentLength
      this.reading = res
    } else {
      req.endBody()
    }
    if ((flags & HeadFlag.ExpectContinue) !== 0 && this.reading === res) res.req.bodyExpectsContinue = true
    this.app.dispatch(req, res)
    return false
  }

  /** Body bytes of the request being read; returns where it stopped (-1: the connection failed). */
  private readBody(buf: Buffer, i: number, end: number): number {
    const entry = this.reading!
    if (this.decoder === null) {
      const n = Math.min(this.bodyLeft, end - i)
      if (n > 0) entry.req.pushBody(this.keep(buf, i, i + n))
      this.bodyLeft -= n
      if (this.bodyLeft === 0) this.bodyDone(entry, null, [])
      return i + n
    }
    const decoder = this.decoder
    const stop = decoder.decode(buf, i, end)
    const slices = decoder.slices
    for (let k = 0; k < slices.length; k += 2) entry.req.pushBody(this.keep(buf, slices[k], slices[k + 1]))
    if (stop < 0) {
      this.fail(-stop)
      return -1
    }
    if (decoder.done) {
      this.decoder = null
      this.bodyDone(entry, decoder.trailerBytes, decoder.trailerFields)
    }
    return stop
  }

  /** Bytes `buf[start, end)` that outlive this call: a copy when `buf` is the read buffer. */
  private keep(buf: Buffer, start: number, end: number): Buffer {
    return this.shared ? Buffer.from(buf.subarray(start, end)) : buf.subarray(start, end)
  }

  private bodyDone(entry: HttpResponse, trailerBytes: Buffer | null, trailerFields: number[]): void {
    this.reading = null
    entry.req.endBody(trailerBytes, trailerFields)
    if ((this.pauses & PAUSE_BODY) !== 0) this.resume(PAUSE_BODY)
    if (entry.done) this.advance()
  }

  // ---- BodySource ----------------------------------------------------------------------

  wantBody(req: HttpRequest): void {
    // Expect: 100-continue: the client waits for this before it sends the body.
    const front = this.line[0]
    if (req.bodyExpectsContinue && front !== undefined && front.req === req && !front.headersSent) {
      req.bodyExpectsContinue = false
      this.writePending()
      this.conn.write(CONTINUE)
    }
  }

  bodyBackpressure(_req: HttpRequest, full: boolean): void {
    if (full) this.pause(PAUSE_BODY)
    else this.resume(PAUSE_BODY)
  }

  // ---- ResponseSink --------------------------------------------------------------------

  send(res: HttpResponse, bytes: Uint8Array): boolean {
    if (this.line[0] === res) {
      this.writePending()
      return this.conn.write(bytes)
    }
    const entry = this.entryOf(res)
    if (entry === null) return false // the connection closed
    if (entry.held === undefined) {
      entry.held = []
      entry.heldBytes = 0
    }
    // Held past this batch's flush: memory the reactor reuses is copied.
    entry.held.push(this.conn.reactor.isShared(bytes) ? Buffer.from(bytes) : bytes)
    entry.heldBytes! += bytes.length
    return entry.heldBytes! < this.app.highWaterMark
  }

  finished(res: HttpResponse): void {
    const entry = this.entryOf(res)
    if (entry === null) return
    entry.done = true
    if (this.line[0] === entry) this.advance()
  }

  keepAlive(res: HttpResponse): boolean {
    // A graceful close, or its drain delay: this response is the last (the client moves on).
    if (this.conn.reactor.closing || this.app.draining) return false
    // Answered before the body the client holds back for 100 Continue: it never comes.
    if (this.reading === res && res.req.bodyExpectsContinue) return false
    // After the last request this connection reads, the connection closes.
    return !(this.last && this.line.length > 0 && this.line[this.line.length - 1] === res)
  }

  buffered(res: HttpResponse): number {
    const entry = this.entryOf(res)
    if (entry === null) return 0
    return this.line[0] === entry ? this.conn.bufferedAmount : (entry.heldBytes ?? 0)
  }

  scratch(length: number): Uint8Array {
    return this.conn.reactor.scratch(length)
  }

  scratchAt(length: number): number {
    return this.conn.reactor.scratchAt(length)
  }

  get scratchBytes(): Uint8Array {
    return this.conn.reactor.scratchBytes
  }

  sendScratch(res: HttpResponse, at: number, length: number): boolean {
    if (this.inReceived && this.line[0] === res) {
      // Parsing a read: responses that end at once join the pending output (see `pendingAt`).
      if (this.pendingAt >= 0 && this.pendingAt + this.pendingLength === at) {
        this.pendingLength += length
        return true
      }
      this.writePending()
      this.pendingAt = at
      this.pendingLength = length
      return true
    }
    return this.send(res, this.conn.reactor.scratchView(at, length))
  }

  /** Hands the pending output (see `pendingAt`) to the connection. */
  private writePending(): void {
    const at = this.pendingAt
    if (at < 0) return
    this.pendingAt = -1
    this.conn.write(this.conn.reactor.scratchView(at, this.pendingLength))
  }

  cork(fn: () => void): void {
    this.writePending() // before what `fn` writes
    this.conn.corked(fn)
  }

  /** `res` while it is in this connection's line, else null (its connection closed, or it left). */
  private entryOf(res: HttpResponse): HttpResponse | null {
    return res.queued ? res : null
  }

  /**
   * The front response ended: it leaves the line, and the next one's held output goes out
   * (and so on, for responses that ended while they waited).
   */
  private advance(): void {
    while (this.line.length > 0) {
      const front = this.line[0]
      if (!front.done) break
      if (front === this.reading) {
        this.frontEndedBeforeBody(front)
        return
      }
      this.line.shift()
      front.queued = false
      front.closed()
      if (!front.keepsAlive || front.closeAfter) {
        this.last = true
        this.finishLine()
        return
      }
      const next = this.line[0]
      if (next !== undefined && next.held !== undefined) this.writeHeld(next)
    }
    if (this.line.length < MAX_PIPELINED && (this.pauses & PAUSE_PIPELINE) !== 0) this.resume(PAUSE_PIPELINE)
    if (this.line.length === 0) {
      this.conn.busy = false
      if (this.last) {
        this.writePending()
        this.conn.end()
      } else if (!this.inReceived) this.release()
    }
  }

  /**
   * The front response ended while its request's body is still arriving: the body is read to
   * the end and dropped, unless the client waits for 100 Continue, which it never got: then
   * the connection cannot go on.
   */
  private frontEndedBeforeBody(front: HttpResponse): void {
    if (front.req.bodyExpectsContinue || !front.keepsAlive) {
      this.last = true
      this.finishLine()
      return
    }
    front.req.discardBody()
    this.resume(PAUSE_BODY)
  }

  /** `next` came to the front of the line: what it wrote meanwhile goes out. */
  private writeHeld(next: HttpResponse): void {
    this.writePending()
    for (const bytes of next.held!) this.conn.write(bytes)
    next.held = undefined
    next.heldBytes = 0
  }

  /** No more responses will be sent on this connection: end it after what was written. */
  private finishLine(): void {
    for (const entry of this.line) {
      entry.queued = false
      if (entry.writableEnded) continue
      entry.req.abort(closedError())
      entry.abort()
    }
    this.line = NO_RESPONSES
    this.reading = null
    this.input = null
    this.conn.busy = false
    this.writePending()
    this.conn.end()
  }

  // ---- failures and the end --------------------------------------------------------------

  /**
   * A request the server refuses (malformed, over a limit): answers `status` after every
   * earlier response, with Connection: close, and reads nothing more.
   */
  fail(status: number): void {
    this.last = true
    this.input = null
    if (this.headSince >= 0) this.app.waitingForHead(this, false)
    const reading = this.reading
    this.reading = null
    this.decoder = null
    if (reading !== null) {
      // Its body is refused: the refusal is its answer, whatever its handler was about to send.
      reading.abort()
      reading.req.abort(serverError('ERR_HTTP_REQUEST_REFUSED', `request refused with ${status}`))
      this.line.splice(this.line.indexOf(reading), 1)
      reading.queued = false
    }
    const text = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${dateLine()}Content-Length: 0\r\nConnection: close\r\n\r\n`
    const bytes = Buffer.from(text, 'latin1')
    const lastEntry = this.line[this.line.length - 1]
    if (lastEntry === undefined) {
      this.conn.busy = false
      this.writePending()
      this.conn.end(bytes)
      return
    }
    // Sent after the responses still going out: a response of its own at the end of the line.
    const res = new HttpResponse(this, lastEntry.req, false, 1)
    res.held = [bytes]
    res.heldBytes = bytes.length
    res.done = true
    res.closeAfter = true
    res.queued = true
    this.enter(res)
  }

  /** `res` joins the end of the line (never pushed onto the shared empty line). */
  private enter(res: HttpResponse): void {
    if (this.line === NO_RESPONSES) this.line = [res]
    else this.line.push(res)
  }

  /** The connection closed: every request still in flight is aborted. */
  closed(err: Error | undefined): void {
    if (this.headSince >= 0) this.app.waitingForHead(this, false)
    const reason = err ?? closedError()
    for (const entry of this.line) {
      entry.queued = false
      entry.req.abort(reason)
      entry.abort()
    }
    this.line = NO_RESPONSES
    this.reading?.req.abort(reason)
    this.reading = null
    this.input = null
    this.pendingAt = -1 // the connection is gone: nothing more is written
  }

  /** The peer ended its side: a request partly received can never complete. */
  peerEnded(): void {
    if (this.reading !== null) {
      this.fail(400) // the body was cut short (RFC 9112 §8): never handled as complete
      return
    }
    this.last = true
    this.input = null
    if (this.line.length === 0) {
      this.writePending()
      this.conn.end()
    }
  }

  /** The headers timeout: answer 408 and close. */
  timedOut(): void {
    this.fail(408)
  }

  private pause(reason: number): void {
    if (this.pauses === 0) this.conn.pause()
    this.pauses |= reason
  }

  private resume(reason: number): void {
    if ((this.pauses & reason) === 0) return
    this.pauses &= ~reason
    if (this.pauses === 0) this.conn.resume()
  }
}

const CONTINUE = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1')
/** What an upgrade request usually has after its head: nothing (shared; it cannot be written). */
const NOTHING_AFTER_HEAD = Buffer.alloc(0)

function closedError(): Error {
  return serverError('ECONNRESET', 'the connection closed before the response ended')
}
