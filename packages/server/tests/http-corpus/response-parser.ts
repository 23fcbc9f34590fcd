/**
 * A small, strict HTTP/1.x response parser for the corpus driver: status line, header fields,
 * and a body delimited by Content-Length, by chunked framing or by the close of the connection.
 * It re-parses from the start of a response whenever more bytes arrive, which is plenty for
 * the short answers of the reference handler and keeps the code a straight reading of RFC 9112.
 */
import type { FieldPair } from './handler-report.js'

/** One response read off the wire. */
export interface ParsedResponse {
  /** '1.1' or '1.0'. */
  version: string
  status: number
  reason: string
  /** Header fields in order, names lower-cased. */
  headers: FieldPair[]
  body: Buffer
  /** Trailer fields of a chunked response. */
  trailers: FieldPair[]
  /** How many bytes of the stream the response took. */
  size: number
}

/** The server sent something that is not an HTTP/1.x response. */
export class ResponseSyntaxError extends Error {
  override name = 'ResponseSyntaxError'
}

/** What the parser is told about the response it reads. */
export interface ResponseContext {
  /** The response answers a HEAD request: no body follows whatever the headers say. */
  head: boolean
  /** The connection has been closed: a close-delimited body is complete. */
  eof: boolean
}

const STATUS_LINE = /^HTTP\/1\.([01]) ([0-9]{3}) ([\t\x20-\x7e\x80-\xff]*)$/
const FIELD_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[\t ]*(.*?)[\t ]*$/

/**
 * Parses the response that starts at `offset` of `data`. Returns undefined while it is
 * incomplete; throws ResponseSyntaxError when the bytes cannot be a response.
 */
export function parseResponse(data: Buffer, offset: number, context: ResponseContext): ParsedResponse | undefined {
  const head = readFieldBlock(data, offset)
  if (!head) return undefined
  const [statusLine, ...fieldLines] = head.lines
  const status = STATUS_LINE.exec(statusLine!)
  if (!status) throw new ResponseSyntaxError(`not a status line: ${JSON.stringify(statusLine)}`)
  const code = Number(status[2])
  const headers = fieldLines.map(parseField)
  const base = { version: `1.${status[1]}`, status: code, reason: status[3]!, headers }

  const bodyStart = head.end
  if (context.head || code < 200 || code === 204 || code === 304) {
    return { ...base, body: Buffer.alloc(0), trailers: [], size: bodyStart - offset }
  }
  const transferEncoding = headers.filter(([name]) => name === 'transfer-encoding').map(([, value]) => value)
  const contentLength = headers.filter(([name]) => name === 'content-length').map(([, value]) => value)
  if (transferEncoding.length > 0) {
    const codings = transferEncoding.join(',').split(',').map((coding) => coding.trim().toLowerCase())
    if (codings[codings.length - 1] !== 'chunked') throw new ResponseSyntaxError(`response Transfer-Encoding does not end in chunked: ${codings}`)
    const chunked = readChunkedBody(data, bodyStart)
    if (!chunked) return undefined
    return { ...base, body: chunked.body, trailers: chunked.trailers, size: chunked.end - offset }
  }
  if (contentLength.length > 0) {
    if (contentLength.length > 1 || !/^[0-9]+$/.test(contentLength[0]!)) {
      throw new ResponseSyntaxError(`invalid response Content-Length: ${JSON.stringify(contentLength)}`)
    }
    const length = Number(contentLength[0])
    if (data.length - bodyStart < length) return undefined
    return { ...base, body: data.subarray(bodyStart, bodyStart + length), trailers: [], size: bodyStart + length - offset }
  }
  if (!context.eof) return undefined
  return { ...base, body: data.subarray(bodyStart), trailers: [], size: data.length - offset }
}

/** Reads CRLF-terminated lines up to the empty line; undefined while the empty line has not arrived. */
function readFieldBlock(data: Buffer, offset: number): { lines: string[]; end: number } | undefined {
  const lines: string[] = []
  let position = offset
  for (;;) {
    const lf = data.indexOf(0x0a, position)
    if (lf < 0) return undefined
    if (lf === position || data[lf - 1] !== 0x0d) {
      throw new ResponseSyntaxError(`a line of the response ends in a bare LF at byte ${lf - offset}`)
    }
    const line = data.toString('latin1', position, lf - 1)
    if (line.includes('\r')) throw new ResponseSyntaxError(`a bare CR inside response line ${JSON.stringify(line)}`)
    position = lf + 1
    if (line === '') {
      if (lines.length === 0) throw new ResponseSyntaxError('an empty line where the status line belongs')
      return { lines, end: position }
    }
    lines.push(line)
  }
}

function parseField(line: string): FieldPair {
  const field = FIELD_LINE.exec(line)
  if (!field) throw new ResponseSyntaxError(`not a header field line: ${JSON.stringify(line)}`)
  return [field[1]!.toLowerCase(), field[2]!]
}

function readChunkedBody(data: Buffer, start: number): { body: Buffer; trailers: FieldPair[]; end: number } | undefined {
  const chunks: Buffer[] = []
  let position = start
  for (;;) {
    const lf = data.indexOf(0x0a, position)
    if (lf < 0) return undefined
    const sizeLine = data.toString('latin1', position, lf + 1)
    const size = /^([0-9a-fA-F]{1,12})(;[^\r\n]*)?\r\n$/.exec(sizeLine)
    if (!size) throw new ResponseSyntaxError(`bad chunk-size line in the response: ${JSON.stringify(sizeLine)}`)
    const length = Number.parseInt(size[1]!, 16)
    position = lf + 1
    if (length === 0) {
      const trailers = readFieldBlockAfterLastChunk(data, position)
      if (!trailers) return undefined
      return { body: Buffer.concat(chunks), trailers: trailers.lines.map(parseField), end: trailers.end }
    }
    if (data.length < position + length + 2) return undefined
    if (data[position + length] !== 0x0d || data[position + length + 1] !== 0x0a) {
      throw new ResponseSyntaxError('a chunk of the response is not followed by CRLF')
    }
    chunks.push(data.subarray(position, position + length))
    position += length + 2
  }
}

function readFieldBlockAfterLastChunk(data: Buffer, position: number): { lines: string[]; end: number } | undefined {
  if (data.length < position + 2) return undefined
  if (data[position] === 0x0d && data[position + 1] === 0x0a) return { lines: [], end: position + 2 }
  // Trailer fields: reuse the field-block reader; the "status line" slot is the first trailer.
  return readFieldBlock(data, position)
}
