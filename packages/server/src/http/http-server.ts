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
import { HTTP_LIMIT_NAMES, resolveLimits, type HttpLimits } from './limits.js'

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
}

/** What a handler module of an HTTP server with workers exports by default. */
export type HttpHandlerModule = HttpHandler | { handler: HttpHandler; upgrade?: UpgradeHandler; error?: HttpErrorHandler }

const HOOKS = ['upgrade', 'error'] as const

/** Splits HTTP options into the TCP server's and the HTTP layer's, checking both. */
function splitOptions(options: HttpServerOptions | undefined): { tcp: ResolvedOptions; limits: HttpLimits; hooks: Pick<HttpServerOptions, 'upgrade' | 'error'> } {
  if (options === undefined) options = {}
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
  const tcpNames = ['backend', 'workers', 'idleTimeoutMs', 'highWaterMark', 'noDelay', 'readBufferSize', 'maxEvents', 'reusePort', 'poisonChunks']
  rejectUnknown(options, [...tcpNames, ...HTTP_LIMIT_NAMES, ...HOOKS], 'HTTP server')
  const o = options as Record<string, unknown>
  const tcpInput: Record<string, unknown> = {}
  for (const name of tcpNames) if (o[name] !== undefined) tcpInput[name] = o[name]
  const limits = resolveLimits(options)
  // Idle keep-alive connections close after keepAliveTimeoutMs: the reactor's idle sweep does it.
  if (tcpInput.idleTimeoutMs === undefined) tcpInput.idleTimeoutMs = limits.keepAliveTimeoutMs
  const tcp = resolveOptions({ ...(tcpInput as ServerOptions), allowHalfOpen: true })
  for (const hook of HOOKS) if (o[hook] !== undefined && typeof o[hook] !== 'function') throw invalidArgType(hook, 'a function', o[hook])
  return { tcp, limits, hooks: { upgrade: options.upgrade, error: options.error } }
}

/** The protocol for `handler` (a function or a handler module's export). */
export function httpProtocol(exported: unknown, limits: HttpLimits, highWaterMark: number, hooks: Pick<HttpServerOptions, 'upgrade' | 'error'> = {}): HttpProtocol {
  let handler: unknown = exported
  let upgrade = hooks.upgrade
  let error = hooks.error
  if (exported !== null && typeof exported === 'object') {
    const m = exported as { handler?: unknown; upgrade?: UpgradeHandler; error?: HttpErrorHandler }
    handler = m.handler
    upgrade ??= m.upgrade
    error ??= m.error
  }
  if (typeof handler !== 'function') throw invalidArgType('handler', 'a function (req, res)', handler)
  return new HttpProtocol({ limits, highWaterMark, handler: handler as HttpHandler, upgrade, error })
}

/**
 * Creates an HTTP/1.1 server. `handler(req, res)` may be sync or async; with `workers > 1` it
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
export function createHttpServer(options: (HttpServerOptions & { workers?: 1 }) | undefined, handler: HttpHandler): Server
export function createHttpServer(options: HttpServerOptions | undefined, handler: HttpHandler | string | URL): Server | WorkerPool
export function createHttpServer(options: HttpServerOptions | undefined, handler: HttpHandler | string | URL): Server | WorkerPool {
  const { tcp, limits, hooks } = splitOptions(options)
  const protocol = (exported: unknown): HandlerSpec => httpProtocol(exported, limits, tcp.highWaterMark, hooks) as unknown as HandlerSpec
  if (tcp.workers > 1) {
    if (!isModuleSpecifier(handler)) {
      throw invalidArgType('handler', 'a module path or URL when workers > 1 (functions cannot be sent to worker threads)', handler)
    }
    for (const hook of HOOKS) {
      if (hooks[hook] !== undefined) throw invalidArgType(hook, `exported by the handler module when workers > 1 (as { handler, ${hook} })`, hooks[hook])
    }
    return new WorkerPool(tcp, handler, { name: 'http', limits })
  }
  if (isModuleSpecifier(handler)) return new Server(tcp, handler, null, protocol)
  return new Server(tcp, protocol(handler))
}
