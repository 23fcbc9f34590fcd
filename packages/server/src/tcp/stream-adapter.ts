/**
 * `conn.toStream()`: a Node Duplex over a connection, so that stream code (pipeline, parsers,
 * zlib) works unchanged. The adapter takes the connection's events: `data` becomes `push`
 * (of a copy: stream consumers keep chunks), `push` returning false pauses reading and
 * `read()` resumes it, `write` maps to `conn.write` with its callback held until `drain`.
 * The application's `close` handler still runs after the stream's.
 */
import { Buffer } from 'node:buffer'
import { serverError } from '../errors.js'
import { Duplex } from 'node:stream'
import type { Connection } from '../engine/connection.js'
import type { FullHandlers } from '../engine/handlers.js'

export class StreamAdapter implements FullHandlers {
  readonly stream: Duplex
  readonly ownsEnd = true
  private readonly app: FullHandlers
  /** Callback of the write that hit highWaterMark, called on drain. */
  private pendingWrite: ((error?: Error | null) => void) | null = null

  constructor(
    private readonly conn: Connection,
    allowHalfOpen: boolean,
  ) {
    this.app = conn.handlers
    conn.handlers = this
    const adapter = this
    this.stream = new Duplex({
      allowHalfOpen,
      read() {
        conn.resume()
      },
      write(chunk: Buffer, _encoding, callback) {
        adapter.send(() => conn.write(chunk), callback)
      },
      writev(chunks: Array<{ chunk: Buffer }>, callback) {
        adapter.send(() => conn.writev(chunks.map((c) => c.chunk)), callback)
      },
      final(callback) {
        conn.end()
        callback()
      },
      destroy(error, callback) {
        conn.destroy(error ?? undefined)
        callback(error)
      },
    })
  }

  private send(write: () => boolean, callback: (error?: Error | null) => void): void {
    if (this.conn.closed) return callback(prematureClose())
    if (write()) callback()
    else if (this.conn.closed) callback(prematureClose())
    else this.pendingWrite = callback
  }

  open(): void {}

  data(conn: Connection, chunk: Buffer): void {
    if (!this.stream.push(Buffer.from(chunk))) conn.pause()
  }

  drain(): void {
    const callback = this.pendingWrite
    this.pendingWrite = null
    callback?.()
  }

  end(): void {
    this.stream.push(null)
  }

  close(conn: Connection, err?: Error): void {
    const callback = this.pendingWrite
    this.pendingWrite = null
    callback?.(err ?? prematureClose())
    if (err !== undefined) this.stream.destroy(err)
    else {
      if (!this.stream.readableEnded) this.stream.push(null)
      if (!this.stream.writableFinished) this.stream.destroy()
    }
    this.app.close(conn, err)
  }

  timeout(conn: Connection): void {
    this.stream.emit('timeout')
    this.app.timeout(conn)
  }
}

function prematureClose(): Error {
  return serverError('ERR_STREAM_PREMATURE_CLOSE', 'connection closed')
}
