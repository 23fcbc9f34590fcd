/**
 * The one environment switch (DESIGN.md decision 7): `IO_BACKEND` forces a backend everywhere,
 * so the whole suite can run once per backend.
 *
 * - `epoll`, `epoll-et`, `uring`: reactor backends, honoured by @io/server and DefaultSelector.
 * - `poll`, `select`, `sigio`: readiness-only backends, honoured by DefaultSelector; layers that
 *   cannot use them (the server) fall back to `auto`.
 * - unset, empty or `auto`: each layer picks its default.
 */
export const BACKENDS = ['epoll', 'epoll-et', 'uring', 'poll', 'select', 'sigio'] as const
/** A backend `IO_BACKEND` may name. */
export type BackendName = (typeof BACKENDS)[number]

/** The backend named by `IO_BACKEND`, or 'auto'. A value that names no backend throws RangeError. */
export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): BackendName | 'auto' {
  const value = (env.IO_BACKEND ?? '').trim().toLowerCase()
  if (value === '' || value === 'auto') return 'auto'
  if ((BACKENDS as readonly string[]).includes(value)) return value as BackendName
  throw Object.assign(
    new RangeError(`IO_BACKEND must be one of auto, ${BACKENDS.join(', ')}; got "${env.IO_BACKEND}"`),
    { code: 'ERR_OUT_OF_RANGE' },
  )
}
