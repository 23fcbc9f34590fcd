import { PollTable } from '@io/core'
import { pollInterest, pollReadyEvents } from './poll-bits.js'
import type { SelectorKey } from './selector-key.js'

/**
 * LevelRecheck: level-triggered reporting on top of a source that reports changes (io_uring
 * multishot poll posts a completion per wakeup, not per wait while an fd stays ready).
 *
 * The fds reported since the last re-check are remembered; before the next wait, one poll(2)
 * call over just those fds (timeout 0) says which are still ready. That costs O(fds reported
 * since), so waiting stays proportional to readiness, not to the number of fds watched.
 *
 * Reports accumulate until a re-check consumes them. Inside Node's loop a batch of completions
 * can arrive between a report and its re-check (the re-check runs on a later loop turn); if
 * that batch replaced the remembered set instead of adding to it, an fd reported earlier and
 * still ready would never be reported again: no new wakeup comes for data that is already
 * there, so a connection whose peer waits for an answer stalls.
 */
export class LevelRecheck<T> {
  readonly #table = new PollTable()
  readonly #reported = new Set<number>()

  /** True when some fds were reported since the last re-check and may still be ready. */
  get pending(): boolean {
    return this.#reported.size > 0
  }

  /** Remembers what was just reported, beside what was reported before and not yet re-checked. */
  remember(keys: SelectorKey<T>[]): void {
    for (const key of keys) this.#reported.add(key.fd)
  }

  /**
   * Adds to `ready` (fd -> events) every remembered fd that is still ready for the events of
   * its current registration (`current(fd)`; fds no longer registered are skipped). Forgets
   * the remembered set.
   */
  collect(ready: Map<number, number>, current: (fd: number) => SelectorKey<T> | undefined): void {
    if (this.#reported.size === 0) return
    const table = this.#table
    table.clear()
    for (const fd of this.#reported) {
      const live = current(fd)
      if (live !== undefined) table.set(live.fd, pollInterest(live.events))
    }
    this.#reported.clear()
    if (table.count === 0 || table.poll(0) === 0) return
    for (let i = 0; i < table.count; i++) {
      const events = pollReadyEvents(table.reventsAt(i))
      if (events !== 0) ready.set(table.fdAt(i), (ready.get(table.fdAt(i)) ?? 0) | events)
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.#reported.clear()
    this.#table.clear()
  }
}
