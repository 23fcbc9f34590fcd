/**
 * Errors thrown by @io/core, shaped like Node's own.
 *
 * A failing syscall throws an `Error` with `code` ('EBADF'), `errno` (negative, as in Node:
 * -9) and `syscall` ('epoll_ctl'), and a message such as
 * `EBADF: Bad file descriptor, epoll_ctl`. Bad arguments throw `TypeError` (code
 * `ERR_INVALID_ARG_TYPE`) or `RangeError` (code `ERR_OUT_OF_RANGE`) before any syscall.
 * "Would block" is never an exception: the I/O calls return {@link WOULD_BLOCK}.
 */
export interface SystemError extends Error {
  code: string
  errno: number
  syscall: string
}

/** True when `error` is a Node-style SystemError, optionally with the given code. */
export function isSystemError(error: unknown, code?: string): error is SystemError {
  if (!(error instanceof Error)) return false
  const e = error as Partial<SystemError>
  if (typeof e.code !== 'string' || typeof e.errno !== 'number' || typeof e.syscall !== 'string') return false
  return code === undefined || e.code === code
}

/** Builds an Error with a Node-style string `code` (for non-syscall failures). */
export function codeError(code: string, message: string): Error & { code: string } {
  const error = new Error(message) as Error & { code: string }
  error.code = code
  return error
}
