import {
  type ReactorBackend,
  type ResolveBackendOptions,
  type ResolvedBackend as ResolvedReactorBackend,
  resolveBackend,
  type UringCapability,
} from '@io/core'
import type { ServerBackend } from '../options.js'

/** The engine a server actually runs on. */
export type EngineName = ReactorBackend

/** The result of {@link resolveServerBackend}: the engine, and how it was chosen in one readable line. */
export type ResolvedBackend = ResolvedReactorBackend<EngineName>

/** Seams of {@link resolveServerBackend}: where `IO_BACKEND` is read, the io_uring probe, who is told of a fallback. */
export type ServerBackendOptions = Pick<ResolveBackendOptions<EngineName>, 'env' | 'probe' | 'warn'>

/**
 * What the io_uring engine needs beyond io_uring itself: multishot recv into provided-buffer
 * rings (Linux >= 6.0). @io/core's probe reports both; without them io_uring is unavailable
 * to a server, and 'uring' falls back to epoll.
 */
export const URING_ENGINE_NEEDS: readonly UringCapability[] = Object.freeze(['multishotRecv', 'bufferRings'] as const)

/**
 * Which engine a server asked for `requested` runs on (DESIGN.md decision 7), decided by
 * @io/core's `resolveBackend`:
 *
 * - A backend named in code (`backend: 'epoll-et'`) wins, whatever `IO_BACKEND` says.
 * - 'auto' runs the engine `IO_BACKEND` names (`epoll`, `epoll-et`, `uring`), so the whole
 *   suite can run once per engine; unset, or a readiness-only value a server cannot run (poll,
 *   select, sigio), leaves it on @io/core's `AUTO_BACKEND`, level-triggered epoll.
 * - io_uring that is wanted but unusable (kernel, sysctl, seccomp, or no multishot recv into
 *   provided-buffer rings, which the io_uring engine needs) falls back to level-triggered epoll,
 *   with the cause in `reason` and a one-line warning (once per thread).
 *
 * `server.backend` and `server.backendReason` report the answer for a running server.
 *
 * @throws RangeError (ERR_OUT_OF_RANGE) for an `IO_BACKEND` that names no backend at all.
 */
export function resolveServerBackend(requested: ServerBackend = 'auto', options: ServerBackendOptions = {}): ResolvedBackend {
  return resolveBackend<EngineName>(requested, { ...options, needs: URING_ENGINE_NEEDS })
}
