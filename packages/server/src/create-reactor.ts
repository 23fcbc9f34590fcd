/** Builds the engine a server resolved to. */
import type { EngineName } from './backend.js'
import { EpollReactor } from './epoll-reactor.js'
import type { FdLedger } from './fd-ledger.js'
import type { FullHandlers } from './handlers.js'
import type { ResolvedOptions } from './options.js'
import type { Reactor } from './reactor.js'
import { UringReactor } from './uring-reactor.js'
import { uringModule, uringUnavailableReason } from './uring-support.js'

export function createReactor(engine: EngineName, options: ResolvedOptions, handlers: FullHandlers, ledger: FdLedger | null): Reactor {
  switch (engine) {
    case 'epoll':
      return new EpollReactor(options, handlers, false, ledger)
    case 'epoll-et':
      return new EpollReactor(options, handlers, true, ledger)
    case 'uring': {
      // resolveServerBackend picks 'uring' only when uringModule() found a usable ring.
      const api = uringModule()
      if (api === null) throw new Error(`io_uring is unavailable: ${uringUnavailableReason()}`)
      return new UringReactor(options, handlers, api, ledger)
    }
  }
}
