/**
 * WebSocket frames (RFC 6455 §5): the header a server writes, and unmasking what a client sent.
 * The server never masks (§5.1) and never sets RSV bits: no extension is negotiated.
 */
import { maskWebSocketPayload } from '@io/core'

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
 * Payloads from this many bytes on are unmasked in native code. The native call costs about
 * as much as unmasking 125 bytes a byte at a time here; past that native is ahead, by 8x and
 * more from 4 KB on (benchmarks/ws-unmask.ts).
 */
export const NATIVE_UNMASK_FROM = 128

/**
 * XORs `buf[start, end)` with the 4-byte masking key, in place; `phase` is how many payload
 * bytes of the frame came before `start` (a frame split across reads).
 */
export function unmask(buf: Uint8Array, start: number, end: number, key: number, phase: number): void {
  if (end - start >= NATIVE_UNMASK_FROM) maskWebSocketPayload(buf, start, end, key, phase)
  else unmaskBytes(buf, start, end, key, phase)
}

/** `unmask` in JavaScript, a byte at a time: the faster way for payloads of a few dozen bytes. */
export function unmaskBytes(buf: Uint8Array, start: number, end: number, key: number, phase: number): void {
  // The key rotated so that its first byte is the one byte `start` meets.
  const r = (phase & 3) << 3
  const k = r === 0 ? key : (key << r) | (key >>> (32 - r))
  const k0 = k >>> 24
  const k1 = (k >>> 16) & 0xff
  const k2 = (k >>> 8) & 0xff
  const k3 = k & 0xff
  let i = start
  for (; i + 4 <= end; i += 4) {
    buf[i] ^= k0
    buf[i + 1] ^= k1
    buf[i + 2] ^= k2
    buf[i + 3] ^= k3
  }
  if (i < end) buf[i++] ^= k0
  if (i < end) buf[i++] ^= k1
  if (i < end) buf[i] ^= k2
}

/** A close code a peer may send (§7.4.1, §7.4.2; 1012-1014 are registered since). */
export function validCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)
}
