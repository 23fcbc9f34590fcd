/**
 * A reactor on the engine `resolveServerBackend` chose: epoll level- or edge-triggered, or
 * io_uring (chosen only where the engine can run: resolveServerBackend in backend.ts).
 */
import type { ResolvedOptions } from '../options.js'
import type { FdLedger } from '../workers/fd-ledger.js'
import type { EngineName } from './backend.js'
import type { EngineFactory } from './contract.js'
import { EpollEngine } from './epoll-engine.js'
import type { FullHandlers } from './handlers.js'
import { Reactor } from './reactor.js'
import { UringEngine } from './uring-engine.js'

const ENGINES: Record<EngineName, EngineFactory> = {
  epoll: (reactor) => new EpollEngine(reactor, false),
  'epoll-et': (reactor) => new EpollEngine(reactor, true),
  uring: (reactor) => new UringEngine(reactor),
}

/** A reactor running `handlers` on `engine`. */
export function createReactor(engine: EngineName, options: ResolvedOptions, handlers: FullHandlers, ledger: FdLedger | null): Reactor {
  return new Reactor(options, handlers, ledger, ENGINES[engine])
}
