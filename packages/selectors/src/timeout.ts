import { invalidArgType } from '@io/core'

/** Block until something is ready. */
export const BLOCK = -1

/**
 * The timeout contract of `select(timeoutMs)`, in one place for every backend: returns
 * `timeoutMs` as the backends take it, -1 to block, 0 to poll once, > 0 to wait (fractions kept).
 *
 * undefined or null blocks until something is ready (so does Infinity); 0 or a negative number
 * polls once; a positive number waits at least that long. Each backend rounds a fraction *up*
 * to its syscall's resolution (ms for poll, epoll and io_uring's wait, µs for select), so a
 * wait never ends before the time asked for.
 *
 * @throws TypeError (ERR_INVALID_ARG_TYPE) for NaN and anything that is not a number, null or undefined.
 */
export function normalizeTimeout(timeoutMs: number | null | undefined): number {
  if (timeoutMs === undefined || timeoutMs === null) return BLOCK
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs)) {
    throw invalidArgType('timeoutMs', 'a number (not NaN), null or undefined', timeoutMs)
  }
  if (timeoutMs === Infinity) return BLOCK
  return timeoutMs <= 0 ? 0 : timeoutMs
}
