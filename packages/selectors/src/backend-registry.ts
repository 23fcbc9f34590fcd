import { invalidArgType } from '@io/core'
import type { BaseSelector } from './base-selector.js'
import { selectorsState } from './module-state.js'

/** Makes a new selector of one backend. */
export type SelectorFactory = () => BaseSelector<any>

/**
 * Makes `factory` the provider of backend `name` (replacing any earlier one), for
 * `createSelector` and, when `IO_BACKEND` names it, `DefaultSelector`.
 *
 * This is how selector backends that live in other packages join in. @io/signal provides
 * SigioSelector, but it depends on @io/selectors (it extends MapSelector), so @io/selectors
 * cannot import it; instead @io/signal registers it as `sigio` when it is loaded. The registry
 * is one per thread whether a package was imported or required, so `node --import @io/signal
 * app.cjs` works.
 *
 * @example
 * ```ts
 * // in @io/signal's entry module
 * registerSelectorBackend('sigio', () => new SigioSelector())
 * ```
 * @throws TypeError (ERR_INVALID_ARG_TYPE) for an empty name or a factory that is not a function.
 */
export function registerSelectorBackend(name: string, factory: SelectorFactory): void {
  if (typeof name !== 'string' || name === '') throw invalidArgType('name', 'a non-empty string', name)
  if (typeof factory !== 'function') throw invalidArgType('factory', 'a function', factory)
  selectorsState.backends.set(name, factory)
}

/** Removes the provider of backend `name`; true when there was one. */
export function unregisterSelectorBackend(name: string): boolean {
  return selectorsState.backends.delete(name)
}

/** The provider registered for backend `name`, if any. */
export function selectorBackend(name: string): SelectorFactory | undefined {
  return selectorsState.backends.get(name)
}
