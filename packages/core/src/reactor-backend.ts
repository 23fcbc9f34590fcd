// Which reactor backend a layer (the server, DefaultSelector) should run: epoll level-
// triggered, epoll edge-triggered, or io_uring. `IO_BACKEND` overrides what the code asked
// for (DESIGN.md decision 7), and io_uring that cannot be used falls back to epoll with a
// one-line warning and a reason anyone can read.
import { backendFromEnv } from './backend.js'
import { Uring, type UringSupport } from './uring.js'

/** A reactor backend. */
export type ReactorBackend = 'epoll' | 'epoll-et' | 'uring'
/** What a caller may ask for: a backend, or 'auto'. */
export type ReactorBackendRequest = 'auto' | ReactorBackend

/** The backend to use and why, in words (`reason` is meant for logs and error reports). */
export interface ResolvedReactorBackend {
  backend: ReactorBackend
  reason: string
}

/** Seams for tests; every field defaults to the real thing. */
export interface ReactorBackendDeps {
  env?: NodeJS.ProcessEnv
  probe?: () => UringSupport
  warn?: (message: string) => void
  /** Overrides {@link URING_MEASURED_FASTER}. */
  measuredFaster?: boolean
}

/**
 * Whether io_uring beat epoll in this project's echo benchmark, the measurement 'auto' goes
 * by: benchmarks/echo-backends.ts, recorded in docs/benchmarks.md ("io_uring vs epoll echo")
 * and read in docs/uring.md. It did not, overall: io_uring wins with many connections and
 * small messages, loses with one connection and with large pipelined messages, and is level
 * elsewhere. So 'auto' stays on epoll, and io_uring is for those who ask for it. Re-run the
 * benchmark and update this when the backends change.
 */
export const URING_MEASURED_FASTER = false

const REQUESTS: readonly string[] = ['auto', 'epoll', 'epoll-et', 'uring']
const warned = new WeakSet<(message: string) => void>()

function emitWarning(message: string): void {
  process.emitWarning(message, { type: 'IoUringWarning', code: 'IO_URING_UNAVAILABLE' })
}

function warnOnce(warn: (message: string) => void, message: string): void {
  if (warned.has(warn)) return
  warned.add(warn)
  warn(message)
}

/**
 * Resolves `requested` (default 'auto') to a backend.
 *
 * - `IO_BACKEND=epoll|epoll-et|uring` wins over `requested`; other values (poll, select,
 *   sigio: readiness-only backends a reactor cannot run) leave `requested` in charge.
 * - 'auto' is io_uring when the kernel supports it and it measured faster
 *   ({@link URING_MEASURED_FASTER}), else epoll.
 * - io_uring that is wanted (asked for, forced, or chosen by 'auto') but unavailable gives
 *   epoll, a one-line `IoUringWarning` (once per thread) and the reason in `reason`.
 *
 * @throws RangeError (ERR_OUT_OF_RANGE) for an unknown `requested` or `IO_BACKEND` value.
 */
export function resolveReactorBackend(
  requested: ReactorBackendRequest = 'auto',
  deps: ReactorBackendDeps = {},
): ResolvedReactorBackend {
  if (!REQUESTS.includes(requested)) {
    throw Object.assign(new RangeError(`backend must be one of ${REQUESTS.join(', ')}; got "${String(requested)}"`), {
      code: 'ERR_OUT_OF_RANGE',
    })
  }
  const forced = backendFromEnv(deps.env ?? process.env)
  let wanted: ReactorBackendRequest = requested
  let why = requested === 'auto' ? 'auto' : `asked for ${requested}`
  if (forced === 'epoll' || forced === 'epoll-et' || forced === 'uring') {
    wanted = forced
    why = `IO_BACKEND=${forced}`
  }
  if (wanted === 'epoll' || wanted === 'epoll-et') return { backend: wanted, reason: why }
  if (wanted === 'auto' && !(deps.measuredFaster ?? URING_MEASURED_FASTER)) {
    return {
      backend: 'epoll',
      reason: 'auto: io_uring did not measure faster than epoll overall (docs/uring.md); ask for uring to use it',
    }
  }
  const support = (deps.probe ?? Uring.isSupported)()
  if (support.supported) {
    return {
      backend: 'uring',
      reason: wanted === 'auto' ? 'auto: io_uring is supported and measured faster than epoll (docs/benchmarks.md)' : why,
    }
  }
  const reason = `${why}, but io_uring is unavailable: ${support.reason ?? 'unknown reason'}; using epoll`
  warnOnce(deps.warn ?? emitWarning, reason)
  return { backend: 'epoll', reason }
}
