/**
 * The listen/close life cycle shared by a Server and a WorkerPool: argument checks, the
 * states (not started, listening, draining, closed) and their errors, and an idempotent close
 * that waits for a listen still in progress.
 */
import { EventEmitter } from 'node:events'
import { invalidArgType, serverError } from '../errors.js'
import { resolveClose, resolveListen, type CloseOptions, type ListenOptions, type ResolvedListen } from '../options.js'
import type { AddressInfo } from './server.js'

export abstract class Lifecycle extends EventEmitter {
  private started: Promise<AddressInfo> | null = null
  private stopped: Promise<void> | null = null
  protected bound: AddressInfo | null = null

  /** Opens the listener(s) on an already validated address, or adopts inherited ones. */
  protected abstract start(listen: ResolvedListen): Promise<AddressInfo>
  /** Closes everything, with validated close options. */
  protected abstract stop(graceMs: number, idle: 'close' | 'keep'): Promise<void>

  /** True once close() was called. */
  protected get closing(): boolean {
    return this.stopped !== null
  }

  /**
   * Starts listening; resolves with the bound address. Takes an options object, or node:net's
   * `listen(port, host?)`. A listen that failed (EADDRINUSE, say) can be tried again.
   *
   * @example
   * ```ts
   * const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
   * await server.listen(8080)          // the same as { port: 8080 }
   * ```
   */
  listen(options?: ListenOptions): Promise<AddressInfo>
  listen(port: number, host?: string): Promise<AddressInfo>
  listen(options?: ListenOptions | number, host?: string): Promise<AddressInfo> {
    let listen
    try {
      if (typeof options === 'number') listen = resolveListen(host === undefined ? { port: options } : { port: options, host })
      else if (host !== undefined) throw invalidArgType('options', 'a port number when a host is given', options)
      else listen = resolveListen(options)
    } catch (err) {
      return Promise.reject(err)
    }
    if (this.stopped !== null) return Promise.reject(serverError('ERR_SERVER_CLOSED', 'the server was closed'))
    if (this.started !== null) return Promise.reject(serverError('ERR_SERVER_ALREADY_LISTEN', 'listen() was already called'))
    const started = this.start(listen).then(
      (address) => (this.bound = address),
      (err: unknown) => {
        if (this.started === started) this.started = null // nothing is open: listen() may be tried again
        throw err
      },
    )
    this.started = started
    return started
  }

  /** The bound address, or null when not listening. */
  address(): AddressInfo | null {
    return this.stopped === null ? this.bound : null
  }

  /**
   * True from the moment `close()` is called: the server is going away (a shutdown, or a
   * restart handing its socket to a successor) and stops taking connections. This is what a
   * readiness probe should report, so that a load balancer stops sending before connections
   * close. The `'draining'` event is emitted at the same moment, once.
   */
  get draining(): boolean {
    return this.stopped !== null
  }

  /**
   * Graceful close: emit `'draining'`, stop accepting, close idle connections now and the
   * others as soon as they are idle (output flushed, not `busy`), or with `idle: 'keep'` as
   * soon as they finish on their own; after `graceMs` (default 5000) destroy what is left
   * with `ERR_SERVER_CLOSE_TIMEOUT`. Resolves once every connection is closed. Idempotent.
   */
  close(options?: CloseOptions): Promise<void> {
    if (this.stopped !== null) return this.stopped
    let resolved
    try {
      resolved = resolveClose(options)
    } catch (err) {
      return Promise.reject(err)
    }
    const starting = this.started
    // The close itself starts a microtask later: 'draining' listeners run first.
    this.stopped = Promise.resolve().then(async () => {
      if (starting !== null) await starting.catch(() => undefined)
      await this.stop(resolved.graceMs, resolved.idle)
    })
    this.emit('draining')
    return this.stopped
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
