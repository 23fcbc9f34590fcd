/**
 * IO_BACKEND=uring for DefaultSelector: IoUringSelector where this build and kernel offer
 * io_uring, otherwise EpollSelector with a one-line warning that says why (DESIGN.md
 * decision 7). The reason is also readable from `IoUringSelector.isSupported()`.
 */
import type { BaseSelector } from './base-selector.js'
import { EpollSelector } from './epoll-selector.js'
import { IoUringSelector } from './io-uring-selector.js'

let warned = false

/** IoUringSelector, or EpollSelector with a one-time warning where io_uring is unavailable. */
export function createUringSelector<T>(): BaseSelector<T> {
  const probe = IoUringSelector.isSupported()
  if (probe.supported) return new IoUringSelector<T>()
  if (!warned) {
    warned = true
    process.emitWarning(`IO_BACKEND=uring: ${probe.reason ?? 'io_uring unavailable'}; DefaultSelector uses epoll`, {
      code: 'IO_URING_FALLBACK',
    })
  }
  return new EpollSelector<T>()
}
