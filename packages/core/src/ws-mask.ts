// WebSocket payload masking (RFC 6455 §5.3) in native code: the XOR loop over a message of a
// few kilobytes costs several times less there than in JavaScript.
import { native } from './native.js'

/** The addon's function, read once (see nativeParseHeads in http-head.ts). */
const nativeMask = native.maskWebSocketPayload as (bytes: ArrayBufferView, start: number, end: number, key: number, phase: number) => void

/**
 * XORs `bytes[start, end)` in place with a WebSocket masking key (RFC 6455 §5.3): masks a
 * payload, or unmasks one, which is the same operation. `key` is the 4-byte key read
 * big-endian (its first byte on the wire in the most significant bits), as a signed or
 * unsigned 32-bit integer. `phase` is how many bytes of the frame's payload came before
 * `start` (a payload read in pieces is unmasked piece by piece); only `phase % 4` matters.
 * `start` and `end` count bytes, whatever the view's element type.
 *
 * The call itself costs about as much as unmasking a few hundred bytes in JavaScript, so use it
 * for larger payloads. Bad arguments throw TypeError or RangeError; nothing outside
 * `bytes[start, end)` is touched.
 *
 * @example
 *   // a client frame's payload at [at, at + length), key read from the 4 bytes before it
 *   maskWebSocketPayload(frame, at, at + length, frame.readInt32BE(at - 4))
 */
export function maskWebSocketPayload(bytes: ArrayBufferView, start: number, end: number, key: number, phase = 0): void {
  nativeMask(bytes, start, end, key, phase)
}
