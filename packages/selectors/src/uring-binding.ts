/**
 * The part of @io/core's `Uring` that IoUringSelector uses, looked up at run time.
 *
 * `Uring` is built on another branch; until a build of @io/core has it, `loadUring()` says so
 * instead of failing at import time, and IoUringSelector reports itself unsupported with that
 * reason (DefaultSelector then falls back to epoll, as it does on kernels without io_uring).
 * The shape below is the interface agreed for it.
 */
import * as core from '@io/core'

/** A `Uring` instance. Results of one `wait` are entry i of each completion array, for i < count. */
export interface UringInstance {
  /** Caller tokens of the completions. */
  readonly completionTokens: Uint32Array
  /** Poll mask (>= 0) or -errno of each completion. */
  readonly completionResults: Int32Array
  /** CQE flags of each completion (IORING_CQE_F_MORE: a multishot request stays armed). */
  readonly completionFlags: Uint32Array
  pollAdd(fd: number, pollEvents: number, token: number, multishot?: boolean): void
  pollRemove(token: number): void
  submit(): number
  wait(minComplete?: number, timeoutMs?: number | null): number
  start(onComplete: (count: number) => void): void
  stop(): void
  ref?(): void
  unref?(): void
  readonly active?: boolean
  close(): void
}

/** The static side of `Uring`. */
export interface UringClass {
  isSupported(): { supported: boolean; reason?: string }
  new (options: { entries: number }): UringInstance
}

/** What {@link loadUring} finds in @io/core. */
export interface UringBinding {
  Uring: UringClass
  /** IORING_CQE_F_MORE. */
  cqeFMore: number
}

/** The Uring class and its constants, or the reason they are missing from this build. */
export function loadUring(): UringBinding | { reason: string } {
  const exports = core as Record<string, unknown>
  const Uring = exports.Uring as UringClass | undefined
  if (typeof Uring !== 'function' || typeof Uring.isSupported !== 'function') {
    return { reason: '@io/core in this build has no Uring' }
  }
  const constants = (exports.uringConstants ?? {}) as Record<string, number>
  const more = exports.IORING_CQE_F_MORE ?? constants.IORING_CQE_F_MORE
  // The value is fixed by the kernel ABI (<linux/io_uring.h>: 1U << 1); use it if not exported.
  return { Uring, cqeFMore: typeof more === 'number' ? more : 1 << 1 }
}
