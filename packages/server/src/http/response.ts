/**
 * A response: status and headers first, then the body. With `end(body)` and no `write` before
 * it, the body's length is known and sent as Content-Length; after `write`, HTTP/1.1 uses the
 * chunked coding (HTTP/1.0: the body ends with the connection). Bytes leave through the
 * connection's gathered output: a response of a batch of requests costs no syscall of its own.
 */
import { Buffer } from 'node:buffer'
import { invalidArgType, serverError as codeError } from '../errors.js'
import { dateLine } from './date-header.js'
import { copyBytes } from '../engine/typed-array-calls.js'
import { writeLatin1, writeUtf8 } from '../engine/text-write.js'
import { STATUS_TEXT, bodiless } from './status.js'
import { TCHAR } from './char-classes.js'
import type { HttpRequest } from './request.js'

/** What a response needs from its connection. */
export interface ResponseSink {
  /** Sends `bytes` for `res`, after every earlier response; false under backpressure. */
  send(res: HttpResponse, bytes: Uint8Array): boolean
  /** `res` has ended: every byte was handed to `send`. */
  finished(res: HttpResponse): void
  /** Decides, as the head is written, whether the connection stays open after `res`. */
  keepAlive(res: HttpResponse): boolean
  /** Bytes `res` has waiting (not yet taken by the socket). */
  buffered(res: HttpResponse): number
  /** Runs `fn` with the connection's writes held, sent together after it. */
  cork(fn: () => void): void
  /** `length` bytes of output memory valid until the next flush (see Reactor.scratch). */
  scratch(length: number): Uint8Array
  /** Where `length` bytes of `scratchBytes` start, valid until the next flush, or -1 (see Reactor.scratchAt). */
  scratchAt(length: number): number
  /** The output memory `scratchAt` gives offsets into. */
  readonly scratchBytes: Uint8Array
  /** `send` for the bytes `scratchBytes[at, at + length)` the response wrote. */
  sendScratch(res: HttpResponse, at: number, length: number): boolean
}

type HeaderValue = string | number | readonly string[]
/** The events of a response. */
export type ResponseEvent = 'drain' | 'finish' | 'close'

interface Field {
  name: string
  value: string | string[]
}

const CRLF = '\r\n'
/** Status lines of the usual statuses, made once. */
const STATUS_LINES: Record<number, string> = Object.fromEntries(
  Object.entries(STATUS_TEXT).map(([code, text]) => [code, `HTTP/1.1 ${code} ${text}${CRLF}`]),
)
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1')

/**
 * An HTTP response. Node's names: `statusCode`, `setHeader`, `getHeader`, `removeHeader`,
 * `writeHead`, `write` (false under backpressure: wait for `'drain'`, or `await res.drained()`),
 * `end`, plus `cork(fn)` and `aborted`.
 *
 * @example
 * ```ts
 * res.setHeader('content-type', 'text/plain')
 * res.end('hello')
 * ```
 */
export class HttpResponse {
  /** The status code sent with the head (default 200). */
  statusCode = 200
  /** The reason phrase; default: the standard one for the status. */
  declare statusMessage: string | undefined
  /** @internal */
  declare readonly sink: ResponseSink
  /** @internal True for a response to HEAD: no body is sent. */
  declare readonly head: boolean
  /** @internal 0 or 1: the request's HTTP minor version. */
  declare readonly minor: number
  /** @internal The request this answers. */
  declare readonly req: HttpRequest
  /** @internal In its connection's line of responses (see HttpSession). */
  queued = false
  /** @internal `end` was called and every byte handed over. */
  done = false
  /** @internal The connection closes after this response (an error answer). */
  declare closeAfter?: boolean
  /** @internal Output held while an earlier response is still going out. */
  declare held?: Uint8Array[]
  /** @internal Bytes in `held`. */
  declare heldBytes?: number
  // The state is TypeScript-private properties rather than `#` fields, and what the constructor
  // sets or only rare paths set (absent reads as undefined) is declared, not defined: a response
  // is made for every request, inlined into the session's read loop, and V8 inlines within a
  // bytecode budget; a `#` field takes twice the bytecode, and a defined one is written twice.
  declare private _fields?: Map<string, Field>
  private _headersSent = false
  private _ended = false
  declare private _aborted?: boolean
  declare private _chunked?: boolean
  private _declared = -1
  private _written = 0
  private _keepAlive = true

  /** @internal Made by the connection for each request. */
  constructor(sink: ResponseSink, req: HttpRequest, head: boolean, minor: number) {
    this.sink = sink
    this.req = req
    this.head = head
    this.minor = minor
  }

  declare private _listeners?: Map<ResponseEvent, Array<() => void>>

  /**
   * Listens for 'drain' (buffered output fell under the high-water mark), 'finish' (the
   * response ended) or 'close' (it left completely, or the connection closed first).
   */
  on(event: ResponseEvent, listener: () => void): this {
    if (this._listeners === undefined) this._listeners = new Map()
    const list = this._listeners.get(event)
    if (list === undefined) this._listeners.set(event, [listener])
    else list.push(listener)
    return this
  }

  /** Like `on`, for one call. */
  once(event: ResponseEvent, listener: () => void): this {
    const once = () => {
      this.off(event, once)
      listener()
    }
    return this.on(event, once)
  }

  /** Removes a listener added with `on`. */
  off(event: ResponseEvent, listener: () => void): this {
    const list = this._listeners?.get(event)
    const at = list?.indexOf(listener) ?? -1
    if (at >= 0) list!.splice(at, 1)
    return this
  }

  /** `on`, by Node's other names. */
  addListener(event: ResponseEvent, listener: () => void): this {
    return this.on(event, listener)
  }

  removeListener(event: ResponseEvent, listener: () => void): this {
    return this.off(event, listener)
  }

  /** How many listeners `event` has. */
  listenerCount(event: ResponseEvent): number {
    return this._listeners?.get(event)?.length ?? 0
  }

  /** @internal Calls the listeners of `event`. */
  emit(event: ResponseEvent): boolean {
    const list = this._listeners?.get(event)
    if (list === undefined || list.length === 0) return false
    for (const listener of [...list]) listener()
    return true
  }

  /** True once the head was sent (after the first `write` or `end`). */
  get headersSent(): boolean {
    return this._headersSent
  }

  /** True once `end()` was called. */
  get writableEnded(): boolean {
    return this._ended
  }

  /** True when the connection closed before the response ended (nothing more can be sent). */
  get aborted(): boolean {
    return this._aborted === true
  }

  /** @internal True when the connection stays open after this response. */
  get keepsAlive(): boolean {
    return this._keepAlive
  }

  /** Sets a header (replacing one of the same name, case-insensitively). */
  setHeader(name: string, value: HeaderValue): this {
    if (this._headersSent) throw codeError('ERR_HTTP_HEADERS_SENT', 'cannot set headers after they are sent')
    checkName(name)
    const v = Array.isArray(value) ? value.map((x) => this._value(name, String(x))) : this._value(name, String(value))
    if (this._fields === undefined) this._fields = new Map()
    this._fields.set(name.toLowerCase(), { name, value: v as string | string[] })
    return this
  }

  /** A header set with `setHeader`, or undefined. */
  getHeader(name: string): string | string[] | undefined {
    return this._fields?.get(String(name).toLowerCase())?.value
  }

  /** True when `name` was set. */
  hasHeader(name: string): boolean {
    return this._fields?.has(String(name).toLowerCase()) ?? false
  }

  /** Removes a header set with `setHeader`. */
  removeHeader(name: string): void {
    if (this._headersSent) throw codeError('ERR_HTTP_HEADERS_SENT', 'cannot remove headers after they are sent')
    this._fields?.delete(String(name).toLowerCase())
  }

  /** Names of the headers set, lower-cased. */
  getHeaderNames(): string[] {
    return this._fields === undefined ? [] : [...this._fields.keys()]
  }

  /** Sets the status (and reason, and headers) at once; sent with the first write or end. */
  writeHead(statusCode: number, statusMessage?: string | Record<string, HeaderValue>, headers?: Record<string, HeaderValue>): this {
    if (this._headersSent) throw codeError('ERR_HTTP_HEADERS_SENT', 'cannot write the head twice')
    if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 999) {
      throw Object.assign(new RangeError(`"statusCode" must be an integer from 100 to 999, got ${statusCode}`), { code: 'ERR_HTTP_INVALID_STATUS_CODE' })
    }
    if (typeof statusMessage === 'object') {
      headers = statusMessage
      statusMessage = undefined
    }
    this.statusCode = statusCode
    if (statusMessage !== undefined) this.statusMessage = this._value('statusMessage', String(statusMessage))
    if (headers !== undefined) for (const name of Object.keys(headers)) this.setHeader(name, headers[name])
    return this
  }

  /** Checks a value for the head (latin1, no control bytes). */
  private _value(name: string, value: string): string {
    checkValue(name, value)
    return value
  }

  /**
   * Sends part of the body. Returns false once the connection holds `highWaterMark` bytes or
   * more for the socket: wait for `'drain'` (or `await res.drained()`) before writing more.
   */
  write(chunk: string | Uint8Array, encoding?: BufferEncoding): boolean {
    if (this._ended) throw codeError('ERR_STREAM_WRITE_AFTER_END', 'write after end')
    if (this._aborted) return false
    const bytes = toBytes(chunk, encoding)
    if (!this._headersSent) this._sendHead(-1)
    return this._body(bytes)
  }

  /**
   * Ends the response, with an optional last piece of body. The common case, a string body
   * with no header set, is written by `_endPlain`; everything else by `_endGeneral` (apart, so
   * that this stays small enough for V8 to inline into the handler that calls it).
   */
  end(chunk?: string | Uint8Array, encoding?: BufferEncoding): this {
    if (this._ended) return this
    this._ended = true
    if (this._aborted) return this
    if (typeof chunk === 'string' && !this._headersSent && (encoding === undefined || encoding === 'utf8') && this._endPlain(chunk)) return this
    this._endGeneral(chunk, encoding)
    return this
  }

  /**
   * `end(text)` before the head went out, when the head is a cached plain one (see
   * `plainHead`): head and body written into one piece of output memory. False when it is not.
   */
  private _endPlain(text: string): boolean {
    const fields = this._fields
    if (this.head || bodiless(this.statusCode) || (fields !== undefined && fields.size > 0) || this.statusMessage !== undefined || this.minor !== 1) {
      return false // (before the body's length is counted: `_endGeneral` counts it)
    }
    const status = this.statusCode
    const again = text === repeatText && status === repeatStatus
    const length = again ? repeatLength : asciiLength(text)
    const plain = this._plainHead(length)
    if (plain === null) return false
    // Written at an offset of the scratch memory: no view of its own, so that the responses
    // to a pipelined batch leave as one (see HttpSession.sendScratch).
    const size = plain.length + length
    const at = this.sink.scratchAt(size)
    const out = at < 0 ? new Uint8Array(size) : this.sink.scratchBytes
    const from = at < 0 ? 0 : at
    if (again && plain === repeatHead) copyBytes.call(out, repeatWhole!, from)
    else {
      copyBytes.call(out, plain, from)
      writeUtf8(out, text, from + plain.length, length)
      if (again) {
        // The same answer twice in a row (since the head last changed, each second): kept whole.
        repeatHead = plain
        repeatWhole = out.slice(from, from + size)
      } else if (length <= SHORT_STRING) {
        repeatText = text
        repeatStatus = status
        repeatLength = length
        repeatHead = null
      }
    }
    this._written = length
    if (at < 0) this.sink.send(this, out)
    else this.sink.sendScratch(this, at, size)
    this._done()
    return true
  }

  /** `end` for everything but `_endPlain`'s case (`_ended` is set already). */
  private _endGeneral(chunk: string | Uint8Array | undefined, encoding: BufferEncoding | undefined): void {
    if (!this._headersSent) {
      if (typeof chunk === 'string' && !this.head && !bodiless(this.statusCode) && (encoding === undefined || encoding === 'utf8')) {
        // A string body: head and body written into one piece of output memory.
        const length = Buffer.byteLength(chunk)
        const head = this._headText(length)
        const out = this.sink.scratch(head.length + length)
        // An ASCII body (as many bytes as characters) is the same in latin1: one write for both.
        writeLatin1(out, head, 0)
        writeUtf8(out, chunk, head.length, length)
        this._written = length
        this.sink.send(this, out)
        this._done()
        return
      }
      const bytes = chunk === undefined ? null : toBytes(chunk, encoding)
      this._sendHead(bytes === null ? 0 : bytes.length)
      if (bytes !== null) this._body(bytes)
    } else if (chunk !== undefined) {
      this._body(toBytes(chunk, encoding))
    }
    if (this._chunked) this.sink.send(this, LAST_CHUNK)
    this._done()
  }

  /** Runs `fn` with writes held, then sends them together. */
  cork(fn: () => void): void {
    this.sink.cork(fn)
  }

  /** Resolves once buffered output is under the high-water mark again (at once if it is). */
  drained(): Promise<void> {
    if (this._aborted || this.sink.buffered(this) === 0) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        this.off('drain', done)
        this.off('close', done)
        resolve()
      }
      this.on('drain', done)
      this.on('close', done)
    })
  }

  private _done(): void {
    if (this._declared >= 0 && this._written !== this._declared && !this.head) {
      // Fewer bytes than the Content-Length promised: the framing is broken; only closing helps.
      this._keepAlive = false
    }
    this.sink.finished(this)
    if (this.listenerCount('finish') > 0) this.emit('finish')
  }

  private _body(bytes: Uint8Array): boolean {
    if (bytes.length === 0 || this.head || bodiless(this.statusCode)) return true
    if (this._declared >= 0 && this._written + bytes.length > this._declared) {
      throw codeError('ERR_HTTP_CONTENT_LENGTH_MISMATCH', `body longer than the Content-Length ${this._declared}`)
    }
    this._written += bytes.length
    if (!this._chunked) return this.sink.send(this, bytes)
    this.sink.send(this, Buffer.from(`${bytes.length.toString(16)}\r\n`, 'latin1'))
    this.sink.send(this, bytes)
    return this.sink.send(this, Buffer.from(CRLF, 'latin1'))
  }

  /** Sends the head; `length` is the body length when known (end with a body), else -1. */
  private _sendHead(length: number): void {
    const text = this._headText(length)
    const out = this.sink.scratch(text.length)
    writeLatin1(out, text, 0)
    this.sink.send(this, out)
  }

  /**
   * The head of a plain response, as bytes made once per second and reused: HTTP/1.1, a
   * status with a standard reason, no header fields set (`_endPlain` checked these), a body of
   * `length` bytes, the connection kept alive. Null when the response is not that (the head is
   * then built as text).
   */
  private _plainHead(length: number): Buffer | null {
    this._keepAlive = this._keepAlive && this.sink.keepAlive(this)
    if (!this._keepAlive) return null
    const head = plainHead(this.statusCode, length)
    if (head !== null) {
      this._headersSent = true
      this._declared = length
    }
    return head
  }

  /**
   * The head as latin1 text (every value was checked when it was set), with the framing
   * decided: Content-Length (known length, or set by the handler), chunked (HTTP/1.1, unknown
   * length), or neither (HTTP/1.0: close-delimited).
   */
  private _headText(length: number): string {
    this._headersSent = true
    const status = this.statusCode
    let text =
      this.statusMessage === undefined
        ? (STATUS_LINES[status] ?? `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Unknown'}${CRLF}`)
        : `HTTP/1.1 ${status} ${this.statusMessage}${CRLF}`
    let hasDate = false
    let wantsClose = false
    let connection: string | null = null
    const fields = this._fields
    if (fields !== undefined) {
      for (const [key, field] of fields) {
        if (key === 'content-length') {
          this._declared = Number(field.value)
          if (!Number.isSafeInteger(this._declared) || this._declared < 0) throw codeError('ERR_HTTP_INVALID_HEADER_VALUE', 'invalid Content-Length')
        } else if (key === 'transfer-encoding') continue // framing is the server's
        else if (key === 'date') hasDate = true
        else if (key === 'connection') {
          if (/(^|,)\s*close\s*(,|$)/i.test(String(field.value))) wantsClose = true
          else connection = String(field.value) // upgrade, say: sent unless the connection closes
          continue
        }
        if (Array.isArray(field.value)) for (const v of field.value) text += `${field.name}: ${v}${CRLF}`
        else text += `${field.name}: ${field.value}${CRLF}`
      }
    }
    if (!hasDate) text += dateLine()
    if (this._declared < 0 && !bodiless(status)) {
      if (length >= 0) {
        this._declared = length
        text += `Content-Length: ${length}${CRLF}`
      } else if (this.minor === 1 && !this.head) {
        this._chunked = true
        text += `Transfer-Encoding: chunked${CRLF}`
      } else if (!this.head) wantsClose = true // HTTP/1.0: the body ends with the connection
    } else if (this._declared >= 0) text += `Content-Length: ${this._declared}${CRLF}`
    if (wantsClose) this._keepAlive = false
    this._keepAlive = this._keepAlive && this.sink.keepAlive(this)
    if (!this._keepAlive) text += `Connection: close${CRLF}`
    else if (connection !== null) text += `Connection: ${connection}${CRLF}`
    else if (this.minor === 0) text += `Connection: keep-alive${CRLF}`
    return text + CRLF
  }

  /** @internal The connection closed before the response ended. */
  abort(): void {
    if (this._aborted) return
    this._aborted = !this._ended
    this.emit('close')
  }

  /** @internal The response left completely (or the connection closed after it). */
  closed(): void {
    this.emit('close')
  }
}

/** Heads of plain responses by status and body length (see _plainHead), for the Date in `plainHeadsDate`. */
const plainHeads = new Map<number, Buffer>()
let plainHeadsDate = ''
/** Most heads kept per second: a server answering many different lengths builds the rest as text. */
const PLAIN_HEADS_KEPT = 64
/** Lengths up to this are keyed with their status in one number. */
const PLAIN_LENGTH_LIMIT = 1 << 24

/** The last head `plainHead` returned, and its key: a server answering alike skips the Map. */
let lastPlainKey = -1
let lastPlainHead: Buffer | null = null

function plainHead(status: number, length: number): Buffer | null {
  if (length >= PLAIN_LENGTH_LIMIT) return null // (and the key below is unique per status and length)
  const date = dateLine()
  const key = status * PLAIN_LENGTH_LIMIT + length
  if (key === lastPlainKey && date === plainHeadsDate) return lastPlainHead
  const statusLine = STATUS_LINES[status]
  if (statusLine === undefined) return null
  if (date !== plainHeadsDate) {
    plainHeads.clear()
    plainHeadsDate = date
  }
  let head = plainHeads.get(key)
  if (head === undefined) {
    head = Buffer.from(`${statusLine}${date}Content-Length: ${length}${CRLF}${CRLF}`, 'latin1')
    if (plainHeads.size < PLAIN_HEADS_KEPT) plainHeads.set(key, head)
  }
  lastPlainKey = key
  lastPlainHead = head
  return head
}

/**
 * The last short string `_endPlain` answered with, and its status: a server that answers the
 * same text again (a health check, a fixed reply) has its whole response, head and body, copied
 * with one `set`, rather than the body counted and encoded character by character.
 * `repeatWhole` is made on the second answer in a row with the same head (whose Date changes
 * each second); the status is part of the key so that one text answered with two statuses in
 * turn is not made whole again every time. (Module variables rather than an object's fields:
 * fields whose values change type were read through V8's generic LoadIC.)
 */
let repeatText = ''
let repeatStatus = 0
let repeatLength = 0
let repeatHead: Buffer | null = null
let repeatWhole: Uint8Array | null = null

/** Strings up to this length have their UTF-8 length counted here rather than by Buffer.byteLength. */
const SHORT_STRING = 64

/**
 * `Buffer.byteLength(text)`: for a short text of ASCII characters counted by a loop, which
 * costs less than the call it saves.
 */
function asciiLength(text: string): number {
  const n = text.length
  if (n > SHORT_STRING) return Buffer.byteLength(text)
  for (let k = 0; k < n; k++) if (text.charCodeAt(k) >= 0x80) return Buffer.byteLength(text)
  return n
}

/** A body chunk as bytes: a string encoded (UTF-8 unless `encoding` says otherwise), or the Uint8Array itself. */
function toBytes(chunk: string | Uint8Array, encoding: BufferEncoding | undefined): Uint8Array {
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding)
  if (chunk instanceof Uint8Array) return chunk
  throw invalidArgType('chunk', 'a string, Buffer or Uint8Array', chunk)
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw Object.assign(new TypeError('header name must be a non-empty string'), { code: 'ERR_INVALID_HTTP_TOKEN' })
  }
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i)
    if (c > 0x7f || TCHAR[c] !== 1) {
      throw Object.assign(new TypeError(`header name must be a token, got ${JSON.stringify(name)}`), { code: 'ERR_INVALID_HTTP_TOKEN' })
    }
  }
}

/**
 * Checks a head value: no CR, LF, NUL or other control byte (nothing that could end a field
 * line or the head), nothing above 0xFF (the head is written as latin1).
 */
function checkValue(name: string, value: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if ((c < 0x20 && c !== 9) || c === 0x7f || c > 0xff) {
      throw Object.assign(new TypeError(`invalid character in header "${name}"`), { code: 'ERR_INVALID_CHAR' })
    }
  }
}
