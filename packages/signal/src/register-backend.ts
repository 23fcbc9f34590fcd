import { registerSelectorBackend } from '@io/selectors'
import { SigioSelector } from './sigio-selector.js'

/**
 * Makes SigioSelector the `sigio` backend of @io/selectors (`createSelector('sigio')`, and
 * `DefaultSelector` under IO_BACKEND=sigio) through its backend registry: @io/selectors cannot
 * import @io/signal (which depends on it), so @io/signal registers itself when it is loaded.
 * Call it again only after `unregisterSelectorBackend('sigio')`.
 */
export function registerSigioBackend(): void {
  registerSelectorBackend('sigio', () => new SigioSelector())
}
