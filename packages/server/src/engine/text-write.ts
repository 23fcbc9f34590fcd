/**
 * Writing strings into output memory (a plain Uint8Array, such as Reactor.scratch gives) at
 * an offset, without making a Buffer view first. Short texts are copied by a loop, which is
 * faster than a call into C++ for the few bytes of a response head or a small message.
 */
import { Buffer } from 'node:buffer'

/** Texts up to this many characters are copied by the loop. */
const SHORT_TEXT = 48

type NativeWrite = (this: Uint8Array, text: string, offset: number) => number
const proto = Buffer.prototype as unknown as { latin1Write?: NativeWrite; utf8Write?: NativeWrite }
/** Node's own writers (they take any Uint8Array as `this`); `write(text, at, encoding)` stands in where absent. */
const latin1Write = proto.latin1Write
const utf8Write = proto.utf8Write

function asBuffer(out: Uint8Array): Buffer {
  return Buffer.isBuffer(out) ? out : Buffer.from(out.buffer, out.byteOffset, out.byteLength)
}

/** Writes `text` as latin1 (the low byte of each code unit) into `out` at `at`. */
export function writeLatin1(out: Uint8Array, text: string, at: number): void {
  const length = text.length
  if (length <= SHORT_TEXT) {
    // A store into a Uint8Array keeps the low byte of each code unit, as latin1 does.
    for (let i = 0; i < length; i++) out[at + i] = text.charCodeAt(i)
  } else if (latin1Write !== undefined) latin1Write.call(out, text, at)
  else asBuffer(out).write(text, at, 'latin1')
}

/**
 * Writes `text` as UTF-8 into `out` at `at`; `byteLength` is `Buffer.byteLength(text)`, which
 * the caller has (it sized `out` with it). An ASCII text takes the latin1 path.
 */
export function writeUtf8(out: Uint8Array, text: string, at: number, byteLength: number): void {
  if (byteLength === text.length) writeLatin1(out, text, at)
  else if (utf8Write !== undefined) utf8Write.call(out, text, at)
  else asBuffer(out).write(text, at, 'utf8')
}
