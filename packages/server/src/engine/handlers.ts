/**
 * What a server calls on each connection event. Every callback is optional.
 *
 * **Lifetime of `chunk` in `data`:** the chunk is a view of one read buffer that the reactor
 * shares between all its connections. It is valid only until `data` returns: the next read
 * overwrites it. Keep bytes beyond the call with `Buffer.from(chunk)` (a copy). Passing the
 * chunk to `conn.write()` inside the call is safe: a write that cannot complete at once copies
 * what it has to keep. To catch a chunk kept by mistake, run with `IO_POISON_CHUNKS=1` (or the
 * `poisonChunks` option): every chunk is overwritten with 0xDB bytes once `data` returns.
 */
import type { AsyncConnection } from '../tcp/async-connection.js'
import type { Connection } from './connection.js'

/** The callbacks of a server; `U` is the type of `conn.userData`. */
export interface Handlers<U = any> {
  /**
   * Coroutine style: called once per connection (after `open`) with an AsyncConnection to
   * read with `for await` and write with `await conn.write()`. It then receives the events
   * that `data`, `drain` and `end` would. See AsyncConnection.
   */
  connection?(conn: AsyncConnection<U>): unknown
  /** A connection was accepted. Set `conn.userData` here. */
  open?(conn: Connection<U>): void
  /** Bytes arrived. `chunk` is valid only during the call (see above). */
  data?(conn: Connection<U>, chunk: Buffer): void
  /** Buffered output that had passed `highWaterMark` has all been written. */
  drain?(conn: Connection<U>): void
  /**
   * The peer ended its side (half-close). Unless `allowHalfOpen` is set, the server ends its
   * side too once this returns (buffered output is flushed first).
   */
  end?(conn: Connection<U>): void
  /** The connection is closed; `err` tells why when it was not an orderly close. Called once. */
  close?(conn: Connection<U>, err?: Error): void
  /**
   * A handler of this connection threw (or, coroutine style, the connection function threw or
   * rejected). The server destroys the connection with that error (`close` receives it) and
   * keeps serving the others. Without an `error` handler the error is thrown again as an
   * uncaught exception, as node:net does with an exception thrown by a 'data' listener, so a
   * bug never passes silently. The connection is still open during the call (closed only when `close` itself threw).
   */
  error?(conn: Connection<U>, err: Error): void
  /**
   * Nothing was read or written for `idleTimeoutMs`. Unless the handler writes something (or
   * closes the connection), the server then destroys it with an `ETIMEDOUT` error.
   */
  timeout?(conn: Connection<U>): void
}

/**
 * Marks a protocol implementation (HTTP, WebSocket) that is already a complete FullHandlers:
 * the server uses it as it is.
 */
export const PROTOCOL = Symbol('io.protocol')

/** Handlers with every callback present, so the hot path calls them without checks. */
export interface FullHandlers {
  open(conn: Connection): void
  data(conn: Connection, chunk: Buffer): void
  drain(conn: Connection): void
  end(conn: Connection): void
  close(conn: Connection, err?: Error): void
  timeout(conn: Connection): void
  /** The application's `error` handler, if it has one (see Handlers.error). */
  readonly error?: (conn: Connection, err: Error) => void
  /**
   * Adapters (stream, coroutine) end the connection themselves when the peer ends, once their
   * own pending output is written; plain handlers leave that to the server.
   */
  readonly ownsEnd?: boolean
}

const NAMES = ['open', 'data', 'drain', 'end', 'close', 'timeout'] as const

function noop(): void {}

/** Fills in missing callbacks with no-ops; throws TypeError for a callback that is not a function. */
export function fullHandlers(handlers: Handlers, invalid: (name: string, value: unknown) => Error): FullHandlers {
  const out: Record<string, unknown> = {}
  for (const name of NAMES) {
    const fn = (handlers as Record<string, unknown>)[name]
    if (fn === undefined) out[name] = noop
    else if (typeof fn !== 'function') throw invalid(`handlers.${name}`, fn)
    else out[name] = fn.bind(handlers)
  }
  const error = (handlers as Record<string, unknown>).error
  if (typeof error === 'function') out.error = error.bind(handlers)
  else if (error !== undefined) throw invalid('handlers.error', error)
  return out as unknown as FullHandlers
}
