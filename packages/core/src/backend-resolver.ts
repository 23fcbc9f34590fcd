import { type BackendName, backendFromEnv } from './backend.js'
import { outOfRange } from './errors.js'
import { coreState } from './module-state.js'
import { probeUring, type UringCapability, type UringProbe, uringUnavailableReason } from './uring-probe.js'

/** A backend that runs a reactor (a server engine): epoll level- or edge-triggered, or io_uring. */
export type ReactorBackend = 'epoll' | 'epoll-et' | 'uring'

/**
 * What 'auto' runs where `IO_BACKEND` does not say: level-triggered epoll, as measured.
 *
 * - io_uring did not beat epoll overall in this project's echo benchmarks (docs/benchmarks.md,
 *   "io_uring vs epoll echo" and "Echo server"): it wins with many connections and small
 *   messages, loses with one connection and with large pipelined messages, and is level
 *   elsewhere.
 * - Edge-triggered epoll did not beat level-triggered consistently either (docs/triggering.md),
 *   and level-triggered is the forgiving one.
 * - It runs everywhere: no kernel feature, sysctl or seccomp policy can take it away.
 *
 * Re-run the benchmarks and revisit this when the backends change.
 */
export const AUTO_BACKEND: ReactorBackend = 'epoll'

/** How {@link resolveBackend} decides; every field has a default, the seams are for tests. */
export interface ResolveBackendOptions<B extends BackendName = ReactorBackend> {
  /**
   * The backends the caller can run (default: the reactor backends, epoll, epoll-et and uring).
   * Must include 'epoll', the fallback. An `IO_BACKEND` value outside this list leaves 'auto'
   * on {@link AUTO_BACKEND} (a server cannot run on poll, select or sigio).
   */
  accepts?: readonly B[]
  /** What the caller's io_uring backend needs beyond io_uring; without it, io_uring counts as unavailable. */
  needs?: readonly UringCapability[]
  /** Where `IO_BACKEND` is read. Default `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Whether io_uring works here and what it can do. Default {@link probeUring}. */
  probe?: () => UringProbe
  /**
   * Told of a fallback from io_uring, once per function per thread. Default: a process
   * warning (`IoUringWarning`, code `IO_URING_UNAVAILABLE`), once per thread for all callers.
   */
  warn?: (message: string) => void
  /** What 'auto' runs when `IO_BACKEND` does not decide. Default {@link AUTO_BACKEND}. */
  autoBackend?: B
}

/** The backend to use, and how it was chosen in one readable line (for logs and error reports). */
export interface ResolvedBackend<B extends BackendName = ReactorBackend> {
  backend: B
  reason: string
}

const REACTOR_BACKENDS: readonly ReactorBackend[] = ['epoll', 'epoll-et', 'uring']

/**
 * The one backend resolver of the @io packages: the server's engines and the selectors'
 * `DefaultSelector` both ask it.
 *
 * - An explicit backend in code wins: `resolveBackend('epoll-et')` is edge-triggered epoll
 *   whatever `IO_BACKEND` says.
 * - `IO_BACKEND` decides only what 'auto' resolves to (so a whole test suite can run once per
 *   backend); a value the caller cannot run, or none, leaves 'auto' on {@link AUTO_BACKEND}.
 * - io_uring that is wanted (asked for, or named by `IO_BACKEND`) but unusable here (kernel,
 *   sysctl, seccomp, or a capability in `needs` missing) gives epoll, a one-line warning (once
 *   per thread) and the cause in `reason`.
 *
 * The environment chooses the syscall, never the semantics: a layer that offers level- and
 * edge-triggered variants of a backend decides for itself what an `IO_BACKEND` of `epoll-et`
 * means under 'auto' (DefaultSelector stays level-triggered; a server runs its edge engine,
 * which serves the same handlers).
 *
 * @throws RangeError (ERR_OUT_OF_RANGE) for a `requested` outside `accepts` and 'auto', or an
 *   `IO_BACKEND` that names no backend at all.
 *
 * @example
 * ```ts
 * const { backend, reason } = resolveBackend('auto') // { backend: 'epoll', reason: "auto: ..." }
 * ```
 */
export function resolveBackend<B extends BackendName = ReactorBackend>(
  requested: 'auto' | NoInfer<B> = 'auto',
  options: ResolveBackendOptions<B> = {},
): ResolvedBackend<B> {
  const accepts: readonly BackendName[] = options.accepts ?? REACTOR_BACKENDS
  if (!accepts.includes('epoll')) throw outOfRange('options.accepts', "a list that includes 'epoll' (the fallback)", accepts)
  if (requested !== 'auto' && !accepts.includes(requested)) {
    throw outOfRange('backend', `one of auto, ${accepts.join(', ')}`, requested)
  }
  const fromEnv = backendFromEnv(options.env ?? process.env)
  let wanted: BackendName
  let how: string
  if (requested !== 'auto') {
    wanted = requested
    how = fromEnv === 'auto' || fromEnv === requested ? `asked for ${requested}` : `asked for ${requested} (IO_BACKEND=${fromEnv} only decides 'auto')`
  } else if (fromEnv !== 'auto' && accepts.includes(fromEnv)) {
    wanted = fromEnv
    how = `auto: IO_BACKEND=${fromEnv}`
  } else {
    wanted = options.autoBackend ?? AUTO_BACKEND
    const ignored = fromEnv === 'auto' ? '' : ` (IO_BACKEND=${fromEnv} names a backend this cannot run)`
    how = `auto: ${wanted}, the measured default${ignored}`
  }
  if (wanted === 'uring') {
    const unavailable = uringUnavailableReason((options.probe ?? probeUring)(), options.needs ?? [])
    if (unavailable !== null) {
      const reason = `${how}, but io_uring is unavailable: ${unavailable}; using epoll`
      warnOnce(options.warn ?? coreState.emitUringWarning, reason)
      return { backend: 'epoll' as B, reason }
    }
  }
  return { backend: wanted as B, reason: how }
}

function warnOnce(warn: (message: string) => void, message: string): void {
  if (coreState.warned.has(warn)) return
  coreState.warned.add(warn)
  warn(message)
}
