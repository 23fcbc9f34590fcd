/**
 * createHttpServer: HTTP/1.1 on the same engines, workers, `listen` and `close` as the TCP
 * server (an HTTP server is a TCP server whose connections run the HTTP protocol).
 */
import { invalidArgType } from '../errors.js'
import { rejectUnknown, resolveOptions, type ResolvedOptions, type ServerOptions } from '../options.js'
import { isModuleSpecifier } from '../tcp/handler-source.js'
import type { HandlerSpec } from '../tcp/handler-source.js'
import { Server } from '../tcp/server.js'
import { WorkerPool } from '../workers/worker-pool.js'
import { HttpProtocol, type HttpErrorHandler, type HttpHandler, type UpgradeHandler } from './http-protocol.js'
import { WebSocketRouter } from '../ws/router.js'
import type { HttpRequest } from './request.js'
import type { HttpResponse } from './response.js'
import type { WebSocketBehaviour } from '../ws/behaviour.js'
import { HTTP_LIMIT_NAMES, resolveLimits, type HttpLimits } from './limits.js'
import { resolveReadinessPath } from './readiness.js'

/** Options of `createHttpServer`: the server's (see ServerOptions), the HTTP limits, and hooks. */
export interface HttpServerOptions extends Omit<ServerOptions, 'allowHalfOpen'>, Partial<HttpLimits> {
  /** Takes over the connection of a request with `Connection: upgrade` (WebSocket, for one). */
  upgrade?: UpgradeHandler
  /**
   * Gets what a request handler throws or rejects with; the request is answered 500 (or its
   * connection closed, when part of the response was sent). Without it the error is an uncaught
   * exception, as with the TCP server's handlers.
   */
  error?: HttpErrorHandler
  /**
   * A path the server answers itself, before the handler, for load balancers' health checks
   * and readiness probes ('/readyz', say; any query is allowed): GET and HEAD get `200 ready`
   * while the server serves, and `503 draining` (with `Connection: close`) from the moment
   * `close()` is called; other methods get 405. Default: none. See docs/deploy.md.
   */
  readinessPath?: string
}

/** What a handler module of an HTTP server with workers exports by default. */
export type HttpHandlerModule =
  | HttpHandler
  | { handler: HttpHandler; upgrade?: UpgradeHandler; error?: HttpErrorHandler; ws?: Record<string, WebSocketBehaviour> }

const HOOKS = ['upgrade', 'error'] as const

/** What the HTTP layer of each server (or worker) runs with, besides the handler and hooks. */
export interface HttpSettings {
  limits: HttpLimits
  highWaterMark: number
  readinessPath: string | null
  /** True once the server drains (see HttpProtocolOptions.draining). */
  draining: () => boolean
}

/** Splits HTTP options into the TCP server's and the HTTP layer's, checking both. */
function splitOptions(options: HttpServerOptions | undefined): {
  tcp: ResolvedOptions
  limits: HttpLimits
  readinessPath: string | null
  hooks: Pick<HttpServerOptions, 'upgrade' | 'error'>
} {
  if (options === undefined) options = {}
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
  const tcpNames = ['backend', 'workers', 'idleTimeoutMs', 'highWaterMark', 'noDelay', 'readBufferSize', 'maxEvents', 'reusePort', 'poisonChunks', 'proxyProtocol']
  rejectUnknown(options, [...tcpNames, ...HTTP_LIMIT_NAMES, ...HOOKS, 'readinessPath'], 'HTTP server')
  const o = options as Record<string, unknown>
  const tcpInput: Record<string, unknown> = {}
  for (const name of tcpNames) if (o[name] !== undefined) tcpInput[name] = o[name]
  const limits = resolveLimits(options)
  // Idle keep-alive connections close after keepAliveTimeoutMs: the reactor's idle sweep does it.
  if (tcpInput.idleTimeoutMs === undefined) tcpInput.idleTimeoutMs = limits.keepAliveTimeoutMs
  const tcp = resolveOptions({ ...(tcpInput as ServerOptions), allowHalfOpen: true })
  for (const hook of HOOKS) if (o[hook] !== undefined && typeof o[hook] !== 'function') throw invalidArgType(hook, 'a function', o[hook])
  const readinessPath = resolveReadinessPath(o.readinessPath)
  return { tcp, limits, readinessPath, hooks: { upgrade: options.upgrade, error: options.error } }
}

/** The protocol for `handler` (a function or a handler module's export), with WebSocket routes on `router`. */
export function httpProtocol(
  exported: unknown,
  settings: HttpSettings,
  hooks: Pick<HttpServerOptions, 'upgrade' | 'error'> = {},
  router: WebSocketRouter | null = null,
): HttpProtocol {
  let handler: unknown = exported
  let upgrade = hooks.upgrade
  let error = hooks.error
  let routes: Record<string, WebSocketBehaviour> | undefined
  if (exported !== null && typeof exported === 'object') {
    const m = exported as { handler?: unknown; upgrade?: UpgradeHandler; error?: HttpErrorHandler; ws?: Record<string, WebSocketBehaviour> }
    handler = m.handler
    upgrade ??= m.upgrade
    error ??= m.error
    routes = m.ws
  }
  if (typeof handler !== 'function') throw invalidArgType('handler', 'a function (req, res)', handler)
  let protocol: HttpProtocol | null = null
  const websockets = router ?? new WebSocketRouter((err, req) => protocol!.report(err, req))
  if (routes !== undefined) for (const pattern of Object.keys(routes)) websockets.add(pattern, routes[pattern])
  protocol = new HttpProtocol({ ...settings, handler: handler as HttpHandler, upgrade, error, websockets })
  return protocol
}

/**
 * An HTTP server in this thread: a TCP server (listen, close, stats, backend...) whose
 * connections speak HTTP/1.1, plus WebSocket routes and their publish/subscribe topics.
 */
export class HttpServer extends Server {
  /** @internal */
  readonly websockets: WebSocketRouter

  /** Use `createHttpServer`. @internal */
  constructor(options: ResolvedOptions, input: HandlerSpec | string | URL, router: WebSocketRouter, protocol: ((exported: unknown) => HandlerSpec) | null) {
    super(options, input, null, protocol)
    this.websockets = router
  }

  /**
   * Serves WebSockets on `pattern`: an exact path, or a prefix ending with '*' ('/chat/*').
   * Requests there that are not a valid upgrade get 400 or 426.
   */
  ws<U = any>(pattern: string, behaviour: WebSocketBehaviour<U>): this {
    this.websockets.add(pattern, behaviour)
    return this
  }

  /** Sends `data` to every WebSocket subscribed to `topic` (framed once); returns how many got it. */
  publish(topic: string, data: string | Uint8Array, isBinary: boolean = typeof data !== 'string'): number {
    if (typeof topic !== 'string') throw invalidArgType('topic', 'a string', topic)
    return this.websockets.hub.publish(topic, data, isBinary, null)
  }

  /** How many WebSockets are subscribed to `topic`. */
  numSubscribers(topic: string): number {
    return this.websockets.hub.count(topic)
  }
}

/** The handler of a server created without one (WebSocket routes only, say): 404 for every request. */
function notFound(_req: HttpRequest, res: HttpResponse): void {
  res.statusCode = 404
  res.end()
}

/**
 * Creates an HTTP/1.1 server. `handler(req, res)` may be sync or async (without one, every
 * request that is not a WebSocket upgrade gets 404); with `workers > 1` it
 * must be a module path or URL whose default export is the handler (or `{ handler, upgrade,
 * error }`), since functions cannot be sent to worker threads.
 *
 * @example
 * ```ts
 * const server = createHttpServer({ backend: 'auto' }, async (req, res) => {
 *   if (req.method === 'POST') return res.end(await req.text())
 *   res.setHeader('content-type', 'text/plain')
 *   res.end('Hello World!')
 * })
 * await server.listen({ port: 8080 })
 * ```
 */
export function createHttpServer(options?: HttpServerOptions & { workers?: 1 }, handler?: HttpHandler | HttpHandlerModule): HttpServer
export function createHttpServer(options: HttpServerOptions | undefined, handler: HttpHandler | HttpHandlerModule | string | URL): HttpServer | WorkerPool
export function createHttpServer(options?: HttpServerOptions, handler: HttpHandler | HttpHandlerModule | string | URL = notFound): HttpServer | WorkerPool {
  const { tcp, limits, readinessPath, hooks } = splitOptions(options)
  if (tcp.workers > 1) {
    if (!isModuleSpecifier(handler)) {
      throw invalidArgType('handler', 'a module path or URL when workers > 1 (functions cannot be sent to worker threads)', handler)
    }
    for (const hook of HOOKS) {
      if (hooks[hook] !== undefined) throw invalidArgType(hook, `exported by the handler module when workers > 1 (as { handler, ${hook} })`, hooks[hook])
    }
    return new WorkerPool(tcp, handler, { name: 'http', limits, readinessPath })
  }
  let protocol: HttpProtocol | null = null
  let server: HttpServer | null = null
  const router = new WebSocketRouter((err, req) => protocol!.report(err, req))
  // Requests come only once the server listens: `server` is set by then.
  const settings: HttpSettings = { limits, highWaterMark: tcp.highWaterMark, readinessPath, draining: () => server!.draining }
  const wrap = (exported: unknown): HandlerSpec => (protocol = httpProtocol(exported, settings, hooks, router)) as unknown as HandlerSpec
  server = isModuleSpecifier(handler) ? new HttpServer(tcp, handler, router, wrap) : new HttpServer(tcp, wrap(handler), router, null)
  return server
}
