/**
 * The timeout contract of `select(timeoutMs)`, in one place for every backend:
 * undefined or null blocks until something is ready (so does Infinity); 0 or a negative number
 * polls once; a positive number waits at least that long. Each backend rounds a fraction *up*
 * to its syscall's resolution (ms for poll, epoll and io_uring's wait, µs for select), so a
 * wait never ends before the time asked for.
 */
import { invalidArgType } from './errors.js'

/** Block until something is ready. */
export const BLOCK = -1

/** `timeoutMs` as the backends take it: -1 blocks, 0 polls once, > 0 waits (fractions kept). */
export function normalizeTimeout(timeoutMs: number | null | undefined): number {
  if (timeoutMs === undefined || timeoutMs === null) return BLOCK
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs)) {
    throw invalidArgType(`"timeoutMs" must be a number, null or undefined, got ${String(timeoutMs)}`)
  }
  if (timeoutMs === Infinity) return BLOCK
  return timeoutMs <= 0 ? 0 : timeoutMs
}
