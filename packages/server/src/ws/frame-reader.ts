/**
 * Reads the frames a client sends (RFC 6455 §5) from the bytes as they arrive, and turns them
 * into messages and control frames, failing the connection on any violation: a frame that is
 * not masked (§5.1), RSV bits without an extension (§5.2), a reserved opcode, a control frame
 * over 125 bytes or fragmented (§5.5), a continuation with no message to continue or a new
 * message inside one (§5.4), a 64-bit length with its top bit set, a message over
 * `maxPayloadLength` (1009), text that is not UTF-8 (1007, §8.1).
 *
 * A message that arrives as one frame in one read is unmasked in place and handed over as a
 * view of the read buffer: no copy. Fragmented messages, and frames split across reads, are
 * assembled in memory of their own.
 */
import { isUtf8 } from 'node:buffer'
import { CloseCode, Opcode, unmask } from './frames.js'

/** What the reader hands its connection. */
export interface FrameSink {
  /** A complete message. `data` is valid only during the call unless `owned`. */
  message(data: Buffer, isBinary: boolean): void
  /** A ping, pong or close frame (payload at most 125 bytes, unmasked). */
  control(opcode: Opcode, payload: Buffer): void
  /** The client broke the protocol: close with `code`. */
  fail(code: number, reason: string): void
}

const EXPECT_HEADER = -1

export class FrameReader {
  /** No more frames are read (after a failure or a Close frame). */
  stopped = false
  private carry: Buffer | null = null
  /** Payload bytes of the current frame still to come, or EXPECT_HEADER. */
  private remaining = EXPECT_HEADER
  private opcode = 0
  private fin = false
  private key = 0
  /** Payload bytes of the current frame already read (the masking key's phase). */
  private phase = 0
  /** Opcode of the fragmented message in progress (Text/Binary), or 0. */
  private messageOpcode = 0
  /** Pieces of a message that came in several reads or frames (made on first use). */
  private parts: Buffer[] | null = null
  private messageLength = 0
  private control: Buffer | null = null

  constructor(
    private readonly maxPayloadLength: number,
    private readonly sink: FrameSink,
  ) {}

  /** Reads `chunk` (writable: masked payloads are unmasked in place). */
  read(chunk: Buffer): void {
    let buf = chunk
    if (this.carry !== null) {
      buf = Buffer.concat([this.carry, chunk])
      this.carry = null
    }
    const end = buf.length
    let i = 0
    while (i < end && !this.stopped) {
      if (this.remaining === EXPECT_HEADER) {
        const next = this.header(buf, i, end)
        if (next < 0) {
          if (!this.stopped) this.carry = Buffer.from(buf.subarray(i, end)) // the header is split: wait for the rest
          return
        }
        i = next
        if ((this.remaining as number) === 0) this.frameDone(buf, i, i)
        continue
      }
      const n = Math.min(this.remaining, end - i)
      this.payload(buf, i, i + n)
      i += n
    }
  }

  /** Parses the header at `i`; returns where the payload starts, or -1 (incomplete, or failed). */
  private header(buf: Buffer, i: number, end: number): number {
    if (end - i < 2) return -1
    const b0 = buf[i]
    const b1 = buf[i + 1]
    // What the first two bytes can refuse, before waiting for the rest of the header.
    if ((b0 & 0x70) !== 0) return this.failed(CloseCode.ProtocolError, 'RSV bits set without an extension')
    if ((b1 & 0x80) === 0) return this.failed(CloseCode.ProtocolError, 'a client frame must be masked')
    const len7 = b1 & 0x7f
    const size = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + 4
    if (end - i < size) return -1
    const opcode = b0 & 0x0f
    const fin = (b0 & 0x80) !== 0
    let length = len7
    if (len7 === 126) length = (buf[i + 2] << 8) | buf[i + 3]
    else if (len7 === 127) {
      const high = buf.readUInt32BE(i + 2)
      if (high > 0x1fffff) return this.failed(high >= 0x80000000 ? CloseCode.ProtocolError : CloseCode.TooBig, 'frame length out of range')
      length = high * 0x1_0000_0000 + buf.readUInt32BE(i + 6)
    }
    if (opcode >= Opcode.Close) {
      if (opcode > Opcode.Pong) return this.failed(CloseCode.ProtocolError, `reserved opcode ${opcode}`)
      if (!fin) return this.failed(CloseCode.ProtocolError, 'a control frame must not be fragmented')
      if (length > 125) return this.failed(CloseCode.ProtocolError, 'a control frame carries at most 125 bytes')
    } else if (opcode === Opcode.Continuation) {
      if (this.messageOpcode === 0) return this.failed(CloseCode.ProtocolError, 'a continuation frame with no message to continue')
    } else if (opcode === Opcode.Text || opcode === Opcode.Binary) {
      if (this.messageOpcode !== 0) return this.failed(CloseCode.ProtocolError, 'a new message inside a fragmented one')
    } else {
      return this.failed(CloseCode.ProtocolError, `reserved opcode ${opcode}`)
    }
    if (opcode < Opcode.Close && this.messageLength + length > this.maxPayloadLength) {
      return this.failed(CloseCode.TooBig, `message over ${this.maxPayloadLength} bytes`)
    }
    this.opcode = opcode
    this.fin = fin
    this.remaining = length
    this.phase = 0
    this.key = buf.readInt32BE(i + size - 4) // an int32 stays a small integer, not a heap number
    if (opcode === Opcode.Text || opcode === Opcode.Binary) this.messageOpcode = opcode
    return i + size
  }

  private failed(code: number, reason: string): number {
    this.stopped = true
    this.sink.fail(code, reason)
    return -1
  }

  /** Payload bytes `buf[start, end)` of the current frame. */
  private payload(buf: Buffer, start: number, end: number): void {
    const n = end - start
    unmask(buf, start, end, this.key, this.phase)
    if (this.opcode >= Opcode.Close) {
      // Control frames are small: collected, even when whole, and handed over as a copy.
      this.control = this.control === null ? Buffer.from(buf.subarray(start, end)) : Buffer.concat([this.control, buf.subarray(start, end)])
    } else if (this.phase === 0 && n === this.remaining && this.fin && this.parts === null) {
      // A whole message in one frame in this read: a view, no copy.
      this.phase += n
      this.remaining = 0
      this.frameDone(buf, start, end)
      return
    } else {
      ;(this.parts ??= []).push(Buffer.from(buf.subarray(start, end)))
      this.messageLength += n
    }
    this.phase += n
    this.remaining -= n
    if (this.remaining === 0) this.frameDone(buf, start, start)
  }

  /** The current frame is complete; `buf[start, end)` is its payload when it was read whole. */
  private frameDone(buf: Buffer, start: number, end: number): void {
    this.remaining = EXPECT_HEADER
    const opcode = this.opcode
    if (opcode >= Opcode.Close) {
      const payload = this.control ?? EMPTY
      this.control = null
      this.sink.control(opcode, payload)
      return
    }
    if (!this.fin) return // more fragments to come
    let data: Buffer
    const parts = this.parts
    if (end > start) data = buf.subarray(start, end)
    else if (parts === null) data = EMPTY
    else data = parts.length === 1 ? parts[0] : Buffer.concat(parts, this.messageLength)
    const isBinary = this.messageOpcode === Opcode.Binary
    this.messageOpcode = 0
    this.parts = null
    this.messageLength = 0
    if (!isBinary && !isUtf8(data)) {
      this.failed(CloseCode.InvalidPayload, 'a text message that is not UTF-8')
      return
    }
    this.sink.message(data, isBinary)
  }
}

const EMPTY = Buffer.alloc(0)
