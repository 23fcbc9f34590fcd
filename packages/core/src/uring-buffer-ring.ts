import { markAsUntransferable } from 'node:worker_threads'
import { codeError, invalidArgType, outOfRange } from './errors.js'
// A cycle (uring.ts imports this module): Uring is only used once a BufferRing is built.
import { Uring, type BufferRingMemory } from './uring.js'

/** Options of {@link BufferRing}'s constructor. */
export interface BufferRingOptions {
  /** How many buffers: a power of two, 1 to 32768. */
  count: number
  /** Bytes per buffer, 1 to 2^30. */
  size: number
  /** Buffer group id, 0 to 65535; default: the lowest free one of this Uring. */
  groupId?: number
  /**
   * How many buffers the kernel gets at first, 0 to `count` (default: all): buffers 0 to
   * `provided - 1`. The others start as yours (`isOwned`), to `recycle` when you want more in
   * the ring.
   */
  provided?: number
}

const ENTRY_BYTES = 16

/**
 * A provided-buffer ring (IORING_REGISTER_PBUF_RING, Linux >= 5.19) for
 * {@link Uring.recvMultishot}. The kernel picks a free buffer per completion, so one ring
 * serves every connection and memory grows with data in flight, not with connections.
 *
 * Buffer `id` is `bytes[id * size, (id + 1) * size)`. A completion with IORING_CQE_F_BUFFER
 * hands buffer `bufferIdOf(flags)` to you, holding `result` bytes; read them (`view(id,
 * result)`, or `bytes` at `offsetOf(id)` to allocate nothing) and give it back with
 * `recycle(id)`. A buffer not recycled is not refilled; when none is left, multishot recvs end
 * with -ENOBUFS (no data is lost: it waits in the socket until you recycle and re-arm).
 *
 * The memory belongs to native code, which frees it only once the kernel and every view are
 * done with it; it cannot be transferred away. Layout and memory ordering: see
 * native/src/completion/uring_buffer_group.h in this package. `recycle` writes the kernel's
 * ring entry from JavaScript and publishes it with `Atomics.store` of the tail (a release
 * store), so it costs no native call.
 *
 * @example
 * ```ts
 * const ring = new BufferRing(uring, { count: 256, size: 4096 })
 * uring.recvMultishot(fd, ring, token)
 * // in onComplete, for a completion i:
 * const id = bufferIdOf(uring.completionFlags[i])
 * consume(ring.view(id, uring.completionResults[i]))
 * ring.recycle(id)
 * ```
 */
export class BufferRing {
  /** The Uring this ring is registered with. */
  readonly uring: Uring
  /** The buffer group id recvs select from. */
  readonly groupId: number
  /** How many buffers the ring holds. */
  readonly count: number
  /** Bytes per buffer. */
  readonly size: number
  /** Every buffer, back to back: buffer `id` starts at `id * size`. */
  readonly bytes: Uint8Array

  readonly #words: Uint32Array // the kernel's entry ring, as u32
  readonly #halves: Uint16Array // the same memory as u16 (buffer ids, the tail)
  readonly #owner: Uint8Array // 1 while buffer id is the application's (set natively on reap)
  readonly #address: number
  readonly #mask: number
  readonly #tailIndex: number
  #tail: number
  #closed = false

  /**
   * Allocates `count * size` bytes, gives the kernel every buffer (or the first `provided`)
   * and registers the ring.
   * @throws TypeError/RangeError for bad options; ERR_URING_UNSUPPORTED before Linux 5.19; a
   *   SystemError (EEXIST for a group id in use).
   */
  constructor(uring: Uring, options: BufferRingOptions) {
    if (!(uring instanceof Uring)) {
      throw invalidArgType('uring', 'a Uring', uring)
    }
    if (options === null || typeof options !== 'object') {
      throw invalidArgType('options', 'an object', options)
    }
    // Each option is read once: a getter answering differently twice must not make the views
    // disagree with what native code registered.
    const { count, size, groupId, provided } = options
    const memory: BufferRingMemory = uring.registerBufferRing(count, size, groupId, provided)
    this.uring = uring
    this.groupId = memory.groupId
    this.count = count
    this.size = size
    // The kernel reads and writes this memory: it must never be detached by a transfer. (Native
    // code owns it and frees it only once the kernel and every view are done with it.)
    markAsUntransferable(memory.data)
    markAsUntransferable(memory.entries)
    markAsUntransferable(memory.owner)
    this.bytes = new Uint8Array(memory.data)
    this.#words = new Uint32Array(memory.entries, memory.entriesOffset, this.count * (ENTRY_BYTES / 4))
    this.#halves = new Uint16Array(memory.entries, memory.entriesOffset, this.count * (ENTRY_BYTES / 2))
    this.#owner = new Uint8Array(memory.owner)
    this.#address = memory.address
    this.#mask = this.count - 1
    this.#tailIndex = 14 / 2 // the u16 tail overlays bytes 14..15 of entry 0
    // The buffers handed to the kernel at registration (native code checked `provided`).
    this.#tail = (provided ?? this.count) & 0xffff
  }

  /** Where buffer `id` starts in {@link bytes}. */
  offsetOf(id: number): number {
    this.#checkId(id)
    return id * this.size
  }

  /** A view of buffer `id`'s first `length` bytes (default: all of it). Allocates a view. */
  view(id: number, length: number = this.size): Uint8Array {
    this.#checkId(id)
    if (!Number.isInteger(length) || length < 0 || length > this.size) {
      throw outOfRange('length', `an integer from 0 to ${this.size}`, length)
    }
    const start = id * this.size
    return this.bytes.subarray(start, start + length)
  }

  /** True while buffer `id` is yours: a completion handed it over and it was not recycled. */
  isOwned(id: number): boolean {
    this.#checkId(id)
    return this.#owner[id] === 1
  }

  /**
   * Gives buffer `id` back to the kernel. Throws ERR_URING_BUFFER_NOT_OWNED for a buffer the
   * kernel already has (recycled twice, or never handed over), which would let two receives
   * fill the same memory.
   */
  recycle(id: number): void {
    if (this.#closed) throw codeError('ERR_URING_BUFFER_RING_CLOSED', 'the BufferRing is closed')
    this.#checkId(id)
    if (this.#owner[id] !== 1) {
      throw codeError('ERR_URING_BUFFER_NOT_OWNED', `buffer ${id} is not the application's to recycle`)
    }
    this.#owner[id] = 0
    const entry = this.#tail & this.#mask
    const address = this.#address + id * this.size // < 2^53: exact in a double
    const word = entry * (ENTRY_BYTES / 4)
    this.#words[word] = address >>> 0 // io_uring_buf.addr, low half
    this.#words[word + 1] = Math.floor(address / 0x1_0000_0000) // high half
    this.#words[word + 2] = this.size // .len
    this.#halves[entry * (ENTRY_BYTES / 2) + 6] = id // .bid (bytes 12..13)
    this.#tail = (this.#tail + 1) & 0xffff
    // Release: the entry above is visible to the kernel before the tail that publishes it.
    Atomics.store(this.#halves, this.#tailIndex, this.#tail)
  }

  /**
   * Unregisters the ring. Throws ERR_URING_BUFFER_RING_BUSY while recvs using it are in
   * flight (cancel them first). Views stay readable. Closing the Uring also releases it.
   */
  close(): void {
    if (this.#closed) return
    this.uring.unregisterBufferRing(this.groupId)
    this.#closed = true
  }

  /** Closes the ring, as `close()`. */
  [Symbol.dispose](): void {
    this.close()
  }

  #checkId(id: number): void {
    if (!Number.isInteger(id) || id < 0 || id >= this.count) {
      throw outOfRange('id', `an integer from 0 to ${this.count - 1}`, id)
    }
  }
}
