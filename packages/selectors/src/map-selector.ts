import { BaseSelector, type ErrorCallback, type ReadyCallback } from './base-selector.js'
import { invalidArgType, outOfRange } from '@io/core'
import { alreadyRegistered, notRegistered, selectorClosed } from './errors.js'
import { ALL_EVENTS } from './events.js'
import { type FileObject, fileobjToFd } from './file-object.js'
import { makeKey, type SelectorEvent, type SelectorKey } from './selector-key.js'
import { SelectorMap } from './selector-map.js'

function checkEvents(events: unknown): number {
  if (typeof events !== 'number') throw invalidArgType('events', 'a number', events)
  if (!Number.isInteger(events) || events <= 0 || (events & ~ALL_EVENTS) !== 0) {
    throw outOfRange('events', 'EVENT_READ, EVENT_WRITE or both', events)
  }
  return events
}

function checkCallback(fn: unknown, name: string, optional: boolean): void {
  if (optional && fn === undefined) return
  if (typeof fn !== 'function') throw invalidArgType(name, 'a function', fn)
}

/**
 * MapSelector: the map-keeping base every backend extends (Python's `_BaseSelectorImpl`).
 *
 * It owns the fd -> key map, argument checks, the error contract and the `start` callbacks;
 * a backend only says how the kernel learns about a change, through four hooks:
 * `addInterest` (may throw: the registration is then rolled back), `changeInterest` (may
 * throw: the fd is then unregistered), `removeInterest` (must not throw for a closed or reused
 * fd) and `closeBackend`.
 */
export abstract class MapSelector<T = unknown> extends BaseSelector<T> {
  readonly #keys = new Map<number, SelectorKey<T>>()
  readonly #view = new SelectorMap<T>(this.#keys)
  #closed = false
  #onReady: ReadyCallback<T> | undefined
  #onError: ErrorCallback | undefined

  /** Tells the kernel about a new registration. Throwing rolls the registration back. */
  protected abstract addInterest(key: SelectorKey<T>): void
  /** Tells the kernel the events of a registration changed. Throwing unregisters the fd. */
  protected abstract changeInterest(oldKey: SelectorKey<T>, newKey: SelectorKey<T>): void
  /** Tells the kernel a registration is gone. Must not throw when the fd was closed or reused. */
  protected abstract removeInterest(key: SelectorKey<T>): void
  /** Begins waiting inside Node's loop; batches go to {@link deliver}, failures to {@link fail}. */
  protected abstract startWaiting(): void
  /** Ends what startWaiting began. */
  protected abstract stopWaiting(): void
  /** Releases the kernel object (the map is already empty and the selector stopped). */
  protected abstract closeBackend(): void
  /** Backend-specific fd checks before anything is registered (select's FD_SETSIZE). */
  protected checkFd(_fd: number): void {}

  get closed(): boolean {
    return this.#closed
  }

  register(fileobj: FileObject, events: number, data?: T): SelectorKey<T> {
    this.checkOpen()
    const fd = fileobjToFd(fileobj)
    checkEvents(events)
    if (this.#keys.has(fd)) throw alreadyRegistered(fd)
    this.checkFd(fd)
    const key = makeKey(fileobj, fd, events, data as T)
    this.#keys.set(fd, key)
    try {
      this.addInterest(key)
    } catch (error) {
      this.#keys.delete(fd)
      throw error
    }
    return key
  }

  unregister(fileobj: FileObject): SelectorKey<T> {
    this.checkOpen()
    const key = this.#lookup(fileobj)
    this.#keys.delete(key.fd)
    this.removeInterest(key)
    return key
  }

  modify(fileobj: FileObject, events: number, data?: T): SelectorKey<T> {
    this.checkOpen()
    checkEvents(events)
    const old = this.#lookup(fileobj)
    const key = makeKey(old.fileobj, old.fd, events, data as T)
    if (events === old.events) {
      if (data !== old.data) this.#keys.set(key.fd, key)
      return data !== old.data ? key : old
    }
    this.#keys.set(key.fd, key)
    try {
      this.changeInterest(old, key)
    } catch (error) {
      // Python's contract (bpo-30014): a failed modify leaves nothing half-registered.
      this.#keys.delete(key.fd)
      this.removeInterest(key)
      throw error
    }
    return key
  }

  getKey(fileobj: FileObject): SelectorKey<T> {
    this.checkOpen()
    return this.#lookup(fileobj)
  }

  getMap(): ReadonlyMap<number, SelectorKey<T>> {
    this.checkOpen()
    return this.#view
  }

  start(onReady: ReadyCallback<T>, onError?: ErrorCallback): void {
    this.checkOpen()
    checkCallback(onReady, 'onReady', false)
    checkCallback(onError, 'onError', true)
    this.#onReady = onReady
    this.#onError = onError
    this.startWaiting()
  }

  stop(): void {
    if (this.#closed) return
    this.stopWaiting()
    this.#onReady = undefined
    this.#onError = undefined
  }

  close(): void {
    if (this.#closed) return
    this.stop()
    // No per-fd removeInterest: closing the kernel object drops every registration at once.
    this.#keys.clear()
    this.#closed = true
    this.closeBackend()
  }

  /** Throws ERR_SELECTOR_CLOSED after close. */
  protected checkOpen(): void {
    if (this.#closed) throw selectorClosed()
  }

  /** The key registered for `fd`, if any (for mapping kernel reports back to keys). */
  protected keyOf(fd: number): SelectorKey<T> | undefined {
    return this.#keys.get(fd)
  }

  /** Every current key. */
  protected registeredKeys(): IterableIterator<SelectorKey<T>> {
    return this.#keys.values()
  }

  /** How many fds are registered. */
  protected get registeredCount(): number {
    return this.#keys.size
  }

  /** Hands a batch to the `start` callback (empty batches are not delivered). */
  protected deliver(events: SelectorEvent<T>[]): void {
    if (events.length > 0) this.#onReady?.(events)
  }

  /** Waiting failed: stop, then hand the error to `onError`, or throw it into the loop. */
  protected fail(error: Error): void {
    const onError = this.#onError
    this.stop()
    if (onError === undefined) throw error
    onError(error)
  }

  // The key of `fileobj`: by its fd, or, when the object can no longer say its fd (a closed
  // socket object answering -1), by identity among the registered keys.
  #lookup(fileobj: FileObject): SelectorKey<T> {
    let fd: number
    try {
      fd = fileobjToFd(fileobj)
    } catch (error) {
      for (const key of this.#keys.values()) if (key.fileobj === fileobj) return key
      throw error
    }
    const key = this.#keys.get(fd)
    if (key === undefined) throw notRegistered(`fd ${fd}`)
    return key
  }
}
