import { types } from 'node:util'
import { markAsUntransferable } from 'node:worker_threads'
import { BufferRing } from './uring-buffer-ring.js'
import { codeError, invalidArgType, outOfRange, systemError, type SystemError } from './errors.js'
import type { LoopSource } from './loop-source.js'
import { native } from './native.js'
import { coreState } from './module-state.js'

const c = native.uringConstants as Record<string, number>
/** Options object of a single-shot recv into a buffer ring (made once). */
/** recvMultishotGroup's mode bits (native/src/completion/uring_ops.cc). */
const RECV_SINGLE_SHOT = 1
const RECV_POLL_FIRST = 2

/** Completion flag: the operation will complete again (multishot, or a zero-copy send's notification to come). */
export const IORING_CQE_F_MORE: number = c.IORING_CQE_F_MORE
/** Completion flag: a provided buffer was used; its id is `flags >>> IORING_CQE_BUFFER_SHIFT`. */
export const IORING_CQE_F_BUFFER: number = c.IORING_CQE_F_BUFFER
/** Completion flag: the socket had more data after this recv. */
export const IORING_CQE_F_SOCK_NONEMPTY: number = c.IORING_CQE_F_SOCK_NONEMPTY
/** Completion flag: a zero-copy send's notification: the kernel no longer uses the buffer. */
export const IORING_CQE_F_NOTIF: number = c.IORING_CQE_F_NOTIF
/** Shift of the buffer id in the completion flags (16). */
export const IORING_CQE_BUFFER_SHIFT: number = c.IORING_CQE_BUFFER_SHIFT

const IOV_MAX: number = native.socketConstants.IOV_MAX

// The intrinsic `buffer` getters: a view's own `buffer` property could name another ArrayBuffer.
const typedArrayBuffer = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'buffer')!.get!
const dataViewBuffer = Object.getOwnPropertyDescriptor(DataView.prototype, 'buffer')!.get!

/**
 * Marks the ArrayBuffer behind `bytes` (a view or an ArrayBuffer) untransferable, so that the
 * memory an operation in flight uses cannot be moved to another owner and freed under the
 * kernel. A SharedArrayBuffer needs nothing: it cannot be detached, and the pin keeps it alive.
 */
function keepInPlace(bytes: unknown): void {
  const buffer = types.isTypedArray(bytes)
    ? typedArrayBuffer.call(bytes)
    : types.isDataView(bytes)
      ? dataViewBuffer.call(bytes)
      : bytes
  if (types.isArrayBuffer(buffer)) markAsUntransferable(buffer)
}

/** The provided-buffer id carried by completion flags with {@link IORING_CQE_F_BUFFER}. */
export function bufferIdOf(flags: number): number {
  return flags >>> IORING_CQE_BUFFER_SHIFT
}

/**
 * A Node-style SystemError (`code`, negative `errno`, `syscall`) for a negative completion
 * result, e.g. `completionError(-104, 'recv')` is `ECONNRESET: Connection reset by peer, recv`.
 * @throws RangeError unless `result` is an integer in [-4095, -1].
 */
export function completionError(result: number, syscall = 'io_uring'): SystemError {
  if (!Number.isInteger(result)) throw invalidArgType('result', 'an integer', result)
  if (result < -4095 || result > -1) throw outOfRange('result', 'a negative errno (-4095 to -1)', result)
  if (typeof syscall !== 'string') throw invalidArgType('syscall', 'a string', syscall)
  return systemError(result, syscall)
}

/** Whether io_uring is usable here, and if not, why (see {@link Uring.isSupported}). */
export interface UringSupport {
  readonly supported: boolean
  /** Why not, in words: sysctl kernel.io_uring_disabled, seccomp (ENOSYS/EPERM), kernel too old... */
  readonly reason?: string
  /** The errno name of the failing io_uring_setup ('EPERM', 'ENOSYS', ...). */
  readonly code?: string
}

/** Options of {@link Uring}'s constructor. */
export interface UringOptions {
  /** Submission queue size, 1 to 32768 (rounded up to a power of two). Default 256. */
  entries?: number
  /** Completion queue size, `entries` to 65536. Default max(4096, 2 * entries). */
  cqEntries?: number
}

/** What the kernel offered when the ring was set up. */
export interface UringFeatures {
  /** io_uring_setup flags in use: e.g. SINGLE_ISSUER, DEFER_TASKRUN, TASKRUN_FLAG, SUBMIT_ALL. */
  readonly setupFlags: readonly string[]
  /** IORING_FEAT_* the kernel reported (NODROP, FAST_POLL, EXT_ARG, ...). */
  readonly kernelFeatures: readonly string[]
  /** IORING_OP_* names the kernel supports (IORING_REGISTER_PROBE). */
  readonly opcodes: readonly string[]
  readonly sqEntries: number
  readonly cqEntries: number
  readonly deferTaskrun: boolean
  readonly multishotPoll: boolean
  readonly multishotAccept: boolean
  readonly multishotRecv: boolean
  /** Provided-buffer rings ({@link BufferRing}). */
  readonly bufferRings: boolean
  readonly sendZeroCopy: boolean
  /** `cancelFd`, and the cancel inside `close(fd, token)`. */
  readonly cancelByFd: boolean
}

type Bytes = NodeJS.ArrayBufferView | ArrayBuffer

// The native class, with the JSDoc editors show for the methods Uring inherits.
interface NativeUring extends Omit<LoopSource, 'start' | 'close'> {
  /** The ring's fd. -1 once closed. */
  readonly fd: number
  /** Operations submitted or queued whose last completion has not been reaped. */
  readonly inFlight: number
  /** Size of the completion arrays: the most completions one wait returns (the CQ size). */
  readonly capacity: number
  /** What the kernel offered (setup flags in use, opcodes, multishot, zero copy...). */
  readonly features: UringFeatures
  /**
   * Poll `fd` for `pollEvents` (READABLE, WRITABLE... from the epoll constants). Result: the
   * ready events mask. `multishot`: keep reporting each wakeup (edge-like), with F_MORE.
   */
  pollAdd(fd: number, pollEvents: number, token: number, multishot?: boolean): void
  /** Removes the poll(s) queued with `token`; they complete with -ECANCELED. Returns how many. */
  pollRemove(token: number): number
  /**
   * Accepts a connection on a listening socket. Result: the new fd (non-blocking,
   * close-on-exec). `multishot`: one completion per connection until it ends without F_MORE.
   */
  accept(fd: number, token: number, options?: { multishot?: boolean }): void
  /**
   * Receives into `buffer[offset, offset+length)`. Result: bytes, 0 at end of stream.
   *
   * The kernel writes into `buffer` after this returns, until the completion. Its ArrayBuffer
   * is marked untransferable (postMessage and structuredClone then copy it, or refuse, instead
   * of moving the memory elsewhere); a SharedArrayBuffer view is safe as it is. What this cannot
   * stop, and what must not happen while the operation is in flight: detaching it by other
   * means, such as `ArrayBuffer.prototype.transfer()` on a Node version whose
   * `markAsUntransferable` does not cover it, or another native addon; and calling the
   * addon's class directly (`native.Uring`), which marks nothing. The kernel would then write
   * into memory that belongs to someone else. The same holds for `send` and `writev`, where
   * the kernel reads the memory.
   */
  recv(fd: number, buffer: Bytes, offset: number | undefined, length: number | undefined, token: number): void
  /**
   * Sends `buffer[offset, offset+length)` (MSG_NOSIGNAL: -EPIPE, never SIGPIPE). Result: bytes
   * sent, which may be fewer than asked. `zeroCopy` (IORING_OP_SEND_ZC, Linux >= 6.0; a plain
   * send elsewhere): a second completion with IORING_CQE_F_NOTIF follows when the kernel is
   * done with the buffer; do not reuse it before. The memory is kept in place as for `recv`.
   */
  send(
    fd: number,
    buffer: Bytes,
    offset: number | undefined,
    length: number | undefined,
    token: number,
    options?: { zeroCopy?: boolean },
  ): void
  /**
   * Writes several buffers in one operation (IORING_OP_WRITEV). Result: bytes written. Each
   * buffer's memory is kept in place as for `recv`; the array itself may change afterwards.
   */
  writev(fd: number, buffers: NodeJS.ArrayBufferView[], token: number): void
  /** Connects a socket to an IPv4 or IPv6 literal. Result: 0 or -errno (-ECONNREFUSED...). */
  connect(fd: number, host: string, port: number, token: number): void
  /** shutdown(2) with SHUT_RD, SHUT_WR or SHUT_RDWR. Result: 0 or -errno. */
  shutdown(fd: number, how: number, token: number): void
  /**
   * Cancels every operation in flight carrying `token`; each completes with -ECANCELED (or
   * with its result, if it finished first). The cancel itself reports nothing. Returns how
   * many operations it targets.
   */
  cancel(token: number): number
  /** Cancels every operation on `fd`. Result under `token`: how many (0 for none); -EINVAL before Linux 5.19. */
  cancelFd(fd: number, token: number): void
  /** A timer: completes after `ms` (fractions allowed) with -ETIME. */
  timeout(ms: number, token: number): void
  /** Sends the queued operations to the kernel in one io_uring_enter. Returns how many. */
  submit(): number
  /**
   * Submits what is queued, then waits until at least `minComplete` completions (default 1,
   * at most `capacity`) were copied into the completion arrays, or `timeoutMs` passed
   * (undefined/null/negative: no limit; 0: just reap). Returns the count. With nothing in
   * flight it returns at once instead of waiting forever. Not from inside `onComplete`
   * (ERR_URING_REENTRANT_WAIT): it would overwrite the completions being read.
   */
  wait(minComplete?: number, timeoutMs?: number | null): number
  /** Stops watching in Node's loop. Operations stay in flight; `wait` still works. */
  stop(): void
  /** @internal recvMultishot after its checks. */
  recvMultishotGroup(fd: number, groupId: number, token: number, mode: number): void
  /** @internal recvOnceFromRing after its checks (layout of `arms` there). */
  recvOnceEach(groupId: number, arms: Int32Array, count: number): void
  /** @internal close(fd, token). */
  closeFd(fd: number, token: number): void
  /** @internal close(). */
  closeRing(): void
  /** @internal start(onComplete). */
  startNative(onComplete: (count: number) => void, scheduleSubmit: () => void): void
  /** @internal The memory behind the completion arrays (layout in native/src/completion/uring.h). */
  readonly completionBuffer: ArrayBuffer
  /** @internal Used by BufferRing. */
  registerBufferRing(count: number, size: number, groupId?: number, provided?: number): BufferRingMemory
  /** @internal Used by BufferRing. */
  unregisterBufferRing(groupId: number): void
}

/** @internal What registerBufferRing hands the BufferRing (layout in native/src/completion/uring_buffer_group.h). */
export interface BufferRingMemory {
  groupId: number
  data: ArrayBuffer
  entries: ArrayBuffer
  entriesOffset: number
  owner: ArrayBuffer
  address: number
}

const NativeUringClass = native.Uring as new (entries?: number, cqEntries?: number) => NativeUring

/**
 * An io_uring completion backend on the raw syscalls, with blocking waits ({@link Uring.wait})
 * or inside Node's loop ({@link Uring.start}, see {@link LoopSource}).
 *
 * ## Operations and completions
 * Each operation (`accept`, `recv`, `send`, ...) queues one submission carrying a token you
 * choose (0 to 2^32-1). Nothing reaches the kernel until the batch is submitted, in one
 * `io_uring_enter`: by {@link Uring.submit}, by {@link Uring.wait}, after the `onComplete`
 * callback returns, or, once {@link Uring.start}ed, at the end of the current JavaScript task.
 *
 * A wait returns a count; completion `i` (for `i < count`) is `completionTokens[i]`,
 * `completionResults[i]` (the kernel's result: bytes, an fd, 0, or a negative errno such as
 * `-ECONNRESET`; turn it into an Error with {@link completionError}) and `completionFlags[i]`
 * ({@link IORING_CQE_F_MORE}, {@link IORING_CQE_F_BUFFER}, ...). The three arrays are views
 * over one ArrayBuffer that native code fills in one pass over the CQ ring: no object is
 * allocated per completion, and entries are overwritten by the next wait.
 *
 * ## Multishot operations
 * A multishot accept, recv or poll keeps completing with {@link IORING_CQE_F_MORE} set. A
 * completion *without* F_MORE is its last: the kernel ended it (an error, -ENOBUFS when a
 * {@link BufferRing} ran dry, -ECANCELED, or a kernel without multishot support, where every
 * "multishot" request completes once). Re-arm then. Nothing is lost: unread data stays in the
 * socket, unaccepted connections in the listen queue.
 *
 * ## Memory
 * A Buffer handed to `recv`, `send` or `writev` is referenced by native code until its last
 * completion (for a zero-copy send, the {@link IORING_CQE_F_NOTIF} one), even if JavaScript
 * drops it. The kernel uses the memory after the call returns, so its ArrayBuffer must not be
 * detached meanwhile: these methods mark it untransferable (`markAsUntransferable` from
 * node:worker_threads), so that postMessage and structuredClone copy it instead of moving it
 * (Node 20) or refuse (later versions). See {@link Uring.recv} for what remains.
 * {@link Uring.close} cancels everything in flight and reaps it before freeing anything.
 *
 * @example
 * ```ts
 * const ring = new Uring()
 * ring.recv(fd, buffer, 0, buffer.length, 1)
 * const n = ring.wait(1)
 * for (let i = 0; i < n; i++) {
 *   const result = ring.completionResults[i]
 *   if (result < 0) throw completionError(result, 'recv')
 *   handle(ring.completionTokens[i], buffer.subarray(0, result))
 * }
 * ring.close()
 * ```
 */
export class Uring extends NativeUringClass implements LoopSource<[onComplete: (count: number) => void]> {
  /**
   * Whether io_uring can be used in this process, with a readable reason where not. Probed
   * once per thread (an io_uring_setup of a tiny ring).
   */
  static isSupported(): UringSupport {
    coreState.uringSupport ??= Object.freeze(native.uringSupport() as UringSupport)
    return coreState.uringSupport
  }

  /** Token of each completion, entries [0, count) valid after a wait or in onComplete. */
  readonly completionTokens: Uint32Array
  /** Result of each completion: >= 0 as the operation defines, or a negative errno. */
  readonly completionResults: Int32Array
  /** IORING_CQE_F_* flags of each completion. */
  readonly completionFlags: Uint32Array

  readonly #flush = (): void => {
    if (!this.closed) this.submit()
  }
  readonly #schedule = (): void => queueMicrotask(this.#flush)

  /**
   * Sets up a ring: setup flags tried newest first (SINGLE_ISSUER|DEFER_TASKRUN, then
   * COOP_TASKRUN, then none), opcodes probed; see {@link features}.
   * @throws TypeError/RangeError for bad options; a SystemError from io_uring_setup, with a
   *   `reason` property saying why in words (see {@link Uring.isSupported}).
   */
  constructor(options: UringOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
    super(options.entries, options.cqEntries)
    const buffer = this.completionBuffer
    const capacity = this.capacity
    this.completionTokens = new Uint32Array(buffer, 0, capacity)
    this.completionResults = new Int32Array(buffer, capacity * 4, capacity)
    this.completionFlags = new Uint32Array(buffer, capacity * 8, capacity)
    const f = this.features
    for (const list of [f.setupFlags, f.kernelFeatures, f.opcodes]) Object.freeze(list)
    Object.freeze(f)
  }

  /**
   * Has Node's loop watch the ring (an eventfd registered with IORING_REGISTER_EVENTFD); when
   * completions arrive, native code copies a batch into the completion arrays and calls
   * `onComplete(count)` once for it. Operations queued inside `onComplete` are submitted when
   * it returns; operations queued elsewhere at the end of the current task. Calling it again
   * replaces the callback.
   */
  start(onComplete: (count: number) => void): void {
    this.startNative(onComplete, this.#schedule)
  }

  override recv(...args: Parameters<NativeUring['recv']>): void {
    super.recv(...args)
    keepInPlace(args[1]) // after the checks: a refused call changes nothing; no JavaScript ran since
  }

  override send(...args: Parameters<NativeUring['send']>): void {
    super.send(...args)
    keepInPlace(args[1])
  }

  override writev(fd: number, buffers: NodeJS.ArrayBufferView[], token: number): void {
    // Each element is read once, here (a getter runs before anything is queued), and native
    // code gets a plain array holding exactly the views it pins.
    const list =
      Array.isArray(buffers) && buffers.length <= IOV_MAX ? Array.from({ length: buffers.length }, (_, i) => buffers[i]) : buffers
    super.writev(fd, list, token)
    for (const view of list) keepInPlace(view)
  }

  /**
   * Multishot recv into a {@link BufferRing} of this ring: each completion carries
   * {@link IORING_CQE_F_BUFFER} and a buffer id ({@link bufferIdOf}); the data is
   * `ring.view(id, result)`. Hand the buffer back with `ring.recycle(id)`. When the ring runs
   * dry the recv ends with -ENOBUFS (no F_MORE): recycle, then re-arm; the data waits in the socket.
   */
  recvMultishot(fd: number, ring: BufferRing, token: number): void {
    this.recvFromRing(fd, ring, token)
  }

  /**
   * Recv into a {@link BufferRing} of this ring, multishot (the default, as
   * {@link recvMultishot}) or, with `{ multishot: false }`, single-shot: one completion of at
   * most one buffer, then the recv ends (no F_MORE) and nothing more is read from `fd` until
   * you arm another. Single-shot bounds what one connection can receive before the
   * application has looked at it (the kernel's socket buffer and TCP window hold the rest), at
   * the cost of one submission per completion.
   *
   * `pollFirst` (single-shot only) says the socket is probably empty now (the last recv took
   * less than a whole buffer): the kernel then waits for data without first trying a recv that
   * would fail (IORING_RECVSEND_POLL_FIRST). Data already there is still read at once. Ignored
   * where the kernel lacks multishot recv (before 6.0).
   */
  recvFromRing(fd: number, ring: BufferRing, token: number, options?: { multishot?: boolean; pollFirst?: boolean }): void {
    if (!(ring instanceof BufferRing)) throw invalidArgType('ring', 'a BufferRing', ring)
    let mode = 0
    if (options !== undefined) {
      if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
      const multishot = options.multishot ?? true
      if (typeof multishot !== 'boolean') throw invalidArgType('options.multishot', 'a boolean', multishot)
      const pollFirst = options.pollFirst ?? false
      if (typeof pollFirst !== 'boolean') throw invalidArgType('options.pollFirst', 'a boolean', pollFirst)
      if (!multishot) mode = pollFirst ? RECV_SINGLE_SHOT | RECV_POLL_FIRST : RECV_SINGLE_SHOT
    }
    this.recvMultishotGroup(fd, this.#groupOf(ring), token, mode)
  }

  /** The group id of `ring`, a BufferRing of this Uring (checked). */
  #groupOf(ring: BufferRing): number {
    if (!(ring instanceof BufferRing)) throw invalidArgType('ring', 'a BufferRing', ring)
    if (ring.uring !== this) throw codeError('ERR_URING_BUFFER_RING_FOREIGN', 'the BufferRing belongs to another Uring')
    return ring.groupId
  }

  /**
   * Single-shot recvs into a {@link BufferRing} of this ring for many sockets in one call, as
   * `count` calls of {@link recvFromRing} with `{ multishot: false }` would queue them, in
   * order. Entry `i` of `arms` is three integers: `arms[3 * i]` the fd,
   * `arms[3 * i + 1]` the token (its 32 bits: write it with `| 0`, read back as unsigned in
   * {@link completionTokens}), and `arms[3 * i + 2]` 1 for `pollFirst`, else 0. Every entry is
   * checked before any is queued.
   * @throws TypeError unless `arms` is an Int32Array; RangeError for a `count` beyond
   *   `arms.length / 3`, a negative fd or a pollFirst other than 0 or 1.
   */
  recvOnceFromRing(ring: BufferRing, arms: Int32Array, count: number): void {
    this.recvOnceEach(this.#groupOf(ring), arms, count)
  }

  /**
   * With `(fd, token)`: cancels every operation on `fd` (they complete with -ECANCELED), then
   * closes it (IORING_OP_CLOSE; result 0 or -errno under `token`). Closing an fd with plain
   * close(2) would not end operations in flight on it.
   *
   * With no arguments: closes the ring. Everything in flight is cancelled and reaped before
   * any memory is released; completions not yet read are discarded (fds they carried, from
   * accept, are closed). Idempotent; other calls afterwards throw ERR_URING_CLOSED.
   */
  close(fd?: number, token?: number): void {
    if (fd === undefined && token === undefined) this.closeRing()
    else this.closeFd(fd as number, token as number)
  }

  /** Closes the ring, as `close()`. */
  [Symbol.dispose](): void {
    this.closeRing()
  }
}
