/**
 * Coroutine style, the async/await counterpart of gevent's model: one async function per
 * connection, reading with `for await` and writing with `await conn.write()`.
 *
 * ```ts
 * createServer({}, async (conn) => {
 *   for await (const chunk of conn) await conn.write(chunk)
 * })
 * ```
 *
 * Backpressure both ways: chunks not yet taken by the loop are queued (as copies) up to
 * `highWaterMark`, past which reading pauses until the loop catches up; `await conn.write()`
 * resolves at once while buffered output is under `highWaterMark` and otherwise on `drain`.
 * For a graceful `server.close()`, a connection is idle (and closed) when its function waits
 * for input with nothing buffered either way.
 */
import { Buffer } from 'node:buffer'
import { serverError } from '../errors.js'
import type { Connection } from '../engine/connection.js'
import type { FullHandlers } from '../engine/handlers.js'

/** The per-connection function of the coroutine style. */
export type ConnectionFunction<U = any> = (conn: AsyncConnection<U>) => unknown

const RESOLVED = Promise.resolve()

/**
 * A connection in coroutine style: `for await (const chunk of conn)` reads (copies, done at the
 * peer's FIN, throwing on a reset), `await conn.write(chunk)` writes with backpressure.
 */
export class AsyncConnection<U = any> implements AsyncIterableIterator<Buffer> {
  /** The underlying connection (callback API). */
  readonly raw: Connection<U>
  /** @internal */
  readonly adapter: FullHandlers
  private readonly chunks: Buffer[] = []
  private buffered = 0
  private readonly limit: number
  private finished = false
  private failure: Error | undefined
  private reader: { resolve: (r: IteratorResult<Buffer>) => void; reject: (e: Error) => void } | null = null
  private writers: Array<{ resolve: () => void; reject: (e: Error) => void }> = []

  /** @internal */
  constructor(conn: Connection<U>, app: FullHandlers, highWaterMark: number) {
    this.raw = conn
    this.limit = highWaterMark
    conn.busy = true // until the function first waits for input
    const self = this
    this.adapter = {
      ownsEnd: true,
      open() {},
      data(_conn, chunk) {
        self.received(Buffer.from(chunk))
      },
      drain() {
        self.drained()
      },
      end() {
        self.ended(undefined)
      },
      close(c, err) {
        self.ended(err)
        self.drained(err ?? closedError())
        app.close(c, err)
      },
      timeout(c) {
        app.timeout(c)
      },
    }
    conn.handlers = this.adapter
  }

  /** Anything the application keeps with the connection (shared with `raw.userData`). */
  get userData(): U {
    return this.raw.userData
  }

  set userData(value: U) {
    this.raw.userData = value
  }

  get remoteAddress(): string | undefined {
    return this.raw.remoteAddress
  }

  get remotePort(): number | undefined {
    return this.raw.remotePort
  }

  get closed(): boolean {
    return this.raw.closed
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this
  }

  /** The next chunk; done once the peer ends; rejects with the error if the connection fails. */
  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.chunks.shift()
    if (chunk !== undefined) {
      this.buffered -= chunk.length
      if (this.buffered < this.limit) this.raw.resume()
      return Promise.resolve({ value: chunk, done: false })
    }
    if (this.failure !== undefined) return Promise.reject(this.failure)
    if (this.finished) return Promise.resolve({ value: undefined, done: true })
    this.raw.busy = false // waiting for input with nothing held back: idle
    return new Promise((resolve, reject) => {
      this.reader = { resolve, reject }
    })
  }

  /** Ends the `for await` loop early (the connection stays open for writing). */
  return(): Promise<IteratorResult<Buffer>> {
    this.finished = true
    this.chunks.length = 0
    return Promise.resolve({ value: undefined, done: true })
  }

  /**
   * Writes `data`; resolves when the caller may write more (buffered output under
   * `highWaterMark`), rejects if the connection closes first.
   */
  write(data: string | NodeJS.ArrayBufferView, encoding?: BufferEncoding): Promise<void> {
    if (this.raw.write(data, encoding)) return RESOLVED
    if (this.raw.closed) return Promise.reject(this.failure ?? closedError())
    return new Promise((resolve, reject) => this.writers.push({ resolve, reject }))
  }

  /** Ends the writing side after the buffered output (half-close). */
  end(data?: string | NodeJS.ArrayBufferView, encoding?: BufferEncoding): void {
    this.raw.end(data, encoding)
  }

  /** Closes at once. */
  destroy(err?: Error): void {
    this.raw.destroy(err)
  }

  /** @internal True for an error this wrapper rejected with because the connection closed. */
  isCloseError(err: unknown): boolean {
    return err === this.failure || (err instanceof Error && CLOSED in err)
  }

  private received(chunk: Buffer): void {
    this.raw.busy = true
    const reader = this.reader
    if (reader !== null) {
      this.reader = null
      reader.resolve({ value: chunk, done: false })
      return
    }
    if (this.finished) return // the loop was left early: input is dropped
    this.chunks.push(chunk)
    this.buffered += chunk.length
    if (this.buffered >= this.limit) this.raw.pause()
  }

  private ended(err: Error | undefined): void {
    if (err !== undefined) this.failure = err
    this.finished = true
    const reader = this.reader
    if (reader === null) return
    this.reader = null
    if (err !== undefined) reader.reject(err)
    else reader.resolve({ value: undefined, done: true })
  }

  private drained(err?: Error): void {
    const writers = this.writers
    if (writers.length === 0) return
    this.writers = []
    for (const w of writers) err === undefined ? w.resolve() : w.reject(err)
  }
}

/**
 * Runs `fn` for `conn` in coroutine style. When the function returns, the connection is ended
 * (after its output); when it throws or rejects, the connection is destroyed with that error,
 * which the `close` handler receives.
 */
export function runConnection(conn: Connection, fn: ConnectionFunction, app: FullHandlers, highWaterMark: number): void {
  const wrapper = new AsyncConnection(conn, app, highWaterMark)
  let result: unknown
  try {
    result = fn(wrapper)
  } catch (err) {
    conn.reactor.failed(conn, err)
    return
  }
  Promise.resolve(result).then(
    () => {
      conn.busy = false
      if (!conn.closed) conn.end()
    },
    (err) => {
      // A rejection caused by the connection closing (a read or write it was waiting for
      // failed with the close error) is the close, already reported; anything else is a bug
      // in the function, reported like a throwing handler.
      if (conn.closed && wrapper.isCloseError(err)) return
      conn.reactor.failed(conn, err)
    },
  )
}

/** Marks the errors `closedError` makes. */
const CLOSED = Symbol('closed')

function closedError(): Error {
  return Object.assign(serverError('ERR_STREAM_PREMATURE_CLOSE', 'connection closed'), { [CLOSED]: true })
}
