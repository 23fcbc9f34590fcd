/**
 * Whether the io_uring engine can run here. Until @io/core exports `Uring`, it never can, and
 * the reason says so.
 */
import * as core from '@io/core'

let cached: string | null | undefined

/** null when io_uring is usable, else a readable reason. Probed once per thread. */
export function uringUnavailableReason(): string | null {
  if (cached !== undefined) return cached
  const Uring = (core as Record<string, unknown>).Uring as { isSupported?: () => { supported: boolean; reason?: string } } | undefined
  if (Uring === undefined || typeof Uring.isSupported !== 'function') {
    cached = '@io/core has no Uring in this build'
  } else {
    const probe = Uring.isSupported()
    cached = probe.supported ? null : (probe.reason ?? 'not supported by the kernel')
  }
  return cached
}
