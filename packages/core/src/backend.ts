import { outOfRange } from './errors.js'

/**
 * The backends `IO_BACKEND` can name (DESIGN.md decision 7). It decides what 'auto' resolves
 * to, so that a whole test suite can run once per backend; a backend named in code wins.
 *
 * - `epoll`, `epoll-et`, `uring`: reactor backends, for @io/server and DefaultSelector.
 * - `poll`, `select`, `sigio`: readiness-only backends, for DefaultSelector; a server's 'auto'
 *   stays on its default under them.
 * - unset, empty or `auto`: each layer's 'auto' runs the measured default.
 */
export const BACKENDS = ['epoll', 'epoll-et', 'uring', 'poll', 'select', 'sigio'] as const

/** One of {@link BACKENDS}. */
export type BackendName = (typeof BACKENDS)[number]

/**
 * The backend `IO_BACKEND` names (case and surrounding blanks ignored), or 'auto' when it is
 * unset, empty or 'auto'.
 * @throws RangeError (ERR_OUT_OF_RANGE) for a value that names no backend.
 */
export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): BackendName | 'auto' {
  const value = (env.IO_BACKEND ?? '').trim().toLowerCase()
  if (value === '' || value === 'auto') return 'auto'
  if ((BACKENDS as readonly string[]).includes(value)) return value as BackendName
  throw outOfRange('IO_BACKEND', `one of auto, ${BACKENDS.join(', ')}`, env.IO_BACKEND)
}
