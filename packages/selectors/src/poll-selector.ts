import { TableSelector } from './table-selector.js'

/**
 * PollSelector: poll(2). No fd limit beyond RLIMIT_NOFILE, but like select every call hands
 * the kernel the whole list, so its cost grows with the number of fds watched. A closed fd
 * that is still registered is reported as ready (POLLNVAL) until it is unregistered.
 *
 * @example
 * ```ts
 * const sel = new PollSelector()
 * sel.register(socketFd, EVENT_READ | EVENT_WRITE)
 * const ready = sel.select(0) // poll once
 * ```
 */
export class PollSelector<T = unknown> extends TableSelector<T> {
  constructor() {
    super('poll')
  }

  protected scan(timeoutMs: number): number {
    return this.table.poll(timeoutMs)
  }
}
