/**
 * Where request heads parsed from the engine's read buffer are kept once the read is done.
 *
 * The read buffer is reused by the next read, so a request that outlives its `data` call needs
 * its head bytes somewhere else. Heads are copied into a shared slab, one after the other, and
 * each request keeps the slab and its offset in it: no Buffer or view object per read. A slab
 * that is full is left to the requests that point into it (it is freed with the last of them)
 * and a new one is started, so a request kept for long holds at most one slab, as a pooled
 * `Buffer.allocUnsafe` copy holds Node's 8 KB pool.
 */

import { Buffer } from 'node:buffer'
import { bufferOf, byteOffsetOf, copyBytes } from '../engine/typed-array-calls.js'

/** Bytes per slab: the size of Node's Buffer pool, so a kept request pins no more than before. */
export const HEAD_SLAB_BYTES = 8 * 1024

/** Copies larger than this get an array of their own rather than a slab's room. */
const OWN_ARRAY_FROM = HEAD_SLAB_BYTES / 4

export class HeadStore {
  // Slabs are not zeroed (allocUnsafeSlow): only copied bytes are ever read, and zeroing an 8 KB
  // slab for about every hundred pipelined heads cost some 90 instructions per request.
  private slab: Uint8Array = Buffer.allocUnsafeSlow(HEAD_SLAB_BYTES)
  private used = 0
  /** Where the bytes of the last {@link keep} start in the array it returned. */
  at = 0

  /** Copies `src[start, end)` and returns the array holding the copy (it starts at {@link at}). */
  keep(src: Uint8Array, start: number, end: number): Uint8Array {
    const length = end - start
    if (length > OWN_ARRAY_FROM) {
      this.at = 0
      const own = Buffer.allocUnsafeSlow(length)
      copyRange(own, 0, src, start, length)
      return own
    }
    if (this.used + length > HEAD_SLAB_BYTES) {
      this.slab = Buffer.allocUnsafeSlow(HEAD_SLAB_BYTES)
      this.used = 0
    }
    const slab = this.slab
    const at = this.used
    copyRange(slab, at, src, start, length)
    this.used = at + length
    this.at = at
    return slab
  }
}

/**
 * Copies `src[start, start + length)` to `dst` at `at`: the whole source as it is (the heads of
 * a read usually fill it), or a plain view of the range, which costs a typed array's
 * construction (less than `src.subarray` would when src is a Buffer).
 */
function copyRange(dst: Uint8Array, at: number, src: Uint8Array, start: number, length: number): void {
  if (start === 0 && length === src.length) copyBytes.call(dst, src, at)
  else copyBytes.call(dst, new Uint8Array(bufferOf.call(src), byteOffsetOf.call(src) + start, length), at)
}
