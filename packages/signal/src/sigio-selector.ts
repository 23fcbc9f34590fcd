import { constants as osConstants } from 'node:os'
import { ERROR, HANGUP, PRIORITY, READABLE, SignalDrivenIO, systemError, WRITABLE } from '@io/core'
import {
  EVENT_READ,
  EVENT_WRITE,
  MapSelector,
  type SelectorEvent,
  type SelectorKey,
  normalizeTimeout,
} from '@io/selectors'

const READ_BITS = READABLE | PRIORITY | ERROR | HANGUP
const WRITE_BITS = WRITABLE | ERROR | HANGUP
const MIN_READY_LIST = 64
const MAX_READY_LIST = 1 << 20

const interestOf = (events: number) => (events & EVENT_READ ? READABLE : 0) | (events & EVENT_WRITE ? WRITABLE : 0)

// What a syscall on a closed fd says: the error for a modify of an fd SignalDrivenIO saw closed.
const closedFdError = () => systemError(osConstants.errno.EBADF, 'fcntl')

const notWatched = (error: unknown) => (error as { code?: string }).code === 'ERR_SIGIO_NOT_WATCHED'

/**
 * SigioSelector: the @io/selectors interface over signal-driven I/O (@io/core's
 * `SignalDrivenIO`), and the `sigio` backend of `DefaultSelector`.
 *
 * A selector is level-triggered (Python's contract): an fd is reported by every `select` while
 * it stays ready. Signals only say which fds changed, so SigioSelector runs SignalDrivenIO in
 * its level-triggered mode: each collect polls the fds it has heard of (the candidates), not
 * every registered fd, and keeps reporting them while ready. The cost of a select therefore
 * grows with the fds active, like epoll, except after a signal-queue overflow, when every
 * registered fd is polled once.
 *
 * The token of each registration is its fd; stale signals for an fd that was unregistered,
 * closed or reused are dropped by SignalDrivenIO. The ready list grows with the registrations,
 * so one `select` returns every ready fd, as Python's does.
 *
 * @example
 * ```ts
 * import { EVENT_READ } from '@io/selectors'
 * import { SigioSelector } from '@io/signal'
 * const sel = new SigioSelector()
 * sel.register(fd, EVENT_READ, 'client')
 * for (const [key, events] of sel.select(1000)) console.log(key.data, events)
 * sel.close()
 * ```
 */
export class SigioSelector<T = unknown> extends MapSelector<T> {
  readonly #io = new SignalDrivenIO({ maxEvents: MIN_READY_LIST, levelTriggered: true })
  readonly #onBatch = (count: number): void => {
    this.deliver(this.#collect(count))
  }

  /** The SignalDrivenIO underneath (its `stats`, `signal`, `ownerTid`). */
  get signalDrivenIO(): SignalDrivenIO {
    return this.#io
  }

  get active(): boolean {
    return !this.closed && this.#io.active
  }

  /**
   * Waits for readiness: undefined/null blocks, 0 or negative polls once, a positive timeout
   * waits at least that long (ms, rounded up). Returns `[key, events]` pairs.
   */
  select(timeoutMs?: number | null): SelectorEvent<T>[] {
    this.checkOpen()
    return this.#collect(this.#io.wait(normalizeTimeout(timeoutMs)))
  }

  ref(): void {
    if (!this.closed) this.#io.ref()
  }

  unref(): void {
    if (!this.closed) this.#io.unref()
  }

  protected addInterest(key: SelectorKey<T>): void {
    this.#io.watch(key.fd, key.fd, interestOf(key.events))
    // Room for every registration in one batch: then one select returns every ready fd.
    const size = this.#io.maxEvents
    if (this.registeredCount > size && size < MAX_READY_LIST) this.#io.resize(Math.min(MAX_READY_LIST, size * 2))
  }

  protected changeInterest(_old: SelectorKey<T>, key: SelectorKey<T>): void {
    try {
      this.#io.modify(key.fd, key.fd, interestOf(key.events))
    } catch (error) {
      throw notWatched(error) ? closedFdError() : error
    }
  }

  protected removeInterest(key: SelectorKey<T>): void {
    try {
      this.#io.unwatch(key.fd) // false (nothing touched) when the fd was closed or reused
    } catch (error) {
      if (!notWatched(error)) throw error // already forgotten: it saw the fd closed
    }
  }

  protected startWaiting(): void {
    this.#io.start(this.#onBatch)
  }

  protected stopWaiting(): void {
    this.#io.stop()
  }

  protected closeBackend(): void {
    this.#io.close() // unwatches (and restores) every fd
  }

  #collect(count: number): SelectorEvent<T>[] {
    const out: SelectorEvent<T>[] = []
    const tokens = this.#io.readyTokens
    const bands = this.#io.readyBands
    for (let i = 0; i < count; i++) {
      const key = this.keyOf(tokens[i])
      if (key === undefined) continue
      const band = bands[i]
      const events = ((band & READ_BITS ? EVENT_READ : 0) | (band & WRITE_BITS ? EVENT_WRITE : 0)) & key.events
      if (events !== 0) out.push([key, events])
    }
    return out
  }
}
