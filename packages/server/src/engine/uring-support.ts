/**
 * Whether the server's io_uring engine can run here. Beyond io_uring itself
 * (`Uring.isSupported()`: kernel, sysctl, seccomp), the engine needs multishot recv into
 * provided-buffer rings (Linux >= 6.0), which a small probe ring reports.
 */
import { Uring } from '@io/core'

let cached: string | null | undefined

function probe(): string | null {
  const support = Uring.isSupported()
  if (!support.supported) return support.reason ?? 'not supported by the kernel'
  let ring: Uring | null = null
  try {
    ring = new Uring({ entries: 2 })
    const f = ring.features
    if (!f.multishotRecv || !f.bufferRings) return 'the kernel lacks multishot recv into provided-buffer rings (Linux >= 6.0)'
    return null
  } catch (err) {
    return (err as Error).message
  } finally {
    ring?.close()
  }
}

/** null when the io_uring engine can run, else a readable reason. Probed once per thread. */
export function uringUnavailableReason(): string | null {
  if (cached === undefined) cached = probe()
  return cached
}
