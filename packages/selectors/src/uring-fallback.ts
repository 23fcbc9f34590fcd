/**
 * IO_BACKEND=uring for DefaultSelector: io_uring where the kernel offers it, otherwise epoll
 * with a one-line warning that says why (DESIGN.md decision 7).
 */
import type { BaseSelector } from './base-selector.js'
import { EpollSelector } from './epoll-selector.js'

let warned = false

export function createUringSelector<T>(): BaseSelector<T> {
  const reason = 'IoUringSelector is not available in this build'
  if (!warned) {
    warned = true
    process.emitWarning(`IO_BACKEND=uring: ${reason}; DefaultSelector uses epoll`, { code: 'IO_URING_FALLBACK' })
  }
  return new EpollSelector<T>()
}
