/** Builds the engine a server resolved to. */
import type { EngineName } from './backend.js'
import { EpollReactor } from './epoll-reactor.js'
import type { FdLedger } from './fd-ledger.js'
import type { FullHandlers } from './handlers.js'
import type { ResolvedOptions } from './options.js'
import type { Reactor } from './reactor.js'
import { UringReactor } from './uring-reactor.js'

export function createReactor(engine: EngineName, options: ResolvedOptions, handlers: FullHandlers, ledger: FdLedger | null): Reactor {
  switch (engine) {
    case 'epoll':
      return new EpollReactor(options, handlers, false, ledger)
    case 'epoll-et':
      return new EpollReactor(options, handlers, true, ledger)
    case 'uring':
      // resolveServerBackend picks 'uring' only where the probe reports URING_ENGINE_NEEDS.
      return new UringReactor(options, handlers, ledger)
  }
}
