import { MultiplexWatcher, PollTable, type SystemError } from '@io/core'
import { MapSelector } from './map-selector.js'
import { pollInterest, pollReadyEvents } from './poll-bits.js'
import type { SelectorEvent, SelectorKey } from './selector-key.js'
import { normalizeTimeout } from './timeout.js'

/**
 * TableSelector: the base of the selectors that hand the kernel their whole interest list on
 * every call, select(2) and poll(2) (the place of Python's `_PollLikeSelector` in this chain).
 *
 * The interest list is an @io/core `PollTable`: `struct pollfd` entries in one ArrayBuffer
 * that register/modify/unregister edit in place, and that each call passes to the kernel as
 * it is; answers come back in the same memory. That is also why their cost grows with the
 * number of fds *watched*, ready or not: see docs/selectors.md.
 *
 * `start()` uses @io/core's `MultiplexWatcher`: a native helper thread blocks in select/poll
 * on a copy of the table plus a wakeup eventfd and signals an eventfd that Node's loop
 * watches; the loop thread then scans the live table with a zero timeout and delivers one
 * batch. Node's timers and I/O keep running meanwhile. Changes made while started reach the
 * helper once per microtask checkpoint, however many there were.
 */
export abstract class TableSelector<T = unknown> extends MapSelector<T> {
  /** The interest list handed to the kernel. */
  protected readonly table = new PollTable()
  readonly #kind: 'select' | 'poll'
  #watcher: MultiplexWatcher | undefined
  #refed = true
  #updateQueued = false
  readonly #onBatch = (count: number, error?: Error): void => {
    if (error !== undefined) this.fail(error as SystemError)
    else this.deliver(this.#collect(count))
  }

  constructor(kind: 'select' | 'poll') {
    super()
    this.#kind = kind
  }

  /** Runs the syscall over {@link table} (timeout as normalizeTimeout returns it); returns the ready count. */
  protected abstract scan(timeoutMs: number): number

  get active(): boolean {
    return this.#watcher?.active ?? false
  }

  select(timeoutMs?: number | null): SelectorEvent<T>[] {
    this.checkOpen()
    const timeout = normalizeTimeout(timeoutMs)
    return this.#collect(this.scan(timeout))
  }

  ref(): void {
    this.#refed = true
    this.#watcher?.ref()
  }

  unref(): void {
    this.#refed = false
    this.#watcher?.unref()
  }

  protected addInterest(key: SelectorKey<T>): void {
    this.table.set(key.fd, pollInterest(key.events))
    this.#tableChanged()
  }

  protected changeInterest(_old: SelectorKey<T>, key: SelectorKey<T>): void {
    this.addInterest(key)
  }

  protected removeInterest(key: SelectorKey<T>): void {
    this.table.delete(key.fd)
    this.#tableChanged()
  }

  protected startWaiting(): void {
    if (this.#watcher === undefined) {
      this.#watcher = new MultiplexWatcher(this.#kind)
      if (!this.#refed) this.#watcher.unref()
    }
    this.#watcher.start(this.table, this.#onBatch)
  }

  protected stopWaiting(): void {
    this.#watcher?.stop()
  }

  protected closeBackend(): void {
    this.#watcher?.close()
    this.#watcher = undefined
    this.table.clear()
  }

  // Turns the revents of the last scan into [key, events] pairs. `ready` (the syscall's count)
  // lets the loop stop at the last ready entry instead of walking the whole table.
  #collect(ready: number): SelectorEvent<T>[] {
    const out: SelectorEvent<T>[] = []
    const table = this.table
    for (let i = 0, found = 0; found < ready && i < table.count; i++) {
      const revents = table.reventsAt(i)
      if (revents === 0) continue
      found++
      const key = this.keyOf(table.fdAt(i))
      if (key === undefined) continue
      const events = pollReadyEvents(revents) & key.events
      if (events !== 0) out.push([key, events])
    }
    return out
  }

  #tableChanged(): void {
    if (this.#updateQueued || !this.active) return
    this.#updateQueued = true
    queueMicrotask(() => {
      this.#updateQueued = false
      if (this.#watcher?.active) this.#watcher.update(this.table)
    })
  }
}
