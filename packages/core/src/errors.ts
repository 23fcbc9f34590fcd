import { getSystemErrorMap, getSystemErrorName } from 'node:util'

/**
 * A failing syscall, shaped like Node's own SystemError: `code` ('EBADF'), `errno` (negative,
 * as in Node: -9) and `syscall` ('epoll_ctl'), with a message such as
 * `EBADF: Bad file descriptor, epoll_ctl`. Every @io package throws these for syscalls; bad
 * arguments throw `TypeError` (code `ERR_INVALID_ARG_TYPE`) or `RangeError` (code
 * `ERR_OUT_OF_RANGE`) before any syscall, and "would block" is never an exception: the I/O
 * calls return `WOULD_BLOCK`.
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

/**
 * The TypeError for an argument of the wrong type, with Node's code `ERR_INVALID_ARG_TYPE`:
 * `invalidArgType('options.entries', 'an integer', '8')` says
 * `"options.entries" must be an integer, got "8"`.
 *
 * @param name The argument as the caller wrote it (`events`, `options.backend`).
 * @param expected What it must be, phrased to follow "must be".
 * @param value What it was; the message describes it (never as "undefined undefined").
 */
export function invalidArgType(name: string, expected: string, value: unknown): TypeError & { code: 'ERR_INVALID_ARG_TYPE' } {
  const error = new TypeError(`"${name}" must be ${expected}, got ${describeValue(value)}`) as TypeError & {
    code: 'ERR_INVALID_ARG_TYPE'
  }
  error.code = 'ERR_INVALID_ARG_TYPE'
  return error
}

/**
 * The RangeError for an argument of the right type but outside its range, with Node's code
 * `ERR_OUT_OF_RANGE`: `outOfRange('fd', 'an integer >= 0', -1)` says
 * `"fd" must be an integer >= 0, got -1`.
 *
 * @param name The argument as the caller wrote it.
 * @param range What it must be, phrased to follow "must be".
 * @param value What it was.
 */
export function outOfRange(name: string, range: string, value: unknown): RangeError & { code: 'ERR_OUT_OF_RANGE' } {
  const error = new RangeError(`"${name}" must be ${range}, got ${describeValue(value)}`) as RangeError & {
    code: 'ERR_OUT_OF_RANGE'
  }
  error.code = 'ERR_OUT_OF_RANGE'
  return error
}

/**
 * A SystemError for an errno learned without a failing call here (SO_ERROR of a socket, a
 * negative io_uring completion result, a state that means the fd is gone), with the message
 * Node would write: `systemError(104, 'read')` is `ECONNRESET: connection reset by peer, read`.
 *
 * @param errno Positive (as SO_ERROR gives it) or negative (as io_uring results are); the
 *   error carries it negative, as Node's do.
 * @param syscall The call the failure belongs to.
 */
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

// A value as an argument error shows it: strings quoted (and cut), numbers as written, objects
// by their class. Every type gets a word of its own, so nothing reads "undefined undefined".
function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined'
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
    case 'number':
    case 'boolean':
      return String(value)
    case 'bigint':
      return `${value}n`
    case 'symbol':
      return value.toString()
    case 'function':
      return value.name ? `the function ${value.name}` : 'a function'
  }
  if (value === null) return 'null'
  if (Array.isArray(value)) return `an array of length ${value.length}`
  const name = (value as object).constructor?.name
  return name && name !== 'Object' ? `an instance of ${name}` : 'an object'
}
