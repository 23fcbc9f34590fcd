/**
 * Makes SigioSelector the `sigio` backend of @io/selectors' DefaultSelector (IO_BACKEND=sigio),
 * through its backend registry: @io/selectors cannot import @io/signal (which depends on it),
 * so @io/signal registers itself when it is loaded. An @io/selectors without a registry (an
 * older or unfinished one) is left alone.
 */
import * as selectors from '@io/selectors'
import { SigioSelector } from './sigio-selector.js'

type Register = (name: string, factory: () => unknown) => void

/** Registers the `sigio` backend; false when @io/selectors has no backend registry. */
export function registerSigioBackend(): boolean {
  const register = (selectors as Record<string, unknown>).registerSelectorBackend as Register | undefined
  if (typeof register !== 'function') return false
  register('sigio', () => new SigioSelector())
  return true
}
