/**
 * Makes SigioSelector the `sigio` backend of @io/selectors' DefaultSelector (IO_BACKEND=sigio)
 * through its backend registry: @io/selectors cannot import @io/signal (which depends on it),
 * so @io/signal registers itself when it is loaded.
 */
import { registerSelectorBackend } from '@io/selectors'
import { SigioSelector } from './sigio-selector.js'

/** Registers the `sigio` backend (done once when @io/signal loads; again after an unregister). */
export function registerSigioBackend(): void {
  registerSelectorBackend('sigio', () => new SigioSelector())
}
