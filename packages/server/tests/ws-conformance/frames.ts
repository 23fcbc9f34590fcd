/**
 * WebSocket frames as the conformance suite writes and reads them (RFC 6455 §5.2). The writer
 * can produce any frame, valid or not: any opcode, RSV bits, FIN, masked or not, any length
 * encoding. The reader takes the server's frames apart without judging them; the driver does.
 */

/** Opcodes of RFC 6455 §5.2 (3-7 and 11-15 are reserved). */
export const Opcode = { continuation: 0, text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const

/**
 * A payload as a case states it: text (UTF-8), bytes, or a repeated pattern of a given length,
 * which is only materialised when the case runs (the 16 MiB cases stay cheap to load).
 */
export type Payload = string | Uint8Array | number[] | { repeat: string | number[]; length: number }

/** The bytes of a payload. */
export function payloadBytes(payload: Payload | undefined): Buffer {
  if (payload === undefined) return Buffer.alloc(0)
  if (typeof payload === 'string') return Buffer.from(payload, 'utf8')
  if (payload instanceof Uint8Array || Array.isArray(payload)) return Buffer.from(payload)
  const unit = typeof payload.repeat === 'string' ? Buffer.from(payload.repeat, 'utf8') : Buffer.from(payload.repeat)
  return Buffer.alloc(payload.length, unit)
}

/** The length of a payload without materialising it. */
export function payloadLength(payload: Payload | undefined): number {
  if (payload === undefined) return 0
  if (typeof payload === 'string') return Buffer.byteLength(payload, 'utf8')
  return payload.length
}

/** One frame the client sends. */
export interface FrameSpec {
  opcode: number
  payload?: Payload
  /** FIN bit; true unless stated. */
  fin?: boolean
  /** RSV1..RSV3 as a 3-bit number: 4 = RSV1, 2 = RSV2, 1 = RSV3. */
  rsv?: number
  /** Client frames must be masked (RFC 6455 §5.3); false sends an unmasked frame. */
  masked?: boolean
  /** Overrides the 7-bit length field's encoding: 'minimal' (default), 16 or 64 bits. */
  lengthEncoding?: 'minimal' | 16 | 64
  /** Sends only the header (for a frame whose announced length must be refused unread). */
  headerOnly?: boolean
  /** Replaces the announced payload length (for lengths that cannot be sent, like 2^63). */
  announcedLength?: bigint
}

/** Encodes a frame with the given masking key (4 bytes). */
export function encodeFrame(spec: FrameSpec, maskKey: Uint8Array): Buffer {
  const payload = spec.headerOnly ? Buffer.alloc(0) : payloadBytes(spec.payload)
  const length = spec.announcedLength ?? BigInt(spec.headerOnly ? payloadLength(spec.payload) : payload.length)
  const masked = spec.masked ?? true
  const encoding = spec.lengthEncoding ?? 'minimal'
  const lengthBytes = encoding === 64 || (encoding === 'minimal' && length > 0xffffn) ? 8 : encoding === 16 || length > 125n ? 2 : 0
  const header = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0))
  header[0] = ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | (spec.opcode & 0x0f)
  header[1] = (masked ? 0x80 : 0) | (lengthBytes === 8 ? 127 : lengthBytes === 2 ? 126 : Number(length))
  if (lengthBytes === 2) header.writeUInt16BE(Number(length), 2)
  if (lengthBytes === 8) header.writeBigUInt64BE(length, 2)
  if (!masked) return Buffer.concat([header, payload])
  header.set(maskKey.subarray(0, 4), 2 + lengthBytes)
  const body = Buffer.allocUnsafe(payload.length)
  for (let i = 0; i < payload.length; i++) body[i] = payload[i]! ^ maskKey[i & 3]!
  return Buffer.concat([header, body])
}

/** A close frame payload: a 2-byte code and a UTF-8 (or raw) reason (RFC 6455 §5.5.1). */
export function closePayload(code?: number, reason: string | Uint8Array = ''): Buffer {
  if (code === undefined) return Buffer.alloc(0)
  const head = Buffer.alloc(2)
  head.writeUInt16BE(code)
  return Buffer.concat([head, typeof reason === 'string' ? Buffer.from(reason, 'utf8') : Buffer.from(reason)])
}

/** One frame the server sent, as read off the wire. */
export interface ReadFrame {
  fin: boolean
  rsv: number
  opcode: number
  masked: boolean
  payload: Buffer
  /** Bytes the frame took on the wire. */
  size: number
}

/**
 * Reads the frame that starts at `offset`; undefined while it is incomplete. A mask is removed
 * (the driver still fails the frame: servers must not mask, RFC 6455 §5.1).
 */
export function readFrame(data: Buffer, offset: number): ReadFrame | undefined {
  if (data.length - offset < 2) return undefined
  const first = data[offset]!
  const second = data[offset + 1]!
  let position = offset + 2
  let length = second & 0x7f
  if (length === 126) {
    if (data.length - position < 2) return undefined
    length = data.readUInt16BE(position)
    position += 2
  } else if (length === 127) {
    if (data.length - position < 8) return undefined
    const big = data.readBigUInt64BE(position)
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`the server announced a frame of ${big} bytes`)
    length = Number(big)
    position += 8
  }
  const masked = (second & 0x80) !== 0
  let key: Buffer | undefined
  if (masked) {
    if (data.length - position < 4) return undefined
    key = data.subarray(position, position + 4)
    position += 4
  }
  if (data.length - position < length) return undefined
  let payload = data.subarray(position, position + length)
  if (key) {
    const mask = key
    payload = Buffer.from(payload.map((byte, i) => byte ^ mask[i & 3]!))
  }
  return {
    fin: (first & 0x80) !== 0,
    rsv: (first >> 4) & 0x07,
    opcode: first & 0x0f,
    masked,
    payload,
    size: position + length - offset,
  }
}
