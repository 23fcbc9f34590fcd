/**
 * Which engine a server runs on. `backend: 'auto'` honours `IO_BACKEND` (DESIGN.md decision 7);
 * an explicit backend wins over the environment. The readiness-only values of `IO_BACKEND`
 * (poll, select, sigio) mean nothing to a server and count as 'auto'. io_uring falls back to
 * level-triggered epoll where the kernel (or this build) does not offer it, with a reason.
 */
import { backendFromEnv } from '@io/core'
import type { ServerBackend } from './options.js'
import { uringUnavailableReason } from './uring-support.js'

/** The engine a server actually runs on. */
export type EngineName = 'epoll' | 'epoll-et' | 'uring'

export interface ResolvedBackend {
  backend: EngineName
  /** One readable line on how the choice was made (and why a fallback happened). */
  reason: string
}

/** Resolves a requested backend (and `IO_BACKEND` for 'auto') to the engine to run. */
export function resolveServerBackend(requested: ServerBackend, env: NodeJS.ProcessEnv = process.env): ResolvedBackend {
  let wanted: EngineName
  let how: string
  if (requested !== 'auto') {
    wanted = requested
    how = `requested backend '${requested}'`
  } else {
    const fromEnv = backendFromEnv(env)
    if (fromEnv === 'epoll' || fromEnv === 'epoll-et' || fromEnv === 'uring') {
      wanted = fromEnv
      how = `IO_BACKEND=${fromEnv}`
    } else if (fromEnv === 'auto') {
      wanted = 'epoll'
      how = "'auto': level-triggered epoll"
    } else {
      wanted = 'epoll'
      how = `IO_BACKEND=${fromEnv} is readiness-only (selectors); the server treats it as 'auto': level-triggered epoll`
    }
  }
  if (wanted === 'uring') {
    const unavailable = uringUnavailableReason()
    if (unavailable !== null) return { backend: 'epoll', reason: `${how}, but io_uring is unavailable (${unavailable}): using epoll` }
  }
  return { backend: wanted, reason: how }
}
