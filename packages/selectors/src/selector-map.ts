import type { SelectorKey } from './selector-key.js'

/**
 * The read-only, live view that `getMap()` returns (Python's `_SelectorMapping`): it reads
 * through to the selector's own map, so it always shows the current registrations, and it has
 * no way to change them.
 */
export class SelectorMap<T> implements ReadonlyMap<number, SelectorKey<T>> {
  readonly #keys: Map<number, SelectorKey<T>>

  constructor(keys: Map<number, SelectorKey<T>>) {
    this.#keys = keys
  }

  get size(): number {
    return this.#keys.size
  }

  get(fd: number): SelectorKey<T> | undefined {
    return this.#keys.get(fd)
  }

  has(fd: number): boolean {
    return this.#keys.has(fd)
  }

  forEach(fn: (key: SelectorKey<T>, fd: number, map: ReadonlyMap<number, SelectorKey<T>>) => void, thisArg?: unknown): void {
    for (const [fd, key] of this.#keys) fn.call(thisArg, key, fd, this)
  }

  keys(): MapIterator<number> {
    return this.#keys.keys()
  }

  values(): MapIterator<SelectorKey<T>> {
    return this.#keys.values()
  }

  entries(): MapIterator<[number, SelectorKey<T>]> {
    return this.#keys.entries()
  }

  [Symbol.iterator](): MapIterator<[number, SelectorKey<T>]> {
    return this.#keys.entries()
  }
}
