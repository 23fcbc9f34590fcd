import { EDGE_TRIGGERED, ERROR, Epoll, HANGUP, invalidArgType, isSystemError, PRIORITY, READABLE, WRITABLE } from '@io/core'
import { EVENT_READ, EVENT_WRITE } from './events.js'
import { MapSelector } from './map-selector.js'
import type { SelectorEvent, SelectorKey } from './selector-key.js'
import { normalizeTimeout } from './timeout.js'
import { TokenTable } from './token-table.js'

const READ_BITS = READABLE | PRIORITY | ERROR | HANGUP
const WRITE_BITS = WRITABLE | ERROR | HANGUP
const MIN_READY_LIST = 64

/** Options of {@link EpollSelector}. */
export interface EpollSelectorOptions {
  /** Report changes, not levels (EPOLLET). Default false. */
  edgeTriggered?: boolean
}

/**
 * EpollSelector: epoll(7) through @io/core's `Epoll`. The kernel keeps the interest list, so a
 * wait costs time in proportion to the fds *ready*, not the fds watched.
 *
 * Level-triggered by default: an fd is reported on every select while it stays ready.
 * `{ edgeTriggered: true }` adds EPOLLET: an fd is reported once per change (data arriving,
 * buffer space freed), so after a report the caller must read (or write) until the call would
 * block, or the rest of the data waits unreported until the peer sends more.
 *
 * A closed fd or a regular file (EPERM: epoll cannot watch files) fails in `register` with the
 * kernel's SystemError and leaves nothing registered. The ready list grows with the number of
 * registrations, so one `select` returns every ready fd, as Python's does.
 *
 * @example
 * ```ts
 * const sel = new EpollSelector({ edgeTriggered: true })
 * sel.register(fd, EVENT_READ, conn)
 * sel.start((events) => { for (const [key] of events) key.data.drain() })
 * ```
 */
export class EpollSelector<T = unknown> extends MapSelector<T> {
  /** True when created with `{ edgeTriggered: true }`. */
  readonly edgeTriggered: boolean
  #epoll: Epoll
  readonly #tokens = new TokenTable()
  #refed = true
  readonly #onBatch = (count: number): void => {
    this.deliver(this.#collect(count))
  }

  constructor(options: EpollSelectorOptions = {}) {
    super()
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
    if (options.edgeTriggered !== undefined && typeof options.edgeTriggered !== 'boolean') {
      throw invalidArgType('options.edgeTriggered', 'a boolean', options.edgeTriggered)
    }
    this.edgeTriggered = options.edgeTriggered ?? false
    this.#epoll = new Epoll({ maxEvents: MIN_READY_LIST })
  }

  /** The epoll fd (for nesting this selector in another one). */
  fileno(): number {
    this.checkOpen()
    return this.#epoll.fd
  }

  get active(): boolean {
    return !this.closed && this.#epoll.active
  }

  select(timeoutMs?: number | null): SelectorEvent<T>[] {
    this.checkOpen()
    return this.#collect(this.#epoll.wait(normalizeTimeout(timeoutMs)))
  }

  ref(): void {
    this.#refed = true
    if (!this.closed) this.#epoll.ref()
  }

  unref(): void {
    this.#refed = false
    if (!this.closed) this.#epoll.unref()
  }

  protected addInterest(key: SelectorKey<T>): void {
    const token = this.#tokens.issue(key.fd)
    let added = false
    try {
      this.#epoll.add(key.fd, this.#interest(key.events), token)
      added = true
      if (this.registeredCount > this.#epoll.maxEvents) this.#growReadyList()
    } catch (error) {
      if (added) this.removeInterest(key)
      else this.#tokens.release(key.fd)
      throw error
    }
  }

  protected changeInterest(_old: SelectorKey<T>, key: SelectorKey<T>): void {
    this.#epoll.modify(key.fd, this.#interest(key.events), this.#tokens.tokenOf(key.fd) ?? 0)
  }

  protected removeInterest(key: SelectorKey<T>): void {
    this.#tokens.release(key.fd)
    try {
      this.#epoll.delete(key.fd)
    } catch (error) {
      // EBADF (closed) or ENOENT (number reused by a file we never registered): the kernel
      // already forgot the old file, which is what unregister wants.
      if (!isSystemError(error)) throw error
    }
  }

  protected startWaiting(): void {
    this.#epoll.start(this.#onBatch)
  }

  protected stopWaiting(): void {
    this.#epoll.stop()
  }

  protected closeBackend(): void {
    this.#tokens.clear()
    this.#epoll.close()
  }

  #interest(events: number): number {
    let bits = (events & EVENT_READ ? READABLE : 0) | (events & EVENT_WRITE ? WRITABLE : 0)
    if (this.edgeTriggered) bits = (bits | EDGE_TRIGGERED) >>> 0
    return bits
  }

  #collect(count: number): SelectorEvent<T>[] {
    const out: SelectorEvent<T>[] = []
    const tokens = this.#epoll.readyTokens
    const bits = this.#epoll.readyEvents
    for (let i = 0; i < count; i++) {
      const fd = this.#tokens.fdOf(tokens[i])
      const key = fd === undefined ? undefined : this.keyOf(fd)
      if (key === undefined) continue // a late report for a registration that is gone
      const ready = bits[i]
      const events = ((ready & READ_BITS ? EVENT_READ : 0) | (ready & WRITE_BITS ? EVENT_WRITE : 0)) & key.events
      if (events !== 0) out.push([key, events])
    }
    return out
  }

  // Epoll's ready list has a fixed size; once registrations outnumber it, move them to a new
  // epoll with twice the room, so one select still returns every ready fd. Amortised O(1) per
  // register. A registration whose fd was closed meanwhile cannot be re-added and is skipped
  // (unregister still succeeds for it).
  #growReadyList(): void {
    const next = new Epoll({ maxEvents: Math.max(MIN_READY_LIST, this.#epoll.maxEvents * 2) })
    try {
      for (const key of this.registeredKeys()) {
        try {
          next.add(key.fd, this.#interest(key.events), this.#tokens.tokenOf(key.fd) ?? 0)
        } catch (error) {
          if (!isSystemError(error, 'EBADF')) throw error
        }
      }
    } catch (error) {
      next.close()
      throw error
    }
    const wasActive = this.#epoll.active
    this.#epoll.close()
    this.#epoll = next
    if (!this.#refed) next.unref()
    if (wasActive) next.start(this.#onBatch)
  }
}
