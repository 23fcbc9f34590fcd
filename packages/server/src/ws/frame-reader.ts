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
 *
 * The reader is the base class of the WebSocket, not an object beside it: a server holds tens
 * of thousands of idle WebSockets, and one object with a few small-integer fields costs a
 * fraction of two objects with a dozen fields each. What only a message in pieces needs lives
 * in a `PartialInput` made on first use and dropped when the message is complete.
 */
import { Buffer, isUtf8 } from 'node:buffer'
import { CloseCode, Opcode, unmask } from './frames.js'

/**
 * Bits of `FrameReader.flags` the reader owns. A subclass keeps its own bits in the same word
 * from `ReaderBit.FirstFree` up (one field instead of two on every connection).
 */
export const enum ReaderBit {
  /** Bits 0-3: the opcode of the frame being read. */
  Opcode = 0x0f,
  /** The frame being read is the last of its message (where FIN is in the frame's first byte). */
  Fin = 0x80,
  /** Shift of the opcode of the fragmented message in progress (Text/Binary; 0: none). */
  MessageShift = 8,
  /** Bits 8-11: that opcode. */
  Message = 0xf00,
  /** No more frames are read (after a failure or a Close frame). */
  Stopped = 0x1000,
  /** The lowest bit a subclass may use. */
  FirstFree = 0x10000,
}

/**
 * Largest one-frame message collected into a buffer of its final size from its first piece on.
 * Larger ones are collected piece by piece and joined at the end, so that a peer announcing a
 * large frame makes the server hold only what it has sent.
 */
const WHOLE_MESSAGE_BYTES = 64 * 1024

/** Payload bytes of the current frame still to come: none, a header is expected. */
const EXPECT_HEADER = -1

/** Input kept between reads: made when a header, frame or message comes in pieces. */
class PartialInput {
  /** The start of a header split across reads. */
  carry: Buffer | null = null
  /** Pieces of a message that came in several reads or frames. */
  parts: Buffer[] | null = null
  /** Bytes in `parts`, or in `message`. */
  messageLength = 0
  /**
   * A message of one frame, at most WHOLE_MESSAGE_BYTES long, that began in an earlier read:
   * made at its full size when its first bytes came, filled as the rest comes (one copy).
   */
  message: Buffer | null = null
  /** The payload so far of a control frame split across reads. */
  control: Buffer | null = null
}

/** The frame parser of a WebSocket: the WebSocket extends it and receives what it reads. */
export abstract class FrameReader {
  /** `ReaderBit`s, and the subclass's bits above them. @internal */
  protected flags = 0
  /** Payload bytes of the current frame still to come, or EXPECT_HEADER. */
  #remaining = EXPECT_HEADER
  /** The current frame's masking key (an int32: a small integer, not a heap number). */
  #key = 0
  /** Payload bytes of the current frame already read (the masking key's phase). */
  #phase = 0
  #partial: PartialInput | null = null

  /** Most bytes one message may have. @internal */
  protected abstract get maxPayloadLength(): number
  /** A complete message. `data` is valid only during the call. @internal */
  abstract message(data: Buffer, isBinary: boolean): void
  /** A ping, pong or close frame (payload at most 125 bytes, unmasked, a copy). @internal */
  abstract control(opcode: Opcode, payload: Buffer): void
  /** The client broke the protocol: close with `code`. @internal */
  abstract fail(code: number, reason: string): void

  /** No more frames are read (after a failure or a Close frame). @internal */
  get stopped(): boolean {
    return (this.flags & ReaderBit.Stopped) !== 0
  }

  /** Stops reading frames: nothing after a Close frame is read (§5.5.1). @internal */
  protected stopReading(): void {
    this.flags |= ReaderBit.Stopped
  }

  /** Reads `chunk` (writable: masked payloads are unmasked in place). @internal */
  read(chunk: Buffer): void {
    let buf = chunk
    const partial = this.#partial
    if (partial !== null && partial.carry !== null) {
      buf = Buffer.concat([partial.carry, chunk])
      partial.carry = null
    }
    const end = buf.length
    let i = 0
    while (i < end && (this.flags & ReaderBit.Stopped) === 0) {
      if (this.#remaining === EXPECT_HEADER) {
        const next = this.header(buf, i, end)
        if (next < 0) {
          // The header is split: wait for the rest.
          if ((this.flags & ReaderBit.Stopped) === 0) this.partialInput().carry = Buffer.from(buf.subarray(i, end))
          return
        }
        i = next
        if ((this.#remaining as number) === 0) this.frameDone(buf, i, i)
        continue
      }
      const n = Math.min(this.#remaining, end - i)
      this.payload(buf, i, i + n)
      i += n
    }
  }

  private partialInput(): PartialInput {
    return (this.#partial ??= new PartialInput())
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
    const flags = this.flags
    const messageOpcode = (flags & ReaderBit.Message) >> ReaderBit.MessageShift
    if (opcode >= Opcode.Close) {
      if (opcode > Opcode.Pong) return this.failed(CloseCode.ProtocolError, `reserved opcode ${opcode}`)
      if (!fin) return this.failed(CloseCode.ProtocolError, 'a control frame must not be fragmented')
      if (length > 125) return this.failed(CloseCode.ProtocolError, 'a control frame carries at most 125 bytes')
    } else if (opcode === Opcode.Continuation) {
      if (messageOpcode === 0) return this.failed(CloseCode.ProtocolError, 'a continuation frame with no message to continue')
    } else if (opcode === Opcode.Text || opcode === Opcode.Binary) {
      if (messageOpcode !== 0) return this.failed(CloseCode.ProtocolError, 'a new message inside a fragmented one')
    } else {
      return this.failed(CloseCode.ProtocolError, `reserved opcode ${opcode}`)
    }
    if (opcode < Opcode.Close && (this.#partial?.messageLength ?? 0) + length > this.maxPayloadLength) {
      return this.failed(CloseCode.TooBig, `message over ${this.maxPayloadLength} bytes`)
    }
    let next = (flags & ~(ReaderBit.Opcode | ReaderBit.Fin)) | (b0 & (ReaderBit.Opcode | ReaderBit.Fin))
    if (opcode === Opcode.Text || opcode === Opcode.Binary) next = (next & ~ReaderBit.Message) | (opcode << ReaderBit.MessageShift)
    this.flags = next
    this.#remaining = length
    this.#phase = 0
    this.#key = buf.readInt32BE(i + size - 4) // an int32 stays a small integer, not a heap number
    return i + size
  }

  private failed(code: number, reason: string): number {
    this.flags |= ReaderBit.Stopped
    this.fail(code, reason)
    return -1
  }

  /** Payload bytes `buf[start, end)` of the current frame. */
  private payload(buf: Buffer, start: number, end: number): void {
    const n = end - start
    unmask(buf, start, end, this.#key, this.#phase)
    const whole = this.#phase === 0 && n === this.#remaining
    if ((this.flags & ReaderBit.Opcode) >= Opcode.Close) {
      // Control frames are small: handed over as a copy, even when whole.
      if (!whole) {
        const partial = this.partialInput()
        const control = partial.control
        partial.control = control === null ? Buffer.from(buf.subarray(start, end)) : Buffer.concat([control, buf.subarray(start, end)])
      }
    } else if (whole && (this.flags & ReaderBit.Fin) !== 0 && (this.#partial === null || this.#partial.parts === null)) {
      // A whole message in one frame in this read: a view, no copy.
      this.#phase = n
      this.#remaining = 0
      this.frameDone(buf, start, end)
      return
    } else {
      const partial = this.partialInput()
      if (partial.message === null && partial.parts === null && this.#phase === 0 && (this.flags & ReaderBit.Fin) !== 0 && this.#remaining <= WHOLE_MESSAGE_BYTES) {
        partial.message = Buffer.allocUnsafe(this.#remaining)
        partial.messageLength = 0
      }
      if (partial.message !== null) buf.copy(partial.message, partial.messageLength, start, end)
      else (partial.parts ??= []).push(Buffer.from(buf.subarray(start, end)))
      partial.messageLength += n
    }
    this.#phase += n
    this.#remaining -= n
    if (this.#remaining === 0) this.frameDone(buf, whole ? start : end, end)
  }

  /**
   * The current frame is complete; `buf[start, end)` is its payload when it was read whole
   * (a data frame's only when it is its message's only frame).
   */
  private frameDone(buf: Buffer, start: number, end: number): void {
    this.#remaining = EXPECT_HEADER
    const flags = this.flags
    const opcode = flags & ReaderBit.Opcode
    const partial = this.#partial
    if (opcode >= Opcode.Close) {
      let payload: Buffer = EMPTY
      if (partial !== null && partial.control !== null) {
        payload = partial.control
        partial.control = null
      } else if (end > start) payload = Buffer.from(buf.subarray(start, end))
      if ((flags & ReaderBit.Message) === 0) this.#partial = null // no message in pieces either
      this.control(opcode, payload)
      return
    }
    if ((flags & ReaderBit.Fin) === 0) return // more fragments to come
    let data: Buffer
    const parts = partial?.parts ?? null
    if (partial !== null && partial.message !== null) data = partial.message
    else if (parts === null) data = end > start ? buf.subarray(start, end) : EMPTY
    else data = parts.length === 1 ? parts[0] : Buffer.concat(parts, partial!.messageLength)
    const isBinary = (flags & ReaderBit.Message) === Opcode.Binary << ReaderBit.MessageShift
    this.flags = flags & ~ReaderBit.Message
    this.#partial = null // a data frame completes with nothing carried or collected
    if (!isBinary && !isUtf8(data)) {
      this.failed(CloseCode.InvalidPayload, 'a text message that is not UTF-8')
      return
    }
    this.message(data, isBinary)
  }
}

const EMPTY = Buffer.alloc(0)
