/**
 * @io/server/http: HTTP/1.1 on @io/server's engines.
 * @packageDocumentation
 */
export { createHttpServer, HttpServer, type HttpServerOptions, type HttpHandlerModule } from './http-server.js'
export { HttpRequest } from './request.js'
export { HttpResponse } from './response.js'
export type { HttpHandler, UpgradeHandler, HttpErrorHandler } from './http-protocol.js'
export { HTTP_DEFAULTS, type HttpLimits } from './limits.js'
