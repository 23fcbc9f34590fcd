// Errors of the selector API. Misuse of a selector's state throws an Error with one of the
// codes below; bad arguments throw @io/core's TypeError (ERR_INVALID_ARG_TYPE) or RangeError
// (ERR_OUT_OF_RANGE) before any syscall; failing syscalls throw @io/core's SystemError.
import { codeError } from '@io/core'

/** `register` of an fd that is already registered (under any file object). */
export const ERR_ALREADY_REGISTERED = 'ERR_ALREADY_REGISTERED'
/** `unregister`, `modify` or `getKey` of an fd that is not registered. */
export const ERR_NOT_REGISTERED = 'ERR_NOT_REGISTERED'
/** Any use of a selector after `close`. */
export const ERR_SELECTOR_CLOSED = 'ERR_SELECTOR_CLOSED'
/** `DefaultSelector` was asked for a backend that nothing provides (IO_BACKEND=sigio without @io/signal). */
export const ERR_SELECTOR_BACKEND_UNAVAILABLE = 'ERR_SELECTOR_BACKEND_UNAVAILABLE'

/** The error for registering an fd twice. */
export function alreadyRegistered(fd: number): Error & { code: string } {
  return codeError(ERR_ALREADY_REGISTERED, `fd ${fd} is already registered`)
}

/** The error for using an fd that is not registered (`what` names it). */
export function notRegistered(what: string): Error & { code: string } {
  return codeError(ERR_NOT_REGISTERED, `${what} is not registered`)
}

/** The error for using a closed selector. */
export function selectorClosed(): Error & { code: string } {
  return codeError(ERR_SELECTOR_CLOSED, 'the selector is closed')
}
