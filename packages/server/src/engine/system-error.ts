/**
 * A Node-style SystemError for an errno the server learned without a failing call (SO_ERROR
 * of a socket, a negative io_uring completion result): `code`, negative `errno`, `syscall`,
 * and the message Node would write, `ECONNRESET: Connection reset by peer, read`.
 */
import { getSystemErrorMap, getSystemErrorName } from 'node:util'
import type { SystemError } from '@io/core'

/** `errno` may be given positive (SO_ERROR) or negative (io_uring results). */
export function systemError(errno: number, syscall: string): SystemError {
  const negative = -Math.abs(errno)
  const code = getSystemErrorName(negative)
  const description = getSystemErrorMap().get(negative)?.[1] ?? 'Unknown system error'
  const error = new Error(`${code}: ${description}, ${syscall}`) as SystemError
  error.code = code
  error.errno = negative
  error.syscall = syscall
  return error
}
