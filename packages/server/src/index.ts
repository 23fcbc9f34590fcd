/**
 * @io/server: an event-driven TCP server framework on epoll (level- or edge-triggered) and
 * io_uring, with backpressure, idle timeouts, graceful close, a coroutine style, Node streams
 * and worker threads.
 */
export { createServer } from './tcp/create-server.js'
export { Server, type AddressInfo, type IoServer } from './tcp/server.js'
export { WorkerPool } from './workers/worker-pool.js'
export { Connection } from './engine/connection.js'
export { AsyncConnection, type ConnectionFunction } from './tcp/async-connection.js'
export type { Handlers } from './engine/handlers.js'
export type { HandlerInput, HandlerSpec } from './tcp/handler-source.js'
export type { ServerOptions, ListenOptions, ServerBackend, ProxyProtocolOptions, CloseOptions } from './options.js'
export {
  resolveServerBackend,
  URING_ENGINE_NEEDS,
  type EngineName,
  type ResolvedBackend,
  type ServerBackendOptions,
} from './engine/backend.js'
export type { ReactorStats } from './engine/reactor.js'
export { echoHandlers } from './tcp/echo.js'
export { whoamiHandlers } from './tcp/whoami.js'
export { startSuccessor, handedOverFds, reportReady, type SuccessorOptions } from './tcp/handover.js'
export { createHttpServer, HttpServer, HttpRequest, HttpResponse, HTTP_DEFAULTS, type HttpServerOptions, type HttpHandlerModule, type HttpHandler, type UpgradeHandler, type HttpErrorHandler, type HttpLimits } from './http/index.js'
export { WebSocket, SENT, BUFFERED, DROPPED, type WebSocketMessage, type WebSocketBehaviour, type UpgradeContext } from './ws/index.js'
