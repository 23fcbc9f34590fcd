/**
 * Which engine a server runs on (DESIGN.md decision 7), with the same rules as @io/core's
 * reactor backends:
 *
 * - `IO_BACKEND=epoll|epoll-et|uring` wins over what the code asked for, so the whole suite
 *   can run once per backend. Its readiness-only values (poll, select, sigio: a server cannot
 *   run on them) leave the request in charge, as if unset.
 * - 'auto' is {@link AUTO_ENGINE}, the engine this package's echo benchmark favours.
 * - io_uring that is wanted but unavailable (kernel, sysctl, seccomp, no multishot recv into
 *   provided-buffer rings) falls back to level-triggered epoll, with the reason in `reason`
 *   and a one-line warning (once per thread).
 */
import { backendFromEnv } from '@io/core'
import type { ServerBackend } from '../options.js'
import { uringUnavailableReason } from './uring-support.js'

/** The engine a server actually runs on. */
export type EngineName = 'epoll' | 'epoll-et' | 'uring'

/** The result of `resolveServerBackend`. */
export interface ResolvedBackend {
  backend: EngineName
  /** One readable line on how the choice was made (and why a fallback happened). */
  reason: string
}

/**
 * What 'auto' runs: level-triggered epoll. In benchmarks/echo-server.ts (docs/benchmarks.md,
 * "Echo server") neither edge-triggered epoll nor io_uring beat it consistently on this
 * project's machine (100 connections x 16 in flight: 0.85x, 0.85x and 0.83x the C server),
 * level-triggered is the forgiving one (docs/triggering.md), and it runs everywhere.
 */
export const AUTO_ENGINE: EngineName = 'epoll'

let warned = false

/** Resolves a requested backend, and `IO_BACKEND`, to the engine to run. */
export function resolveServerBackend(requested: ServerBackend, env: NodeJS.ProcessEnv = process.env): ResolvedBackend {
  const forced = backendFromEnv(env)
  let wanted: EngineName
  let how: string
  if (forced === 'epoll' || forced === 'epoll-et' || forced === 'uring') {
    wanted = forced
    how = `IO_BACKEND=${forced}`
  } else {
    const ignored = forced === 'auto' ? '' : ` (IO_BACKEND=${forced} is readiness-only; a server ignores it)`
    if (requested === 'auto') {
      wanted = AUTO_ENGINE
      how = `'auto': ${AUTO_ENGINE === 'epoll' ? 'level-triggered epoll' : AUTO_ENGINE}${ignored}`
    } else {
      wanted = requested
      how = `requested backend '${requested}'${ignored}`
    }
  }
  if (wanted === 'uring') {
    const unavailable = uringUnavailableReason()
    if (unavailable !== null) {
      const reason = `${how}, but io_uring is unavailable (${unavailable}): using epoll`
      if (!warned) {
        warned = true
        process.emitWarning(reason, { type: 'IoUringWarning', code: 'IO_URING_UNAVAILABLE' })
      }
      return { backend: 'epoll', reason }
    }
  }
  return { backend: wanted, reason: how }
}
