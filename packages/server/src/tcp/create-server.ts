/**
 * createServer: the entry point. With `workers: 1` (the default) the server runs in this
 * thread; with more, a pool of worker threads, each with its own reactor and SO_REUSEPORT
 * listener, supervised from this thread.
 */
import { invalidArgType } from '../errors.js'
import type { HandlerInput } from './handler-source.js'
import { isModuleSpecifier } from './handler-source.js'
import { resolveOptions, type ServerOptions } from '../options.js'
import { Server } from './server.js'
import { WorkerPool } from '../workers/worker-pool.js'

/**
 * Creates a TCP server.
 *
 * `handlers` is an object of callbacks (`open`, `data`, `drain`, `end`, `close`, `timeout`,
 * or `connection` for the coroutine style), a function per connection (coroutine style), or a
 * module path/URL whose default export is one of those. Worker threads cannot receive
 * functions, so `workers > 1` requires the module form: each worker imports it.
 *
 * @example
 * ```ts
 * const server = createServer({ backend: 'epoll-et' }, {
 *   data(conn, chunk) { conn.write(chunk) },
 * })
 * const { port } = await server.listen({ port: 9000, host: '127.0.0.1' })
 * await server.close({ graceMs: 5000 })
 * ```
 */
export function createServer<U = any>(
  options: (ServerOptions & { workers?: 1 }) | undefined,
  handlers: HandlerInput<U>,
): Server<U>
/**
 * With `workers` greater than 1 (or a number only known at run time): a WorkerPool, which
 * takes a handler module. Narrow with `instanceof WorkerPool`, or pass `workers: 1` (or leave
 * it out) to get a `Server`.
 */
export function createServer<U = any>(options: ServerOptions, handlers: HandlerInput<U>): Server<U> | WorkerPool
export function createServer<U = any>(options: ServerOptions | undefined, handlers: HandlerInput<U>): Server<U> | WorkerPool {
  const resolved = resolveOptions(options)
  if (resolved.workers > 1) {
    if (!isModuleSpecifier(handlers)) {
      throw invalidArgType('handlers', 'a module path or URL when workers > 1 (functions cannot be sent to worker threads)', handlers)
    }
    return new WorkerPool(resolved, handlers)
  }
  return new Server<U>(resolved, handlers)
}
