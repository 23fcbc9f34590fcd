/**
 * DefaultSelector: the best selector here, or the one `IO_BACKEND` names (DESIGN.md
 * decision 7), chosen each time one is created:
 *
 * | IO_BACKEND      | selector                                                          |
 * | --------------- | ----------------------------------------------------------------- |
 * | unset, `auto`   | EpollSelector                                                     |
 * | `epoll`         | EpollSelector                                                     |
 * | `epoll-et`      | EpollSelector({ edgeTriggered: true })                            |
 * | `uring`         | IoUringSelector; EpollSelector with a one-line warning where io_uring is unavailable |
 * | `poll`          | PollSelector                                                      |
 * | `select`        | SelectSelector                                                    |
 * | `sigio`         | whatever @io/signal registered (see backend-registry.ts); ERR_SELECTOR_BACKEND_UNAVAILABLE if nothing did |
 *
 * @example
 * ```ts
 * const sel = new DefaultSelector<Connection>()
 * ```
 */
import { backendFromEnv, codeError, resolveReactorBackend } from '@io/core'
import type { BaseSelector } from './base-selector.js'
import { selectorBackend } from './backend-registry.js'
import { EpollSelector } from './epoll-selector.js'
import { ERR_SELECTOR_BACKEND_UNAVAILABLE } from './errors.js'
import { IoUringSelector } from './io-uring-selector.js'
import { PollSelector } from './poll-selector.js'
import { SelectSelector } from './select-selector.js'

/**
 * A new selector of backend `backend` (default: what IO_BACKEND says). Besides the built-in
 * names, any name given to `registerSelectorBackend` works.
 */
export function createSelector<T = unknown>(backend: string = backendFromEnv()): BaseSelector<T> {
  switch (backend) {
    case 'auto':
    case 'epoll':
      return new EpollSelector<T>()
    case 'epoll-et':
      return new EpollSelector<T>({ edgeTriggered: true })
    case 'poll':
      return new PollSelector<T>()
    case 'select':
      return new SelectSelector<T>()
    case 'uring':
      return uringOrEpoll<T>()
  }
  const factory = selectorBackend(backend)
  if (factory !== undefined) return factory() as BaseSelector<T>
  const hint = backend === 'sigio' ? `: import '@io/signal' first, it registers SigioSelector` : ''
  throw codeError(ERR_SELECTOR_BACKEND_UNAVAILABLE, `no selector backend "${backend}" is registered${hint}`)
}

// IoUringSelector, or EpollSelector where io_uring is unavailable. @io/core's resolver decides,
// so the fallback warns once per thread with the same IoUringWarning the server gives. `env: {}`:
// the name was already chosen (by IO_BACKEND or the caller), so IO_BACKEND must not re-decide it.
function uringOrEpoll<T>(): BaseSelector<T> {
  const { backend } = resolveReactorBackend('uring', { env: {}, probe: () => IoUringSelector.isSupported() })
  return backend === 'uring' ? new IoUringSelector<T>() : new EpollSelector<T>()
}

/** The constructor type of {@link DefaultSelector}. */
export interface DefaultSelectorConstructor {
  new <T = unknown>(): BaseSelector<T>
}

/**
 * `new DefaultSelector()` returns the selector {@link createSelector} picks for IO_BACKEND (an
 * EpollSelector unless told otherwise). It is a factory with a constructor's face, as Python's
 * `DefaultSelector` is an alias: the object is an instance of the chosen class.
 */
export const DefaultSelector = function DefaultSelector<T>(): BaseSelector<T> {
  return createSelector<T>()
} as unknown as DefaultSelectorConstructor

/** The type of what `new DefaultSelector<T>()` returns. */
export type DefaultSelector<T = unknown> = BaseSelector<T>
