/**
 * Errors raised by @io/server, shaped like Node's own: bad arguments are TypeError/RangeError
 * with `ERR_INVALID_ARG_TYPE`/`ERR_OUT_OF_RANGE`, other failures carry a string `code`.
 */
import { codeError } from '@io/core'

/** A TypeError with Node's `ERR_INVALID_ARG_TYPE` code. */
export function invalidArgType(name: string, expected: string, value: unknown): TypeError & { code: string } {
  const error = new TypeError(`"${name}" must be ${expected}, got ${describe(value)}`) as TypeError & { code: string }
  error.code = 'ERR_INVALID_ARG_TYPE'
  return error
}

/** A RangeError with Node's `ERR_OUT_OF_RANGE` code. */
export function outOfRange(name: string, range: string, value: unknown): RangeError & { code: string } {
  const error = new RangeError(`"${name}" must be ${range}, got ${describe(value)}`) as RangeError & { code: string }
  error.code = 'ERR_OUT_OF_RANGE'
  return error
}

/** An Error with a string code, e.g. `ERR_SERVER_NOT_RUNNING`. */
export const serverError = codeError

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`
  return `${typeof value} ${String(value)}`
}
