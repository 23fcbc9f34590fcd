import { PollTable } from '@io/core'
import { pollInterest, pollReadyEvents } from './poll-bits.js'
import type { SelectorKey } from './selector-key.js'

/**
 * LevelRecheck: level-triggered reporting on top of a source that reports changes (io_uring
 * multishot poll posts a completion per wakeup, not per wait while an fd stays ready).
 *
 * The keys reported by one select are remembered; before the next wait, one poll(2) call over
 * just those fds (timeout 0) says which are still ready. That costs O(fds reported last time),
 * so waiting stays proportional to readiness, not to the number of fds watched.
 */
export class LevelRecheck<T> {
  readonly #table = new PollTable()
  #reported: SelectorKey<T>[] = []

  /** True when some fds were reported last time and may still be ready. */
  get pending(): boolean {
    return this.#reported.length > 0
  }

  /** Remembers what was just reported. */
  remember(keys: SelectorKey<T>[]): void {
    this.#reported = keys
  }

  /**
   * Adds to `ready` (fd -> events) every remembered fd that is still ready, among those for
   * which `current(fd)` is still the same registration. Forgets the remembered set.
   */
  collect(ready: Map<number, number>, current: (fd: number) => SelectorKey<T> | undefined): void {
    if (this.#reported.length === 0) return
    const table = this.#table
    table.clear()
    for (const key of this.#reported) {
      const live = current(key.fd)
      if (live !== undefined) table.set(live.fd, pollInterest(live.events))
    }
    this.#reported = []
    if (table.count === 0 || table.poll(0) === 0) return
    for (let i = 0; i < table.count; i++) {
      const events = pollReadyEvents(table.reventsAt(i))
      if (events !== 0) ready.set(table.fdAt(i), (ready.get(table.fdAt(i)) ?? 0) | events)
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.#reported = []
    this.#table.clear()
  }
}
