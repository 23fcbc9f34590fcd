/**
 * @io/selectors: Python's `selectors` in TypeScript, over select(2), poll(2), epoll(7) and
 * io_uring. One contract (`BaseSelector`), one class per syscall, and `start()` on every
 * one of them to run inside Node's loop without blocking it.
 *
 * @example
 * ```ts
 * import { DefaultSelector, EVENT_READ } from '@io/selectors'
 * const sel = new DefaultSelector()
 * sel.register(fd, EVENT_READ, 'client')
 * for (const [key, events] of sel.select(1000)) console.log(key.data, events)
 * sel.close()
 * ```
 *
 * @packageDocumentation
 */
export { EVENT_READ, EVENT_WRITE, ALL_EVENTS } from './events.js'
export {
  ERR_ALREADY_REGISTERED,
  ERR_NOT_REGISTERED,
  ERR_SELECTOR_CLOSED,
  ERR_SELECTOR_BACKEND_UNAVAILABLE,
} from './errors.js'
export { type FileObject, type HasFileno, type HasFd, fileobjToFd } from './file-object.js'
export type { SelectorKey, SelectorEvent } from './selector-key.js'
export { BaseSelector, type ReadyCallback, type ErrorCallback } from './base-selector.js'
export { MapSelector } from './map-selector.js'
export { TableSelector } from './table-selector.js'
export { SelectSelector } from './select-selector.js'
export { PollSelector } from './poll-selector.js'
export { EpollSelector, type EpollSelectorOptions } from './epoll-selector.js'
export { IoUringSelector, type IoUringSelectorOptions, ERR_IO_URING_UNAVAILABLE } from './io-uring-selector.js'
export {
  DefaultSelector,
  type DefaultSelectorConstructor,
  createSelector,
  resolveSelectorBackend,
  type SelectorBackendOptions,
} from './default-selector.js'
export {
  registerSelectorBackend,
  unregisterSelectorBackend,
  selectorBackend,
  type SelectorFactory,
} from './backend-registry.js'
export { normalizeTimeout } from './timeout.js'
