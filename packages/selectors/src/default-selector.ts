import {
  BACKENDS,
  type BackendName,
  codeError,
  invalidArgType,
  type ResolvedBackend,
  type ResolveBackendOptions,
  resolveBackend,
} from '@io/core'
import type { BaseSelector } from './base-selector.js'
import { selectorBackend } from './backend-registry.js'
import { EpollSelector } from './epoll-selector.js'
import { ERR_SELECTOR_BACKEND_UNAVAILABLE } from './errors.js'
import { IoUringSelector } from './io-uring-selector.js'
import { PollSelector } from './poll-selector.js'
import { SelectSelector } from './select-selector.js'

/**
 * Seams of {@link createSelector} and {@link resolveSelectorBackend}, as @io/core's
 * `resolveBackend` takes them: where `IO_BACKEND` is read, the io_uring probe, and who is told
 * of a fallback from io_uring. Every field defaults to the real thing.
 */
export type SelectorBackendOptions = Pick<ResolveBackendOptions<BackendName>, 'env' | 'probe' | 'warn'>

/**
 * Which backend a selector asked for as `requested` runs, and why, in one readable line:
 * @io/core's `resolveBackend` over every selector backend. A backend named in code wins;
 * `IO_BACKEND` decides only what 'auto' resolves to; 'uring' where io_uring is unavailable is
 * 'epoll', with one warning per thread and the cause in `reason`.
 *
 * @example
 * ```ts
 * resolveSelectorBackend() // { backend: 'epoll', reason: 'auto: epoll, the measured default' }
 * ```
 * @throws RangeError (ERR_OUT_OF_RANGE) for a name that is no backend, in `requested` or `IO_BACKEND`.
 */
export function resolveSelectorBackend(
  requested: BackendName | 'auto' = 'auto',
  options: SelectorBackendOptions = {},
): ResolvedBackend<BackendName> {
  return resolveBackend<BackendName>(requested, { ...options, accepts: BACKENDS })
}

/**
 * A new selector of backend `backend`:
 *
 * | backend       | selector                                                                  |
 * | ------------- | ------------------------------------------------------------------------- |
 * | `'auto'`      | what `IO_BACKEND` names, level-triggered; EpollSelector when it names nothing |
 * | `'epoll'`     | EpollSelector                                                             |
 * | `'epoll-et'`  | EpollSelector({ edgeTriggered: true })                                    |
 * | `'uring'`     | IoUringSelector; EpollSelector with a one-line warning where io_uring is unavailable |
 * | `'poll'`      | PollSelector                                                              |
 * | `'select'`    | SelectSelector                                                            |
 * | `'sigio'`, any other name | what `registerSelectorBackend` registered under it (@io/signal registers `sigio`) |
 *
 * The environment chooses the syscall, never the semantics: under 'auto', `IO_BACKEND=epoll-et`
 * gives a level-triggered EpollSelector. Only a caller that names 'epoll-et' gets edge-triggering.
 *
 * @throws an Error with code ERR_SELECTOR_BACKEND_UNAVAILABLE when nothing provides the backend
 *   (`sigio` before @io/signal was loaded); RangeError/TypeError for names that are no backend.
 */
export function createSelector<T = unknown>(backend: string = 'auto', options: SelectorBackendOptions = {}): BaseSelector<T> {
  if (typeof backend !== 'string') throw invalidArgType('backend', 'a string', backend)
  const isBuiltIn = backend === 'auto' || (BACKENDS as readonly string[]).includes(backend)
  if (!isBuiltIn) return registered<T>(backend)
  const resolved = resolveSelectorBackend(backend as BackendName | 'auto', options).backend
  switch (resolved) {
    case 'epoll':
      return new EpollSelector<T>()
    case 'epoll-et':
      // Edge-triggering changes what callers must do, so only code may ask for it.
      return new EpollSelector<T>({ edgeTriggered: backend === 'epoll-et' })
    case 'uring':
      return new IoUringSelector<T>()
    case 'poll':
      return new PollSelector<T>()
    case 'select':
      return new SelectSelector<T>()
    case 'sigio':
      return registered<T>(resolved)
  }
}

function registered<T>(name: string): BaseSelector<T> {
  const factory = selectorBackend(name)
  if (factory !== undefined) return factory() as BaseSelector<T>
  const hint = name === 'sigio' ? `: import '@io/signal' first, it registers SigioSelector` : ''
  throw codeError(ERR_SELECTOR_BACKEND_UNAVAILABLE, `no selector backend "${name}" is registered${hint}`)
}

/** The constructor type of {@link DefaultSelector}. */
export interface DefaultSelectorConstructor {
  new <T = unknown>(): BaseSelector<T>
}

/**
 * The selector for code that does not care which syscall waits: `new DefaultSelector()` is
 * `createSelector('auto')`, a new level-triggered selector of the backend `IO_BACKEND` names
 * (an EpollSelector unless told otherwise), chosen each time one is created. It is a factory
 * with a constructor's face, as Python's `DefaultSelector` is an alias: the object is an
 * instance of the chosen class.
 *
 * | IO_BACKEND      | selector                                                          |
 * | --------------- | ----------------------------------------------------------------- |
 * | unset, `auto`   | EpollSelector                                                     |
 * | `epoll`, `epoll-et` | EpollSelector (level-triggered: the environment never changes semantics) |
 * | `uring`         | IoUringSelector; EpollSelector with a one-line warning where io_uring is unavailable |
 * | `poll`          | PollSelector                                                      |
 * | `select`        | SelectSelector                                                    |
 * | `sigio`         | SigioSelector once @io/signal is loaded; ERR_SELECTOR_BACKEND_UNAVAILABLE before |
 *
 * @example
 * ```ts
 * const sel = new DefaultSelector<Connection>()
 * ```
 */
export const DefaultSelector = function DefaultSelector<T>(): BaseSelector<T> {
  return createSelector<T>('auto')
} as unknown as DefaultSelectorConstructor

/** The type of what `new DefaultSelector<T>()` returns. */
export type DefaultSelector<T = unknown> = BaseSelector<T>
