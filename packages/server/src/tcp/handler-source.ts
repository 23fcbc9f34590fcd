/**
 * Where a server's handlers come from: an object of callbacks, a coroutine-style function, or
 * (required for workers > 1, since functions cannot cross threads) a module path or URL whose
 * default export is one of those.
 */
import { pathToFileURL } from 'node:url'
import { isAbsolute, resolve } from 'node:path'
import { runConnection, type ConnectionFunction } from './async-connection.js'
import { invalidArgType } from '../errors.js'
import { PROTOCOL, fullHandlers, type FullHandlers, type Handlers } from '../engine/handlers.js'

/** Callbacks, or a function per connection (coroutine style). */
export type HandlerSpec<U = any> = Handlers<U> | ConnectionFunction<U>
/** What `createServer` takes as its second argument. */
export type HandlerInput<U = any> = HandlerSpec<U> | string | URL

/** True when `input` names a module rather than holding handlers. */
export function isModuleSpecifier(input: unknown): input is string | URL {
  return typeof input === 'string' || input instanceof URL
}

/** The module URL for a path (relative to the working directory) or URL. */
export function moduleUrl(input: string | URL): string {
  if (input instanceof URL) return input.href
  if (/^[a-z][a-z0-9+.-]*:/i.test(input) && !isAbsolute(input)) return input // file:, data:, ...
  return pathToFileURL(resolve(input)).href
}

/** Imports a handler module; its default export (or `handlers` export) is the spec. */
export async function importHandlers(url: string, protocol: ((exported: unknown) => HandlerSpec) | null = null): Promise<HandlerSpec> {
  const mod = (await import(url)) as { default?: unknown; handlers?: unknown }
  const exported = mod.default ?? mod.handlers
  const spec = protocol === null ? exported : protocol(exported)
  checkSpec(spec, `default export of ${url}`)
  return spec as HandlerSpec
}

/** Throws a TypeError when `spec` is neither handlers nor a function. */
export function checkSpec(spec: unknown, name = 'handlers'): void {
  if (typeof spec === 'function') return
  if (spec === null || typeof spec !== 'object') {
    throw invalidArgType(name, 'an object of handlers, a function, or a module path/URL', spec)
  }
  fullHandlers(spec as Handlers, (n, v) => invalidArgType(n, 'a function', v))
  const connection = (spec as Handlers).connection
  if (connection !== undefined && typeof connection !== 'function') throw invalidArgType('handlers.connection', 'a function', connection)
}

/** The handlers the reactor calls, with the coroutine style wired through `open`. */
export function toFullHandlers(spec: HandlerSpec, highWaterMark: number): FullHandlers {
  if (typeof spec === 'object' && spec !== null && PROTOCOL in spec) return spec as unknown as FullHandlers
  const invalid = (n: string, v: unknown) => invalidArgType(n, 'a function', v)
  const handlers: Handlers = typeof spec === 'function' ? { connection: spec } : spec
  const app = fullHandlers(handlers, invalid)
  const connection = handlers.connection
  if (typeof connection === 'function') {
    const open = app.open
    const fn: ConnectionFunction = (c) => connection.call(handlers, c)
    app.open = (conn) => {
      open(conn)
      if (!conn.closed) runConnection(conn, fn, app, highWaterMark)
    }
  }
  return app
}
