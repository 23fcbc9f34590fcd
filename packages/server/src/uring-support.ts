/**
 * The parts of @io/core's io_uring API the server's completion engine uses, looked up at run
 * time: this package builds and runs against an @io/core without `Uring` (the engine is then
 * unavailable, with a reason), and needs multishot recv into provided-buffer rings, which
 * older kernels lack.
 */
import * as core from '@io/core'

/** The subset of @io/core's `Uring` the engine calls. */
export interface UringApi {
  readonly completionTokens: Uint32Array
  readonly completionResults: Int32Array
  readonly completionFlags: Uint32Array
  readonly features: { readonly multishotAccept: boolean; readonly multishotRecv: boolean; readonly bufferRings: boolean }
  accept(fd: number, token: number, options?: { multishot?: boolean }): void
  recvMultishot(fd: number, ring: BufferRingApi, token: number): void
  pollAdd(fd: number, pollEvents: number, token: number, multishot?: boolean): void
  cancel(token: number): number
  close(fd?: number, token?: number): void
  start(onComplete: (count: number) => void): void
  stop(): void
}

/** The subset of @io/core's `BufferRing` the engine calls. */
export interface BufferRingApi {
  readonly bytes: Uint8Array
  readonly size: number
  recycle(id: number): void
}

export interface UringModule {
  Uring: (new (options: { entries?: number; cqEntries?: number }) => UringApi) & {
    isSupported(): { supported: boolean; reason?: string }
  }
  BufferRing: new (uring: UringApi, options: { count: number; size: number }) => BufferRingApi
  IORING_CQE_F_MORE: number
  IORING_CQE_F_BUFFER: number
  IORING_CQE_BUFFER_SHIFT: number
  completionError(result: number, syscall?: string): Error
}

let cached: { module: UringModule | null; reason: string | null } | undefined

function probe(): { module: UringModule | null; reason: string | null } {
  const mod = core as unknown as Partial<UringModule>
  if (typeof mod.Uring !== 'function' || typeof mod.BufferRing !== 'function') {
    return { module: null, reason: '@io/core has no Uring in this build' }
  }
  const support = mod.Uring.isSupported()
  if (!support.supported) return { module: null, reason: support.reason ?? 'not supported by the kernel' }
  let ring: UringApi | null = null
  try {
    ring = new mod.Uring({ entries: 2 })
    const f = ring.features
    if (!f.multishotRecv || !f.bufferRings) {
      return { module: null, reason: 'the kernel lacks multishot recv into provided-buffer rings (Linux >= 6.0)' }
    }
  } catch (err) {
    return { module: null, reason: (err as Error).message }
  } finally {
    ring?.close()
  }
  return { module: mod as UringModule, reason: null }
}

/** The io_uring API when the engine can run here, else null. Probed once per thread. */
export function uringModule(): UringModule | null {
  cached ??= probe()
  return cached.module
}

/** null when io_uring is usable, else a readable reason. */
export function uringUnavailableReason(): string | null {
  cached ??= probe()
  return cached.reason
}
