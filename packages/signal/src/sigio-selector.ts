/**
 * SigioSelector: the @io/selectors interface over signal-driven I/O.
 *
 * A selector is level-triggered (Python's contract): an fd is reported by every `select` while
 * it stays ready. Signals only say which fds changed, so SigioSelector runs SignalDrivenIO in
 * its level-triggered mode: each collect polls the fds it has heard of (the candidates), not
 * every registered fd, and keeps reporting them while ready. The cost of a select therefore
 * grows with the fds active, like epoll, except after a signal-queue overflow, when every
 * registered fd is polled once.
 *
 * The token of each registration is its fd; stale signals for an fd that was unregistered,
 * closed or reused are dropped by SignalDrivenIO.
 *
 * @example
 * ```ts
 * import { SigioSelector, EVENT_READ } from '@io/signal'
 * const sel = new SigioSelector()
 * sel.register(fd, EVENT_READ, 'client')
 * for (const [key, events] of sel.select(1000)) console.log(key.data, events)
 * sel.close()
 * ```
 */
import { READABLE, SignalDrivenIO, WRITABLE } from '@io/core'
import {
  EVENT_READ,
  EVENT_WRITE,
  type FileObject,
  type SelectorEvent,
  type SelectorKey,
  alreadyRegistered,
  checkEvents,
  closedFd,
  fileobjToFd,
  notRegistered,
  selectTimeout,
  selectorClosed,
} from './selector-contract.js'

export interface SigioSelectorOptions {
  /** How many ready fds one select can return. Default 1024. */
  maxEvents?: number
}

/** Called by `start` with each non-empty batch of ready events. */
export type ReadyCallback<T = unknown> = (events: SelectorEvent<T>[]) => void
/** Called by `start` when waiting failed; the selector has stopped. */
export type ErrorCallback = (error: Error) => void

const interestOf = (events: number) => (events & EVENT_READ ? READABLE : 0) | (events & EVENT_WRITE ? WRITABLE : 0)

// As CPython's poll-based selectors: anything but POLLIN (POLLOUT, POLLERR, POLLHUP) makes a
// writer look, anything but POLLOUT (POLLIN, POLLPRI, POLLERR, POLLHUP) makes a reader look,
// so an error or hang-up surfaces in whatever the caller does next.
function eventsOfBand(band: number): number {
  return (band & ~READABLE ? EVENT_WRITE : 0) | (band & ~WRITABLE ? EVENT_READ : 0)
}

/** A live, read-only view of the registrations. */
class KeyView<T> implements ReadonlyMap<number, SelectorKey<T>> {
  readonly #map: Map<number, SelectorKey<T>>
  constructor(map: Map<number, SelectorKey<T>>) {
    this.#map = map
  }
  get size(): number {
    return this.#map.size
  }
  get(fd: number): SelectorKey<T> | undefined {
    return this.#map.get(fd)
  }
  has(fd: number): boolean {
    return this.#map.has(fd)
  }
  forEach(fn: (key: SelectorKey<T>, fd: number, map: ReadonlyMap<number, SelectorKey<T>>) => void): void {
    this.#map.forEach((key, fd) => fn(key, fd, this))
  }
  entries(): MapIterator<[number, SelectorKey<T>]> {
    return this.#map.entries()
  }
  keys(): MapIterator<number> {
    return this.#map.keys()
  }
  values(): MapIterator<SelectorKey<T>> {
    return this.#map.values()
  }
  [Symbol.iterator](): MapIterator<[number, SelectorKey<T>]> {
    return this.#map.entries()
  }
}

export class SigioSelector<T = unknown> implements Disposable {
  readonly #io: SignalDrivenIO
  readonly #keys = new Map<number, SelectorKey<T>>()
  readonly #view = new KeyView(this.#keys)
  #closed = false

  /** Claims a real-time signal for this selector (see SignalDrivenIO). */
  constructor(options: SigioSelectorOptions = {}) {
    this.#io = new SignalDrivenIO({ maxEvents: options?.maxEvents, levelTriggered: true })
  }

  /** The SignalDrivenIO underneath (its `stats`, `signal`, `ownerTid`). */
  get signalDrivenIO(): SignalDrivenIO {
    return this.#io
  }

  /**
   * Watches `fileobj` for `events` (EVENT_READ, EVENT_WRITE or both); returns the new key.
   * @throws `ERR_ALREADY_REGISTERED` for an fd registered already; the kernel's SystemError
   * (EBADF for a closed fd, EPERM for a regular file or other fd that never signals), with
   * nothing registered.
   */
  register(fileobj: FileObject, events: number, data?: T): SelectorKey<T> {
    const fd = fileobjToFd(fileobj)
    checkEvents(events)
    this.#checkOpen()
    if (this.#keys.has(fd)) throw alreadyRegistered(fd)
    this.#io.watch(fd, fd, interestOf(events))
    const key: SelectorKey<T> = Object.freeze({ fileobj, fd, events, data })
    this.#keys.set(fd, key)
    return key
  }

  /** Stops watching `fileobj`; returns its key. Works after the fd was closed or reused. */
  unregister(fileobj: FileObject): SelectorKey<T> {
    const fd = fileobjToFd(fileobj)
    this.#checkOpen()
    const key = this.#keys.get(fd)
    if (key === undefined) throw notRegistered(fd)
    this.#keys.delete(fd)
    try {
      this.#io.unwatch(fd)
    } catch (error) {
      // SignalDrivenIO already forgot an fd it saw closed: nothing left to undo.
      if ((error as { code?: string }).code !== 'ERR_SIGIO_NOT_WATCHED') throw error
    }
    return key
  }

  /**
   * Changes events and data; returns the new key. When the kernel side fails (the fd was
   * closed), the fd is left unregistered and the error thrown.
   */
  modify(fileobj: FileObject, events: number, data?: T): SelectorKey<T> {
    const fd = fileobjToFd(fileobj)
    checkEvents(events)
    this.#checkOpen()
    const old = this.#keys.get(fd)
    if (old === undefined) throw notRegistered(fd)
    if (events !== old.events) {
      try {
        this.#io.modify(fd, fd, interestOf(events))
      } catch (error) {
        this.#keys.delete(fd)
        // SignalDrivenIO forgets an fd it has seen closed; the kernel would say EBADF.
        throw (error as { code?: string }).code === 'ERR_SIGIO_NOT_WATCHED' ? closedFd('fcntl') : error
      }
    }
    const key: SelectorKey<T> = Object.freeze({ fileobj: old.fileobj, fd, events, data })
    this.#keys.set(fd, key)
    return key
  }

  /**
   * Waits for readiness: undefined/null blocks, 0 or negative polls once, a positive timeout
   * waits at least that long (ms, rounded up). Returns `[key, events]` pairs.
   */
  select(timeoutMs?: number | null): SelectorEvent<T>[] {
    const timeout = selectTimeout(timeoutMs)
    this.#checkOpen()
    return this.#ready(this.#io.wait(timeout))
  }

  #ready(count: number): SelectorEvent<T>[] {
    const out: SelectorEvent<T>[] = []
    const tokens = this.#io.readyTokens
    const bands = this.#io.readyBands
    for (let i = 0; i < count; i++) {
      const key = this.#keys.get(tokens[i])
      if (key === undefined) continue
      const events = eventsOfBand(bands[i]) & key.events
      if (events !== 0) out.push([key, events])
    }
    return out
  }

  /**
   * Selects inside Node's loop: `onReady` gets each non-empty batch, as `select` would
   * return it. Calling it again replaces the callback.
   */
  start(onReady: ReadyCallback<T>, _onError?: ErrorCallback): void {
    // `_onError` is part of the selector contract; reading an open signalfd has no failure to
    // report (EAGAIN and EINTR are handled natively), so it is never called.
    if (typeof onReady !== 'function') {
      throw Object.assign(new TypeError('"onReady" must be a function'), { code: 'ERR_INVALID_ARG_TYPE' })
    }
    this.#checkOpen()
    this.#io.start((count) => {
      const events = this.#ready(count)
      if (events.length > 0) onReady(events)
    })
  }

  /** Stops what `start` began; `select` keeps working. */
  stop(): void {
    if (!this.#closed) this.#io.stop()
  }

  /** Keeps the process alive while started (the default). */
  ref(): void {
    this.#checkOpen()
    this.#io.ref()
  }

  /** Lets the process exit while started. */
  unref(): void {
    this.#checkOpen()
    this.#io.unref()
  }

  /** The key of `fileobj`; `ERR_NOT_REGISTERED` when it has none. */
  getKey(fileobj: FileObject): SelectorKey<T> {
    const fd = fileobjToFd(fileobj)
    this.#checkOpen()
    const key = this.#keys.get(fd)
    if (key === undefined) throw notRegistered(fd)
    return key
  }

  /** A live read-only view of the registrations, fd -> key. */
  getMap(): ReadonlyMap<number, SelectorKey<T>> {
    this.#checkOpen()
    return this.#view
  }

  /** Closes the selector: every fd is unwatched (and restored), the signal released. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#io.close()
    this.#keys.clear()
  }

  get closed(): boolean {
    return this.#closed
  }

  get active(): boolean {
    return !this.#closed && this.#io.active
  }

  [Symbol.dispose](): void {
    this.close()
  }

  #checkOpen(): void {
    if (this.#closed) throw selectorClosed()
  }
}

