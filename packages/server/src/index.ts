/**
 * @io/server: an event-driven TCP server framework on epoll (level- or edge-triggered) and
 * io_uring, with backpressure, idle timeouts, graceful close, a coroutine style, Node streams
 * and worker threads.
 */
export { createServer } from './create-server.js'
export { Server, type AddressInfo, type IoServer } from './server.js'
export { WorkerPool } from './worker-pool.js'
export { Connection } from './connection.js'
export { AsyncConnection, type ConnectionFunction } from './async-connection.js'
export type { Handlers } from './handlers.js'
export type { HandlerInput, HandlerSpec } from './handler-source.js'
export type { ServerOptions, ListenOptions, ServerBackend } from './options.js'
export {
  resolveServerBackend,
  URING_ENGINE_NEEDS,
  type EngineName,
  type ResolvedBackend,
  type ServerBackendOptions,
} from './backend.js'
export type { ReactorStats } from './reactor.js'
export { echoHandlers } from './echo.js'
