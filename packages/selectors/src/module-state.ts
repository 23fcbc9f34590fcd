import { moduleState } from '@io/core'
import type { SelectorFactory } from './backend-registry.js'

/** What @io/selectors keeps for the life of a thread (see @io/core's `moduleState`). */
interface SelectorsState {
  /** The backends other packages registered, by name (backend-registry.ts). */
  readonly backends: Map<string, SelectorFactory>
}

/**
 * @internal The one state of @io/selectors, shared by its ESM and CJS builds: @io/signal may
 * register SigioSelector through one build while the program creates selectors through the other.
 */
export const selectorsState: SelectorsState = moduleState('@io/selectors/state@1', () => ({ backends: new Map() }))
