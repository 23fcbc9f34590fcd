import { coreState } from './module-state.js'
import { Uring, type UringFeatures, type UringSupport } from './uring.js'

/**
 * What an io_uring ring set up here can do, beyond io_uring itself: the names of the
 * {@link UringFeatures} flags a layer may need.
 */
export type UringCapability = 'multishotPoll' | 'multishotAccept' | 'multishotRecv' | 'bufferRings' | 'sendZeroCopy' | 'cancelByFd'

/** {@link UringSupport} plus the {@link UringCapability | capabilities} of a ring set up here. */
export interface UringProbe extends UringSupport {
  /** What a ring offers; empty where io_uring is unsupported. */
  readonly capabilities: readonly UringCapability[]
}

// The kernel each capability arrived in, for a reason a person can act on.
const SINCE: Record<UringCapability, string> = {
  multishotPoll: 'multishot poll (Linux 5.13)',
  multishotAccept: 'multishot accept (Linux 5.19)',
  multishotRecv: 'multishot recv (Linux 6.0)',
  bufferRings: 'provided-buffer rings (Linux 5.19)',
  sendZeroCopy: 'zero-copy send (Linux 6.0)',
  cancelByFd: 'cancel by fd (Linux 5.19)',
}
const CAPABILITIES = Object.keys(SINCE) as UringCapability[]

/**
 * Whether io_uring can be used here and what a ring can do: {@link Uring.isSupported}, then a
 * ring of two entries set up and closed to read its features. Probed once per thread (the
 * answer is shared by the ESM and CJS builds); `resolveBackend` asks it whenever io_uring is
 * wanted.
 */
export function probeUring(): UringProbe {
  coreState.uringProbe ??= Object.freeze(runProbe())
  return coreState.uringProbe
}

function runProbe(): UringProbe {
  const support = Uring.isSupported()
  if (!support.supported) return { ...support, capabilities: [] }
  let ring: Uring | undefined
  try {
    ring = new Uring({ entries: 2 })
    const features = ring.features
    return { supported: true, capabilities: Object.freeze(CAPABILITIES.filter((name) => features[name])) }
  } catch (error) {
    const { message, code } = error as Error & { code?: string }
    return { supported: false, reason: `setting up a probe ring failed: ${message}`, code, capabilities: [] }
  } finally {
    ring?.close()
  }
}

/**
 * Why io_uring cannot serve a caller that needs `needs`, as `probe` describes this machine (the
 * probe's reason, or the capabilities missing, each with the Linux version that has it); null
 * when it can.
 */
export function uringUnavailableReason(probe: UringProbe, needs: readonly UringCapability[]): string | null {
  if (!probe.supported) return probe.reason ?? 'unknown reason'
  const missing = needs.filter((name) => !probe.capabilities.includes(name))
  return missing.length === 0 ? null : `this kernel lacks ${missing.map((name) => SINCE[name]).join(' and ')}`
}
