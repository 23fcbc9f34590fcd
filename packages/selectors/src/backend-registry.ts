/**
 * Selector backends that live in other packages. @io/signal provides SigioSelector, but it
 * depends on @io/selectors (it extends MapSelector), so @io/selectors cannot import it. Instead
 * @io/signal calls `registerSelectorBackend('sigio', () => new SigioSelector())` when it is
 * loaded, and DefaultSelector finds it here when IO_BACKEND=sigio.
 *
 * @example
 * ```ts
 * // in @io/signal's entry module
 * registerSelectorBackend('sigio', () => new SigioSelector())
 * ```
 */
import type { BaseSelector } from './base-selector.js'
import { invalidArgType } from './errors.js'

/** Makes a new selector of one backend. */
export type SelectorFactory = () => BaseSelector<any>

const factories = new Map<string, SelectorFactory>()

/** Makes `factory` the provider of backend `name` (replacing any earlier one). */
export function registerSelectorBackend(name: string, factory: SelectorFactory): void {
  if (typeof name !== 'string' || name === '') throw invalidArgType('"name" must be a non-empty string')
  if (typeof factory !== 'function') throw invalidArgType('"factory" must be a function')
  factories.set(name, factory)
}

/** Removes the provider of backend `name`; true when there was one. */
export function unregisterSelectorBackend(name: string): boolean {
  return factories.delete(name)
}

/** The provider registered for backend `name`, if any. */
export function selectorBackend(name: string): SelectorFactory | undefined {
  return factories.get(name)
}
