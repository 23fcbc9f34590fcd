/**
 * Turns the server's frames into the events a case expects (messages, pongs, a close) and fails
 * the case on anything the server must not send (RFC 6455 §5): masked frames, RSV bits,
 * reserved opcodes, fragmented or oversized control frames, broken fragmentation, invalid
 * close payloads. Pings from the server are answered and not reported.
 */
import { isUtf8 } from 'node:buffer'
import type { RawConnection } from '../http-corpus/raw-connection.js'
import { encodeFrame, Opcode, readFrame, type ReadFrame } from './frames.js'

/** Something the server did, at message level. */
export type ServerEvent =
  | { kind: 'message'; type: 'text' | 'binary'; payload: Buffer }
  | { kind: 'pong'; payload: Buffer }
  | { kind: 'close'; code: number | null; reason: Buffer }

/** The server broke the protocol (or the case's expectations) in a way the driver reports. */
export class ConformanceFailure extends Error {}

/** A close code a server may send (RFC 6455 §7.4.1 and §7.4.2, with the IANA registry's 1012-1014). */
export function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) || (code >= 3000 && code <= 4999)
}

/** Reads events off the connection, starting at the byte after the handshake response. */
export class ServerEvents {
  private message: { type: 'text' | 'binary'; parts: Buffer[] } | undefined
  private pushedBack: ServerEvent[] = []
  /** A Close frame has been read; nothing may follow it. */
  closeReceived = false

  constructor(
    private readonly connection: RawConnection,
    private offset: number,
    private readonly maskKey: () => Uint8Array,
  ) {}

  /** The next event, or undefined when the TCP connection ended first. */
  async next(waitingFor: string): Promise<ServerEvent | undefined> {
    const queued = this.pushedBack.shift()
    if (queued) return queued
    for (;;) {
      let frame: ReadFrame | undefined
      try {
        await this.connection.waitFor(() => {
          frame = readFrame(this.connection.received(), this.offset)
          return frame !== undefined
        }, waitingFor)
      } catch (err) {
        throw new ConformanceFailure((err as Error).message)
      }
      if (!frame) {
        const rest = this.connection.received().length - this.offset
        if (rest > 0) throw new ConformanceFailure(`the connection ended inside a frame (${rest} bytes of it arrived)`)
        return undefined
      }
      this.offset += frame.size
      const event = this.interpret(frame)
      if (event) return event
    }
  }

  /** Puts an event back in front of the queue. */
  unread(event: ServerEvent): void {
    this.pushedBack.unshift(event)
  }

  /** Bytes that arrived after the last frame read. */
  unreadBytes(): number {
    return this.connection.received().length - this.offset
  }

  private interpret(frame: ReadFrame): ServerEvent | undefined {
    const name = `server frame (opcode ${frame.opcode}, ${frame.payload.length} bytes)`
    if (this.closeReceived) throw new ConformanceFailure(`${name} after the server's Close frame (RFC 6455 §5.5.1)`)
    if (frame.masked) throw new ConformanceFailure(`${name} is masked; a server MUST NOT mask (RFC 6455 §5.1)`)
    if (frame.rsv !== 0) throw new ConformanceFailure(`${name} has RSV bits ${frame.rsv} with no extension negotiated (RFC 6455 §5.2)`)
    if (frame.opcode >= 8) return this.control(frame, name)
    if (frame.opcode !== Opcode.continuation && frame.opcode !== Opcode.text && frame.opcode !== Opcode.binary) {
      throw new ConformanceFailure(`${name} uses a reserved opcode (RFC 6455 §5.2)`)
    }
    if (frame.opcode === Opcode.continuation) {
      if (!this.message) throw new ConformanceFailure(`${name}: a continuation with no message started (RFC 6455 §5.4)`)
      this.message.parts.push(frame.payload)
    } else {
      if (this.message) throw new ConformanceFailure(`${name}: a new message inside a fragmented one (RFC 6455 §5.4)`)
      this.message = { type: frame.opcode === Opcode.text ? 'text' : 'binary', parts: [frame.payload] }
    }
    if (!frame.fin) return undefined
    const { type, parts } = this.message
    this.message = undefined
    return { kind: 'message', type, payload: Buffer.concat(parts) }
  }

  private control(frame: ReadFrame, name: string): ServerEvent | undefined {
    if (!frame.fin) throw new ConformanceFailure(`${name}: a fragmented control frame (RFC 6455 §5.5)`)
    if (frame.payload.length > 125) throw new ConformanceFailure(`${name}: a control frame over 125 bytes (RFC 6455 §5.5)`)
    switch (frame.opcode) {
      case Opcode.ping:
        void this.connection.write(encodeFrame({ opcode: Opcode.pong, payload: frame.payload }, this.maskKey()))
        return undefined
      case Opcode.pong:
        return { kind: 'pong', payload: frame.payload }
      case Opcode.close:
        this.closeReceived = true
        return this.closeEvent(frame.payload, name)
      default:
        throw new ConformanceFailure(`${name} uses a reserved control opcode (RFC 6455 §5.2)`)
    }
  }

  private closeEvent(payload: Buffer, name: string): ServerEvent {
    if (payload.length === 0) return { kind: 'close', code: null, reason: payload }
    if (payload.length === 1) throw new ConformanceFailure(`${name}: a Close body of one byte (RFC 6455 §5.5.1)`)
    const code = payload.readUInt16BE(0)
    if (!isSendableCloseCode(code)) throw new ConformanceFailure(`${name}: the server sent the close code ${code}, which no endpoint may send (RFC 6455 §7.4)`)
    const reason = payload.subarray(2)
    if (!isUtf8(reason)) throw new ConformanceFailure(`${name}: the close reason is not UTF-8 (RFC 6455 §5.5.1)`)
    return { kind: 'close', code, reason }
  }
}
