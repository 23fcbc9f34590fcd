/**
 * The io_uring backend for the selector benchmarks, when this build and kernel have one.
 */
import type { BaseSelector } from '@io/selectors'

export interface UringBackend {
  make?: () => BaseSelector
  reason?: string
}

export async function uringBackend(): Promise<UringBackend> {
  const selectors: Record<string, any> = await import('@io/selectors')
  const IoUringSelector = selectors.IoUringSelector
  if (IoUringSelector === undefined) return { reason: 'IoUringSelector is not in this build' }
  const probe = IoUringSelector.isSupported() as { supported: boolean; reason?: string }
  if (!probe.supported) return { reason: probe.reason ?? 'io_uring unavailable' }
  return { make: () => new IoUringSelector() }
}
