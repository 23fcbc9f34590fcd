/**
 * The listen/close life cycle shared by a Server and a WorkerPool: argument checks, the
 * states (not started, listening, draining, closed) and their errors, and an idempotent close
 * that waits for a listen still in progress, after the drain delay if one was asked for.
 */
import { EventEmitter } from 'node:events'
import { invalidArgType, serverError } from '../errors.js'
import { resolveClose, resolveListen, type CloseOptions, type ListenOptions, type ResolvedClose, type ResolvedListen } from '../options.js'
import type { AddressInfo } from './server.js'

export abstract class Lifecycle extends EventEmitter {
  private started: Promise<AddressInfo> | null = null
  private stopped: Promise<void> | null = null
  /** Ends the drain delay (set while one runs). */
  private endDelay: (() => void) | null = null
  protected bound: AddressInfo | null = null

  /** Opens the listener(s) on an already validated address, or adopts inherited ones. */
  protected abstract start(listen: ResolvedListen): Promise<AddressInfo>
  /** Closes everything, with validated close options. */
  protected abstract stop(graceMs: number, idle: 'close' | 'keep'): Promise<void>

  /** close() was called: draining is true from now on (the drain delay, if any, starts). */
  protected drainStarted(_close: ResolvedClose): void {}

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
   * restart handing its socket to a successor) and stops taking connections (after the drain
   * delay, if `close()` was given one). This is what a readiness probe should report, so that a
   * load balancer stops sending before connections close; an HTTP server's `readinessPath`
   * answers 503 from then on. The `'draining'` event is emitted at the same moment, once.
   */
  get draining(): boolean {
    return this.stopped !== null
  }

  /**
   * Graceful close: emit `'draining'`, stop accepting, close idle connections now and the
   * others as soon as they are idle (output flushed, not `busy`), or with `idle: 'keep'` as
   * soon as they finish on their own; after `graceMs` (default 5000) destroy what is left
   * with `ERR_SERVER_CLOSE_TIMEOUT`. With `delayMs`, all of this waits that long (serving on,
   * `draining` already true). Resolves once every connection is closed. Idempotent: a call
   * made during the delay ends it at once.
   *
   * @example
   * ```ts
   * const closed = server.close({ delayMs: 5000 }) // readiness fails now; close in 5 s
   * await server.close()                           // or: stop waiting, close now
   * ```
   */
  close(options?: CloseOptions): Promise<void> {
    if (this.stopped !== null) {
      this.endDelay?.()
      return this.stopped
    }
    let resolved: ResolvedClose
    try {
      resolved = resolveClose(options)
    } catch (err) {
      return Promise.reject(err)
    }
    const starting = this.started
    const delay = resolved.delayMs > 0 ? this.delay(resolved.delayMs) : null
    // The close itself starts a microtask later (or after the delay): 'draining' listeners run first.
    this.stopped = Promise.resolve().then(async () => {
      if (delay !== null) await delay
      if (starting !== null) await starting.catch(() => undefined)
      await this.stop(resolved.graceMs, resolved.idle)
    })
    this.drainStarted(resolved)
    this.emit('draining')
    return this.stopped
  }

  /** Resolves after `ms` (never when Infinity), or as soon as close() is called again. */
  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => end(), ms) : undefined
      const end = () => {
        clearTimeout(timer)
        this.endDelay = null
        resolve()
      }
      this.endDelay = end
    })
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
