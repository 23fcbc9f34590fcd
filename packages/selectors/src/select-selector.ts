import { multiplex, outOfRange } from '@io/core'
import { TableSelector } from './table-selector.js'

/**
 * SelectSelector: select(2). Portable and old; an fd_set holds fds below FD_SETSIZE (1024)
 * only, so registering a larger fd throws a RangeError before any syscall, and every call
 * costs time in proportion to the highest fd watched.
 *
 * @example
 * ```ts
 * const sel = new SelectSelector()
 * sel.register(socketFd, EVENT_READ, conn)
 * for (const [key, events] of sel.select(1000)) key.data.onReadable()
 * ```
 */
export class SelectSelector<T = unknown> extends TableSelector<T> {
  /** select(2) cannot watch fds at or above this (FD_SETSIZE, 1024 on Linux). */
  static readonly FD_LIMIT: number = multiplex.FD_SETSIZE

  constructor() {
    super('select')
  }

  protected override checkFd(fd: number): void {
    if (fd >= SelectSelector.FD_LIMIT) {
      throw outOfRange(
        'fd',
        `below FD_SETSIZE (${SelectSelector.FD_LIMIT}) for select(2); PollSelector and EpollSelector take any fd`,
        fd,
      )
    }
  }

  protected scan(timeoutMs: number): number {
    return this.table.select(timeoutMs)
  }
}
