import type { FileObject } from './file-object.js'

/**
 * One registration, as Python's `selectors.SelectorKey`: the file object, its fd, the events
 * asked for and the caller's data. Keys are frozen: `modify` returns a new key rather than
 * changing the old one, so a key held by a caller never changes under it.
 */
export interface SelectorKey<T = unknown> {
  readonly fileobj: FileObject
  readonly fd: number
  readonly events: number
  readonly data: T
}

/** One entry of a `select()` result: the key and the events that are ready (masked to `key.events`). */
export type SelectorEvent<T = unknown> = [key: SelectorKey<T>, events: number]

/** A new frozen key. */
export function makeKey<T>(fileobj: FileObject, fd: number, events: number, data: T): SelectorKey<T> {
  return Object.freeze({ fileobj, fd, events, data })
}
