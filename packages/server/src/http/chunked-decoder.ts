/**
 * The chunked transfer coding (RFC 9112 §7.1), decoded incrementally as bytes arrive, with
 * every rule checked: chunk-size is 1*HEXDIG only and may not overflow, extensions follow
 * their grammar (BWS ";" BWS name [ BWS "=" BWS token / quoted-string ]) and are bounded,
 * chunk data must be followed by CRLF, and the trailer section holds real field lines. Any
 * violation stops decoding for good, so no byte of a bad body is ever read as the next request.
 *
 * Chunk data is not copied: `decode` reports the data it found as (start, end) pairs in
 * `slices`, offsets into the buffer it was given. Trailer bytes are copied (they are small and
 * bounded) and parsed once complete.
 */
import { Buffer } from 'node:buffer'
import { COLON, CR, FIELD_VALUE, HEX, HTAB, LF, QDTEXT, SP, TCHAR } from './char-classes.js'

const enum State {
  Size,
  /** Whitespace after the size: only ";" may follow. */
  SizeBws,
  /** After ";": whitespace, then a name. */
  ExtName,
  ExtNameIn,
  /** Whitespace after a name: "=" or ";" may follow. */
  ExtNameAfter,
  /** After "=": whitespace, then a token or a quoted-string. */
  ExtValueBefore,
  ExtValueToken,
  ExtValueQuoted,
  ExtValueEscape,
  /** After a closing quote: CRLF, ";" or whitespace before ";". */
  ExtAfterQuoted,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailers,
  Done,
}

/** Above this a chunk size is refused (413) before it is even complete: no body gets that large. */
const MAX_SIZE = Number.MAX_SAFE_INTEGER / 16

export class ChunkedDecoder {
  private state = State.Size
  private size = 0
  private sizeDigits = 0
  private remaining = 0
  private extBytes = 0
  /** Body bytes decoded so far. */
  received = 0
  /** (start, end) offsets of the chunk data found by the last `decode` call. */
  readonly slices: number[] = []
  /** The trailer section's raw bytes, once the body is complete (null: none). */
  trailerBytes: Buffer | null = null
  /** Trailer fields: 4 offsets into `trailerBytes` per field (name start, end, value start, end). */
  trailerFields: number[] = []
  private trailer: number[] | null = null

  constructor(
    private readonly bodyLimit: number,
    private readonly maxExtensionBytes: number,
    private readonly maxTrailerBytes: number,
  ) {}

  /** True once the last chunk and the trailer section (with its final CRLF) were read. */
  get done(): boolean {
    return this.state === State.Done
  }

  /**
   * Decodes `buf[start, end)`. Returns the index where decoding stopped: `end` when every byte
   * was taken (more are needed), the index just past the body when it is complete, or a
   * negative HTTP status (-400, -413) when the body is malformed or too large.
   */
  decode(buf: Uint8Array, start: number, end: number): number {
    const slices = this.slices
    slices.length = 0
    let i = start
    while (i < end) {
      const c = buf[i]
      switch (this.state) {
        case State.Size: {
          const d = HEX[c]
          if (d !== 255) {
            this.size = this.size * 16 + d
            this.sizeDigits++
            if (this.size > MAX_SIZE || this.received + this.size > this.bodyLimit) return -413
            i++
            continue
          }
          if (this.sizeDigits === 0) return -400
          if (c === CR) this.state = State.SizeLf
          else if (c === SP || c === HTAB) this.state = State.SizeBws
          else if (c === 0x3b) this.state = State.ExtName
          else return -400
          break
        }
        case State.SizeBws: // BWS is allowed before ";" only
          if (c === 0x3b) this.state = State.ExtName
          else if (c !== SP && c !== HTAB) return -400
          break
        case State.ExtName:
          if (TCHAR[c] === 1) this.state = State.ExtNameIn
          else if (c !== SP && c !== HTAB) return -400
          break
        case State.ExtNameIn:
          if (c === CR) this.state = State.SizeLf
          else if (c === 0x3b) this.state = State.ExtName
          else if (c === 0x3d) this.state = State.ExtValueBefore
          else if (c === SP || c === HTAB) this.state = State.ExtNameAfter
          else if (TCHAR[c] !== 1) return -400
          break
        case State.ExtNameAfter:
          if (c === 0x3b) this.state = State.ExtName
          else if (c === 0x3d) this.state = State.ExtValueBefore
          else if (c !== SP && c !== HTAB) return -400
          break
        case State.ExtValueBefore:
          if (TCHAR[c] === 1) this.state = State.ExtValueToken
          else if (c === 0x22) this.state = State.ExtValueQuoted
          else if (c !== SP && c !== HTAB) return -400
          break
        case State.ExtValueToken:
          if (c === CR) this.state = State.SizeLf
          else if (c === 0x3b) this.state = State.ExtName
          else if (c === SP || c === HTAB) this.state = State.SizeBws
          else if (TCHAR[c] !== 1) return -400
          break
        case State.ExtValueQuoted:
          if (c === 0x22) this.state = State.ExtAfterQuoted
          else if (c === 0x5c) this.state = State.ExtValueEscape
          else if (QDTEXT[c] !== 1) return -400
          break
        case State.ExtValueEscape:
          if (c !== HTAB && c !== SP && (c < 0x21 || c === 0x7f)) return -400
          this.state = State.ExtValueQuoted
          break
        case State.ExtAfterQuoted:
          if (c === CR) this.state = State.SizeLf
          else if (c === 0x3b) this.state = State.ExtName
          else if (c === SP || c === HTAB) this.state = State.SizeBws
          else return -400
          break
        case State.SizeLf:
          if (c !== LF) return -400
          this.extBytes = 0
          if (this.size === 0) {
            this.state = State.Trailers
            this.trailer = []
          } else {
            this.state = State.Data
            this.remaining = this.size
          }
          this.size = 0
          this.sizeDigits = 0
          break
        case State.Data: {
          const n = Math.min(this.remaining, end - i)
          slices.push(i, i + n)
          this.remaining -= n
          this.received += n
          i += n
          if (this.remaining === 0) this.state = State.DataCr
          continue
        }
        case State.DataCr:
          if (c !== CR) return -400
          this.state = State.DataLf
          break
        case State.DataLf:
          if (c !== LF) return -400
          this.state = State.Size
          break
        case State.Trailers: {
          const trailer = this.trailer!
          trailer.push(c)
          if (trailer.length > this.maxTrailerBytes) return -431
          const n = trailer.length
          // The section ends with an empty line: CRLF at its very start, or CRLF CRLF.
          if (c === LF && (n === 2 || (n >= 4 && trailer[n - 3] === LF && trailer[n - 4] === CR))) {
            if (trailer[n - 2] !== CR) return -400
            i++
            return this.finish() ? i : -400
          }
          break
        }
        case State.Done:
          return i
      }
      if (this.state >= State.SizeBws && this.state <= State.ExtAfterQuoted && !this.countExt()) return -400
      i++
    }
    return i
  }

  /** Counts one more byte of chunk extension; false once over the bound. */
  private countExt(): boolean {
    return ++this.extBytes <= this.maxExtensionBytes
  }

  /** The trailer section is complete: check its field lines (the same rules as the header section). */
  private finish(): boolean {
    const bytes = Buffer.from(this.trailer!)
    this.trailer = null
    this.state = State.Done
    const fields: number[] = []
    let i = 0
    const end = bytes.length - 2 // the final CRLF
    while (i < end) {
      const nameStart = i
      while (TCHAR[bytes[i]] === 1) i++
      const nameEnd = i
      if (nameEnd === nameStart || bytes[i] !== COLON) return false
      i++
      while (bytes[i] === SP || bytes[i] === HTAB) i++
      const valueStart = i
      while (FIELD_VALUE[bytes[i]] === 1) i++
      let valueEnd = i
      if (bytes[i] !== CR || bytes[i + 1] !== LF) return false
      i += 2
      while (valueEnd > valueStart && (bytes[valueEnd - 1] === SP || bytes[valueEnd - 1] === HTAB)) valueEnd--
      fields.push(nameStart, nameEnd, valueStart, valueEnd)
    }
    this.trailerBytes = fields.length > 0 ? bytes : null
    this.trailerFields = fields
    return true
  }
}
