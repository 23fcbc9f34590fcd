/**
 * WebSocket frames (RFC 6455 §5): the header a server writes, and unmasking what a client sent.
 * The server never masks (§5.1) and never sets RSV bits: no extension is negotiated.
 */

/** Opcodes (§5.2). */
export const enum Opcode {
  Continuation = 0x0,
  Text = 0x1,
  Binary = 0x2,
  Close = 0x8,
  Ping = 0x9,
  Pong = 0xa,
}

/** Close codes this server sends (§7.4.1). */
export const enum CloseCode {
  Normal = 1000,
  GoingAway = 1001,
  ProtocolError = 1002,
  InvalidPayload = 1007,
  PolicyViolation = 1008,
  TooBig = 1009,
  InternalError = 1011,
  /** Reported (never sent) when a connection ends without a Close frame. */
  Abnormal = 1006,
  /** Reported (never sent) for a Close frame without a code. */
  NoStatus = 1005,
}

/** Bytes of the header of a server frame carrying `length` payload bytes. */
export function headerSize(length: number): number {
  return length < 126 ? 2 : length < 0x10000 ? 4 : 10
}

/** Writes a final frame's header (FIN set) into `out` at `at`; returns where the payload starts. */
export function writeHeader(out: Uint8Array, at: number, opcode: number, length: number): number {
  out[at] = 0x80 | opcode
  if (length < 126) {
    out[at + 1] = length
    return at + 2
  }
  if (length < 0x10000) {
    out[at + 1] = 126
    out[at + 2] = length >>> 8
    out[at + 3] = length & 0xff
    return at + 4
  }
  out[at + 1] = 127
  const high = Math.floor(length / 0x1_0000_0000)
  const low = length >>> 0
  out[at + 2] = 0
  out[at + 3] = 0
  out[at + 4] = (high >>> 8) & 0xff
  out[at + 5] = high & 0xff
  out[at + 6] = low >>> 24
  out[at + 7] = (low >>> 16) & 0xff
  out[at + 8] = (low >>> 8) & 0xff
  out[at + 9] = low & 0xff
  return at + 10
}

/**
 * XORs `buf[start, end)` with the 4-byte masking key, in place; `phase` is how many payload
 * bytes of the frame came before `start` (a frame split across reads).
 */
export function unmask(buf: Uint8Array, start: number, end: number, key: number, phase: number): void {
  let i = start
  // Byte by byte up to a 4-byte boundary of the memory, then 32 bits at a time.
  while (i < end && ((buf.byteOffset + i) & 3) !== 0) {
    buf[i] ^= keyByte(key, phase + i - start)
    i++
  }
  const words = (end - i) >>> 2
  if (words > 0) {
    const p = phase + i - start
    // The 4 key bytes that meet this word, as a little-endian uint32.
    const k = (keyByte(key, p) | (keyByte(key, p + 1) << 8) | (keyByte(key, p + 2) << 16) | (keyByte(key, p + 3) << 24)) | 0
    const view = new Int32Array(buf.buffer, buf.byteOffset + i, words)
    for (let w = 0; w < words; w++) view[w] ^= k
    i += words << 2
  }
  for (; i < end; i++) buf[i] ^= keyByte(key, phase + i - start)
}

/** Byte `n % 4` of the masking key (the key as sent: big-endian). */
function keyByte(key: number, n: number): number {
  return (key >>> (24 - 8 * (n & 3))) & 0xff
}

/** A close code a peer may send (§7.4.1, §7.4.2; 1012-1014 are registered since). */
export function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
}
