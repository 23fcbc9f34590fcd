/**
 * A request, as the handler sees it. Nothing is decoded until asked for: the method, the
 * target and the header fields are offsets into the bytes of the request head, and a string
 * (or the `headers` object) is made the first time a handler reads it.
 */
import { Buffer } from 'node:buffer'
import type { Connection } from '../engine/connection.js'
import { invalidArgType, outOfRange, serverError as codeError } from '../errors.js'
import { HeadFlag, type RequestHead } from './head-parser.js'
import { HttpResponse, type ResponseSink } from './response.js'

/** What a request needs from its connection: flow control of its body, and 100-continue. */
export interface BodySource {
  /** The handler wants the body: send 100 Continue if the client waits for it. */
  wantBody(req: HttpRequest): void
  /** Buffered body bytes reached the high-water mark (true) or were taken (false). */
  bodyBackpressure(req: HttpRequest, full: boolean): void
  /** Bytes of body buffered before reading pauses. */
  readonly bodyHighWaterMark: number
}

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']
const EMPTY = Buffer.alloc(0)

interface Reader {
  resolve(result: IteratorResult<Buffer>): void
  reject(error: Error): void
}

/** The body as it arrives, until the handler takes it. */
class BodyQueue {
  chunks: Buffer[] = []
  buffered = 0
  /** A `for await` waiting for the next chunk. */
  reader: Reader | null = null
  /** Reading from the socket is paused for this body. */
  paused = false
  /** The response ended without it: dropped as it comes. */
  discard = false
}

/** Trailer fields of a chunked body: their bytes, offsets, and the object once built. */
interface Trailer {
  bytes: Buffer
  fields: number[]
  object: Record<string, string> | null
}

/**
 * An HTTP request. `headers` are lower-cased names; `header(name)` reads one field without
 * building the object. The body is read with `await req.body()`, `text()`, `json()` or
 * `for await (const chunk of req)`; reading pauses while the handler has not taken what came.
 *
 * @example
 * ```ts
 * createHttpServer({}, async (req, res) => {
 *   if (req.method === 'POST') res.end(`got ${(await req.body({ limit: 65536 })).length} bytes`)
 *   else res.end(`hello from ${req.path}`)
 * })
 * ```
 */
export class HttpRequest implements AsyncIterable<Buffer> {
  /** @internal The connection it came on. */
  declare readonly conn: Connection
  /** @internal The client sent Expect: 100-continue and has not been answered yet. */
  bodyExpectsContinue = false
  /** @internal */
  declare readonly source: BodySource
  /**
   * @internal Its response, made with it: V8 then inlines both constructions into the
   * session's read loop (a response made by the session came after other calls in the budget).
   */
  declare readonly response: HttpResponse
  // The state is TypeScript-private properties rather than `#` fields, and what the
  // constructor sets is declared (not defined) here: a request is made for every request
  // received, inlined into the session's read loop, and V8 inlines within a bytecode budget; a
  // `#` field takes twice the bytecode, and a defined one is written twice.
  declare private _bytes: Uint8Array
  /** Field offsets, found again from the bytes when first asked for (see `_fieldTable`). */
  private _fields: Int32Array | null = null
  declare private _fieldsStart: number
  declare private _headEnd: number
  declare private _methodStart: number
  declare private _methodEnd: number
  declare private _targetStart: number
  declare private _targetEnd: number
  private _method: string | null = null
  private _url: string | null = null
  private _queryAt = -2
  private _headers: Record<string, string> | null = null
  declare private _minor: number
  // body
  /** Body chunks the handler has not taken yet; made when the first one arrives or is asked for. */
  private _body: BodyQueue | null = null
  private _ended = false
  private _wanted = false
  // Set on the rare paths only (declared, not defined: no bytecode in the initializer above).
  /** What the request was aborted with; set once it was. */
  declare private _failure: Error | undefined
  declare private _controller: AbortController | undefined
  declare private _trailer: Trailer | undefined

  /** @internal Made by the connection's parser from `head` (offsets into `bytes`), with its response. */
  constructor(conn: Connection, source: BodySource, sink: ResponseSink, bytes: Uint8Array, head: RequestHead) {
    this.conn = conn
    this.source = source
    this._bytes = bytes
    this._fieldsStart = head.fieldsStart
    this._headEnd = head.headEnd
    this._methodStart = head.methodStart
    this._methodEnd = head.methodEnd
    this._targetStart = head.targetStart
    this._targetEnd = head.targetEnd
    this._minor = head.minor
    this.response = new HttpResponse(sink, this, (head.flags & HeadFlag.Head) !== 0, head.minor)
  }

  /**
   * @internal The head's bytes are moving to `bytes` (a copy, since the read buffer they were
   * parsed from is reused), `shift` bytes earlier.
   */
  rebase(bytes: Uint8Array, shift: number): void {
    this._bytes = bytes
    const f = this._fields
    if (f !== null) for (let k = 0; k < f.length; k++) f[k] -= shift
    this._fieldsStart -= shift
    this._headEnd -= shift
    this._methodStart -= shift
    this._methodEnd -= shift
    this._targetStart -= shift
    this._targetEnd -= shift
  }

  /** The method, case kept ('GET', 'POST', ...). */
  get method(): string {
    if (this._method === null) this._method = this._methodName()
    return this._method
  }

  private _methodName(): string {
    const s = this._methodStart
    const n = this._methodEnd - s
    const b = this._bytes
    for (const m of METHODS) {
      if (m.length !== n) continue
      let k = 0
      while (k < n && b[s + k] === m.charCodeAt(k)) k++
      if (k === n) return m
    }
    return latin1(b, s, this._methodEnd)
  }

  /** The request-target exactly as received ('/a/b?c=d', 'http://host/a', '*'). */
  get url(): string {
    if (this._url === null) this._url = latin1(this._bytes, this._targetStart, this._targetEnd)
    return this._url
  }

  /** The target's path, not decoded: before '?'; the URI's path for absolute-form ('/' when empty); '*' for OPTIONS *. */
  get path(): string {
    const url = this.url
    const q = this._queryIndex()
    let path = q < 0 ? url : url.slice(0, q)
    if (path.charCodeAt(0) !== 0x2f && path !== '*') {
      // absolute-form: drop scheme://authority
      const slash = path.indexOf('/', path.indexOf('//') + 2)
      path = slash < 0 ? '/' : path.slice(slash)
    }
    return path
  }

  /** The text after the first '?', not decoded ('' when there is none). */
  get query(): string {
    const q = this._queryIndex()
    return q < 0 ? '' : this.url.slice(q + 1)
  }

  private _queryIndex(): number {
    if (this._queryAt === -2) this._queryAt = this.url.indexOf('?')
    return this._queryAt
  }

  /** '1.1' or '1.0'. */
  get httpVersion(): '1.0' | '1.1' {
    return this._minor === 0 ? '1.0' : '1.1'
  }

  /** The peer's address (as seen by the server). */
  get remoteAddress(): string | undefined {
    return this.conn.remoteAddress
  }

  /** The peer's port. */
  get remotePort(): number | undefined {
    return this.conn.remotePort
  }

  /**
   * Every header field, names lower-cased; repeated fields joined with ', ' ('; ' for
   * cookie). Built on first use.
   */
  get headers(): Record<string, string> {
    if (this._headers === null) {
      const f = this._fieldTable()
      this._headers = fieldObject(this._bytes, f, f.length / 4)
    }
    return this._headers
  }

  /** The field lines as received, `[name, value, name, value, ...]` (names as sent). */
  get rawHeaders(): string[] {
    const f = this._fieldTable()
    return fieldList(this._bytes, f, f.length / 4)
  }

  /**
   * The field offsets. The parser validated every line already, so finding them again is a
   * plain scan: name to the colon, value between the whitespace, line to its CRLF.
   */
  private _fieldTable(): Int32Array {
    if (this._fields !== null) return this._fields
    const b = this._bytes
    const end = this._headEnd - 2 // the empty line
    const out: number[] = []
    let i = this._fieldsStart
    while (i < end) {
      const nameStart = i
      while (b[i] !== 0x3a) i++
      const nameEnd = i++
      while (b[i] === 0x20 || b[i] === 0x09) i++
      const valueStart = i
      while (b[i] !== 0x0d) i++
      let valueEnd = i
      while (valueEnd > valueStart && (b[valueEnd - 1] === 0x20 || b[valueEnd - 1] === 0x09)) valueEnd--
      out.push(nameStart, nameEnd, valueStart, valueEnd)
      i += 2
    }
    this._fields = Int32Array.from(out)
    return this._fields
  }

  /** One field's value (repeated fields joined), or undefined; builds no object. `name` is case-insensitive. */
  header(name: string): string | undefined {
    if (typeof name !== 'string') throw invalidArgType('name', 'a string', name)
    const f = this._fieldTable()
    return fieldValue(this._bytes, f, f.length / 4, name)
  }

  /** Trailer fields of a chunked body, once it was read in full (else empty). */
  get trailers(): Record<string, string> {
    const t = this._trailer
    if (t === undefined) return {}
    t.object ??= fieldObject(t.bytes, Int32Array.from(t.fields), t.fields.length / 4)
    return t.object
  }

  /** The trailer field lines as received, `[name, value, ...]`. */
  get rawTrailers(): string[] {
    const t = this._trailer
    return t === undefined ? [] : fieldList(t.bytes, Int32Array.from(t.fields), t.fields.length / 4)
  }

  /**
   * Aborted when the client goes away (or the connection is closed) before the response has
   * ended, with the reason.
   */
  get signal(): AbortSignal {
    if (this._controller === undefined) {
      this._controller = new AbortController()
      if (this._failure !== undefined) this._controller.abort(this._failure)
    }
    return this._controller.signal
  }


  // ---- body ----------------------------------------------------------------------------

  /**
   * The whole body. Rejects with `ERR_HTTP_BODY_LIMIT` (and reads no further) once it passes
   * `limit` bytes (default: the server's bodyLimit), or with the error the connection closed with.
   */
  async body(options?: { limit?: number }): Promise<Buffer> {
    const limit = options?.limit ?? Number.MAX_SAFE_INTEGER
    if (typeof limit !== 'number' || !(limit >= 0)) {
      throw outOfRange('limit', 'a number >= 0', limit)
    }
    const parts: Buffer[] = []
    let total = 0
    for await (const chunk of this) {
      total += chunk.length
      if (total > limit) throw codeError('ERR_HTTP_BODY_LIMIT', `request body over ${limit} bytes`)
      parts.push(chunk)
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, total)
  }

  /** The body as UTF-8 text. */
  async text(options?: { limit?: number }): Promise<string> {
    return (await this.body(options)).toString('utf8')
  }

  /** The body parsed as JSON. */
  async json(options?: { limit?: number }): Promise<unknown> {
    return JSON.parse(await this.text(options))
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return { next: () => this._next() }
  }

  private _next(): Promise<IteratorResult<Buffer>> {
    if (!this._wanted) {
      this._wanted = true
      this.source.wantBody(this)
    }
    const body = (this._body ??= new BodyQueue())
    const chunk = body.chunks.shift()
    if (chunk !== undefined) {
      body.buffered -= chunk.length
      if (body.paused && body.buffered < this.source.bodyHighWaterMark) {
        body.paused = false
        this.source.bodyBackpressure(this, false)
      }
      return Promise.resolve({ value: chunk, done: false })
    }
    if (this._failure !== undefined) return Promise.reject(this._failure)
    if (this._ended) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve, reject) => {
      body.reader = { resolve, reject }
    })
  }

  /** @internal True once the handler asked for the body. */
  get bodyWanted(): boolean {
    return this._wanted
  }

  /** @internal True once the whole body arrived. */
  get bodyComplete(): boolean {
    return this._ended
  }

  /** @internal The response ended without the body being read: the rest is dropped as it comes. */
  discardBody(): void {
    const body = (this._body ??= new BodyQueue())
    body.discard = true
    body.chunks.length = 0
    body.buffered = 0
    body.paused = false
  }

  /** @internal Body bytes that arrived (a copy the request keeps). */
  pushBody(chunk: Buffer): void {
    const body = (this._body ??= new BodyQueue())
    if (body.discard) return
    const reader = body.reader
    if (reader !== null) {
      body.reader = null
      reader.resolve({ value: chunk, done: false })
      return
    }
    body.chunks.push(chunk)
    body.buffered += chunk.length
    if (!body.paused && body.buffered >= this.source.bodyHighWaterMark) {
      body.paused = true
      this.source.bodyBackpressure(this, true)
    }
  }

  /** @internal The request has no body: as `endBody()`, before anything could wait for it. */
  noBody(): void {
    this._ended = true
  }

  /** @internal The body is complete (with trailers, for a chunked one). */
  endBody(trailerBytes?: Buffer | null, trailerFields?: number[]): void {
    this._ended = true
    if (trailerBytes != null) this._trailer = { bytes: trailerBytes, fields: trailerFields ?? [], object: null }
    const body = this._body
    const reader = body?.reader ?? null
    if (reader !== null) {
      body!.reader = null
      reader.resolve({ value: undefined, done: true })
    }
  }

  /** @internal True when `err` is what this request was aborted with. */
  abortedWith(err: unknown): boolean {
    return this._failure !== undefined && err === this._failure
  }

  /** @internal The request is over before its response: reject readers, abort the signal. */
  abort(reason: Error): void {
    if (this._failure !== undefined) return
    this._failure = reason
    if (!this._ended) {
      const body = this._body
      const reader = body?.reader ?? null
      if (reader !== null) {
        body!.reader = null
        reader.reject(reason)
      }
    }
    this._controller?.abort(reason)
  }

}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.prototype.latin1Slice.call(bytes, start, end) as string
}

/** The lower-cased name of field `k`. */
function fieldName(bytes: Uint8Array, fields: Int32Array, k: number): string {
  return latin1(bytes, fields[4 * k], fields[4 * k + 1]).toLowerCase()
}

function fieldObject(bytes: Uint8Array, fields: Int32Array, count: number): Record<string, string> {
  const out: Record<string, string> = Object.create(null)
  for (let k = 0; k < count; k++) {
    const name = fieldName(bytes, fields, k)
    const value = latin1(bytes, fields[4 * k + 2], fields[4 * k + 3])
    const prior = out[name]
    out[name] = prior === undefined ? value : `${prior}${name === 'cookie' ? '; ' : ', '}${value}`
  }
  return out
}

function fieldList(bytes: Uint8Array, fields: Int32Array, count: number): string[] {
  const out: string[] = []
  for (let k = 0; k < count; k++) {
    out.push(latin1(bytes, fields[4 * k], fields[4 * k + 1]), latin1(bytes, fields[4 * k + 2], fields[4 * k + 3]))
  }
  return out
}

/** The value of field `name` (ASCII case-insensitive), repeated ones joined; no object built. */
function fieldValue(bytes: Uint8Array, fields: Int32Array, count: number, name: string): string | undefined {
  const n = name.length
  let out: string | undefined
  for (let k = 0; k < count; k++) {
    const s = fields[4 * k]
    if (fields[4 * k + 1] - s !== n) continue
    let j = 0
    for (; j < n; j++) {
      const c = bytes[s + j]
      const w = name.charCodeAt(j)
      if (c !== w && ((c | 0x20) !== (w | 0x20) || (w | 0x20) < 0x61 || (w | 0x20) > 0x7a)) break
    }
    if (j !== n) continue
    const value = latin1(bytes, fields[4 * k + 2], fields[4 * k + 3])
    out = out === undefined ? value : `${out}${n === 6 && name.toLowerCase() === 'cookie' ? '; ' : ', '}${value}`
  }
  return out
}

export { EMPTY as EMPTY_BODY }
