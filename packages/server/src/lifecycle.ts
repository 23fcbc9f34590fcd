/**
 * The listen/close life cycle shared by a Server and a WorkerPool: argument checks, the
 * states (not started, listening, closed) and their errors, and an idempotent close that waits
 * for a listen still in progress.
 */
import { EventEmitter } from 'node:events'
import { serverError } from './errors.js'
import { resolveGrace, resolveListen, type ListenOptions } from './options.js'
import type { AddressInfo } from './server.js'

export abstract class Lifecycle extends EventEmitter {
  private started: Promise<AddressInfo> | null = null
  private stopped: Promise<void> | null = null
  protected bound: AddressInfo | null = null

  /** Opens the listener(s) on an already validated address. */
  protected abstract start(host: string, port: number, backlog: number): Promise<AddressInfo>
  /** Closes everything, with a validated grace period. */
  protected abstract stop(graceMs: number): Promise<void>

  /** True once close() was called. */
  protected get closing(): boolean {
    return this.stopped !== null
  }

  /** Starts listening; resolves with the bound address. */
  listen(options?: ListenOptions): Promise<AddressInfo> {
    let listen
    try {
      listen = resolveListen(options)
    } catch (err) {
      return Promise.reject(err)
    }
    if (this.stopped !== null) return Promise.reject(serverError('ERR_SERVER_CLOSED', 'the server was closed'))
    if (this.started !== null) return Promise.reject(serverError('ERR_SERVER_ALREADY_LISTEN', 'listen() was already called'))
    this.started = this.start(listen.host, listen.port, listen.backlog).then((address) => (this.bound = address))
    return this.started
  }

  /** The bound address, or null when not listening. */
  address(): AddressInfo | null {
    return this.stopped === null ? this.bound : null
  }

  /**
   * Graceful close: stop accepting, close idle connections now and the others as soon as they
   * are idle (output flushed, not `busy`); after `graceMs` (default 5000) destroy what is left
   * with `ERR_SERVER_CLOSE_TIMEOUT`. Resolves once every connection is closed. Idempotent.
   */
  close(options?: { graceMs?: number }): Promise<void> {
    if (this.stopped !== null) return this.stopped
    let grace: number
    try {
      grace = resolveGrace(options)
    } catch (err) {
      return Promise.reject(err)
    }
    const starting = this.started
    this.stopped = (async () => {
      if (starting !== null) await starting.catch(() => undefined)
      await this.stop(grace)
    })()
    return this.stopped
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
