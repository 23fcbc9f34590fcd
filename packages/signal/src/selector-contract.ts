/**
 * The selector contract of @io/selectors (issue 4: Python's `selectors` in TypeScript's naming),
 * as SigioSelector needs it: event bits, keys, error codes, and turning a file object into an
 * fd. @io/selectors had not landed on main when SigioSelector was written, so these few pieces
 * are declared here to the letter of that contract; once it lands, SigioSelector should extend
 * its map-keeping base class and this file should go.
 */
import { codeError } from '@io/core'

/** Readable. */
export const EVENT_READ = 1
/** Writable. */
export const EVENT_WRITE = 2

/** Registering an fd that is registered already (even through another object). */
export const ERR_ALREADY_REGISTERED = 'ERR_ALREADY_REGISTERED'
/** Unregister/modify/getKey of an fd that is not registered. */
export const ERR_NOT_REGISTERED = 'ERR_NOT_REGISTERED'
/** Any use of a closed selector. */
export const ERR_SELECTOR_CLOSED = 'ERR_SELECTOR_CLOSED'

/** An integer fd, or an object with `fileno()` or a numeric `fd` property. */
export type FileObject = number | { fileno(): number } | { fd: number }

/** One registration, as `register` returns it. Frozen. */
export interface SelectorKey<T = unknown> {
  readonly fileobj: FileObject
  readonly fd: number
  readonly events: number
  readonly data: T | undefined
}

/** One ready registration and what it is ready for, masked to `key.events`. */
export type SelectorEvent<T = unknown> = [key: SelectorKey<T>, events: number]

function typeError(message: string): TypeError {
  return Object.assign(new TypeError(message), { code: 'ERR_INVALID_ARG_TYPE' })
}

function rangeError(message: string): RangeError {
  return Object.assign(new RangeError(message), { code: 'ERR_OUT_OF_RANGE' })
}

/** The fd of a file object; TypeError/RangeError when it has no usable one. */
export function fileobjToFd(fileobj: FileObject): number {
  let fd: unknown = fileobj
  if (typeof fileobj === 'object' && fileobj !== null) {
    if (typeof (fileobj as { fileno?: unknown }).fileno === 'function') fd = (fileobj as { fileno(): unknown }).fileno()
    else fd = (fileobj as { fd?: unknown }).fd
  }
  if (typeof fd !== 'number' || !Number.isInteger(fd)) {
    throw typeError('"fileobj" must be an integer fd or an object with fileno() or a numeric fd')
  }
  if (fd < 0 || fd > 0x7fffffff) throw rangeError(`"fileobj" has an invalid fd: ${fd}`)
  return fd
}

/** Checks `events` is EVENT_READ, EVENT_WRITE or both. */
export function checkEvents(events: unknown): number {
  if (typeof events !== 'number' || !Number.isInteger(events)) throw typeError('"events" must be an integer')
  if (events === 0 || (events & ~(EVENT_READ | EVENT_WRITE)) !== 0) {
    throw rangeError(`"events" must be EVENT_READ, EVENT_WRITE or both, got ${events}`)
  }
  return events
}

export function alreadyRegistered(fd: number): Error {
  return codeError(ERR_ALREADY_REGISTERED, `fd ${fd} is already registered`)
}

export function notRegistered(fd: number): Error {
  return codeError(ERR_NOT_REGISTERED, `fd ${fd} is not registered`)
}

/** The SystemError a syscall on a closed fd gives (EBADF). */
export function closedFd(syscall: string): Error {
  return Object.assign(new Error(`EBADF: Bad file descriptor, ${syscall}`), { code: 'EBADF', errno: -9, syscall })
}

export function selectorClosed(): Error {
  return codeError(ERR_SELECTOR_CLOSED, 'the selector is closed')
}

/** Python's timeout rule: undefined/null blocks, 0 or negative polls once, positive waits. */
export function selectTimeout(timeoutMs: number | null | undefined): number {
  if (timeoutMs === undefined || timeoutMs === null) return -1
  if (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs)) throw typeError('"timeoutMs" must be a number')
  return timeoutMs <= 0 ? 0 : timeoutMs
}
