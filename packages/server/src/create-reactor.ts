/** Builds the engine a server resolved to. */
import type { EngineName } from './backend.js'
import { EpollReactor } from './epoll-reactor.js'
import type { FdLedger } from './fd-ledger.js'
import type { FullHandlers } from './handlers.js'
import type { ResolvedOptions } from './options.js'
import type { Reactor } from './reactor.js'

export function createReactor(engine: EngineName, options: ResolvedOptions, handlers: FullHandlers, ledger: FdLedger | null): Reactor {
  switch (engine) {
    case 'epoll':
      return new EpollReactor(options, handlers, false, ledger)
    case 'epoll-et':
      return new EpollReactor(options, handlers, true, ledger)
    case 'uring':
      // resolveServerBackend never picks 'uring' while the engine is unavailable.
      throw new Error('the io_uring engine is not available in this build')
  }
}
