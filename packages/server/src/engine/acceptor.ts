/**
 * Accepting under fd exhaustion. When accept() fails (EMFILE, ENFILE, ENOBUFS, ...) the
 * connection stays in the kernel's queue and a level-triggered listener is reported ready
 * again at once: retrying on every event would spin at 100% CPU without ever succeeding. So
 * the engine stops watching the listener and retries from a timer instead, doubling the delay
 * from 5 ms up to 1 s while it keeps failing. Pending clients wait in the backlog (rather than
 * being accepted and dropped, as a reserve-fd scheme does) and are served once fds free up.
 */
const MIN_DELAY_MS = 5
const MAX_DELAY_MS = 1000

export class AcceptBackoff {
  private delay = 0
  private timer: NodeJS.Timeout | null = null

  /** The delay before the retry now scheduled, in ms (0 when accepting normally). */
  get delayMs(): number {
    return this.delay
  }

  /** True while accepting is paused after a failure. */
  get paused(): boolean {
    return this.delay > 0
  }

  /** Schedules `retry` after the next delay of the schedule. */
  failed(retry: () => void): void {
    this.delay = this.delay === 0 ? MIN_DELAY_MS : Math.min(this.delay * 2, MAX_DELAY_MS)
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      retry()
    }, this.delay)
    this.timer.unref() // the listener keeps the process alive, not the retry
  }

  /** An accept succeeded (or found the queue empty): back to normal. */
  recovered(): void {
    this.delay = 0
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.delay = 0
  }
}
