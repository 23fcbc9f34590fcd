/**
 * HTTP/1.1 as a protocol on the reactor: the connection handlers that run an {@link HttpSession}
 * per connection with something going on, call the request handler, report what it throws,
 * hand upgrades over, and enforce the timeouts.
 *
 * Timeouts: an idle keep-alive connection closes after `keepAliveTimeoutMs` (the reactor's idle
 * sweep; a connection with a request in flight is kept, however long its handler takes); a
 * request head must arrive in full within `headersTimeoutMs` of its first byte, or the
 * connection gets 408 and closes, however slowly the bytes trickle in (slowloris).
 */
import type { Connection } from '../engine/connection.js'
import { PROTOCOL, type FullHandlers } from '../engine/handlers.js'
import { IdleSweeper, type SweepClock } from '../engine/idle-sweeper.js'
import { RequestHead } from './head-parser.js'
import { HeadStore } from './head-store.js'
import { HeadBatch } from './head-batch.js'
import { HttpSession, type HttpApp } from './http-session.js'
import type { HttpLimits } from './limits.js'
import type { HttpRequest } from './request.js'
import type { HttpResponse } from './response.js'
import { answerReadiness } from './readiness.js'
import { upgradeRequired, type WebSocketRouter } from '../ws/router.js'

/** A request handler: sync, or async (its promise is awaited for errors only). */
export type HttpHandler = (req: HttpRequest, res: HttpResponse) => unknown

/** Takes over the connection of an `Upgrade` request (WebSocket, for one). `head`: bytes after the request. */
export type UpgradeHandler = (req: HttpRequest, conn: Connection, head: Buffer) => void

/** Gets what a request handler threw or rejected with (the request is answered 500). */
export type HttpErrorHandler = (err: Error, req: HttpRequest) => void

/** What the protocol needs besides the limits. */
export interface HttpProtocolOptions {
  limits: HttpLimits
  highWaterMark: number
  handler: HttpHandler
  upgrade?: UpgradeHandler
  error?: HttpErrorHandler
  /** The server's WebSocket routes, if it has any. */
  websockets?: WebSocketRouter
  /** The path the server answers itself with its readiness (see readiness.ts), or null. */
  readinessPath?: string | null
  /** True once the server drains: responses close their connections, the readiness path says 503. */
  draining?: () => boolean
}

/** Where time comes from: Node's clock and timers, unless a test steps them. */
export interface HttpClock extends SweepClock {
  now(): number
}

export class HttpProtocol implements FullHandlers, HttpApp {
  /** @internal Tests replace it to run the headers-timeout sweep and the clock themselves. */
  static clock: HttpClock = { now: Date.now, every: (ms, sweep) => IdleSweeper.clock.every(ms, sweep) }
  readonly [PROTOCOL] = true
  readonly ownsEnd = true
  readonly limits: HttpLimits
  readonly highWaterMark: number
  readonly head: RequestHead
  readonly headBatch: HeadBatch
  readonly headStore = new HeadStore()
  private readonly handler: HttpHandler
  private readonly onUpgrade: UpgradeHandler | undefined
  private readonly onError: HttpErrorHandler | undefined
  private readonly websockets: WebSocketRouter | undefined
  private readonly readinessPath: string | null
  private readonly isDraining: () => boolean
  /** Sessions with a partial head, for the headers timeout. */
  private readonly heads = new Set<HttpSession>()
  private stopSweep: (() => void) | null = null

  constructor(options: HttpProtocolOptions) {
    this.limits = options.limits
    this.highWaterMark = options.highWaterMark
    this.head = new RequestHead(options.limits.maxHeaderCount)
    this.headBatch = new HeadBatch(options.limits)
    this.handler = options.handler
    this.onUpgrade = options.upgrade
    this.onError = options.error
    this.websockets = options.websockets
    this.readinessPath = options.readinessPath ?? null
    this.isDraining = options.draining ?? notDraining
  }

  /** True once the server drains (its close() was called, even if a drain delay runs). */
  get draining(): boolean {
    return this.isDraining()
  }

  // ---- connection handlers ---------------------------------------------------------------

  open(): void {}

  data(conn: Connection, chunk: Buffer): void {
    let session = conn.protocol as HttpSession | null
    if (session === null) {
      session = new HttpSession(conn, this)
      conn.protocol = session
    }
    session.received(chunk)
  }

  drain(conn: Connection): void {
    ;(conn.protocol as HttpSession | null)?.drained()
  }

  end(conn: Connection): void {
    const session = conn.protocol as HttpSession | null
    if (session === null) conn.end()
    else session.peerEnded()
  }

  close(conn: Connection, err?: Error): void {
    const session = conn.protocol as HttpSession | null
    conn.protocol = null
    session?.closed(err)
  }

  timeout(conn: Connection): void {
    const session = conn.protocol as HttpSession | null
    if (session === null || session.idle) {
      conn.destroy() // an idle keep-alive connection: closed quietly
    } else if (session.receiving) {
      session.timedOut() // the client stalled half-way through a request: 408
    } else {
      conn.lastTick = conn.reactor.tick // a handler is working: keep the connection
    }
  }

  /** An exception from the HTTP layer itself (not from a request handler, which `dispatch` reports). */
  error(conn: Connection, err: Error): void {
    this.report(err, null)
  }

  // ---- HttpApp ---------------------------------------------------------------------------

  dispatch(req: HttpRequest, res: HttpResponse): void {
    if ((this.readinessPath !== null || this.websockets !== undefined) && this.answeredHere(req, res)) return
    let result: unknown
    try {
      result = this.handler(req, res)
    } catch (err) {
      this.failed(err, req, res)
      return
    }
    if (result !== null && typeof result === 'object') this.settleLater(result, req, res)
  }

  /**
   * Requests the server answers itself, before the handler: the readiness path, and a
   * WebSocket route asked for without a proper upgrade. True when `req` was one.
   */
  private answeredHere(req: HttpRequest, res: HttpResponse): boolean {
    if (this.readinessPath !== null && req.path === this.readinessPath) {
      answerReadiness(req, res, this.isDraining())
      return true
    }
    if (this.websockets !== undefined && this.websockets.active && this.websockets.match(req.path) !== null) {
      const required = upgradeRequired()
      res.statusCode = required.status
      for (const line of required.headers.split('\r\n').filter(Boolean)) res.setHeader(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2))
      res.end()
      return true
    }
    return false
  }

  /** A handler returned an object: when it is a promise, its rejection is reported. */
  private settleLater(result: object, req: HttpRequest, res: HttpResponse): void {
    if (typeof (result as Promise<unknown>).then === 'function') {
      ;(result as Promise<unknown>).then(undefined, (err: unknown) => this.failed(err, req, res))
    }
  }

  /** A handler threw: 500 when nothing was sent yet, else the connection closes; then report it. */
  private failed(err: unknown, req: HttpRequest, res: HttpResponse): void {
    // The request was refused or its client went away, and the handler did not catch the
    // rejected read: that is the request's fate, already answered, not a bug to report.
    if (req.abortedWith(err)) return
    const error = err instanceof Error ? err : new Error(String(err))
    if (!res.headersSent && !res.aborted) {
      res.statusCode = 500
      res.statusMessage = undefined
      for (const name of res.getHeaderNames()) res.removeHeader(name)
      res.end()
    } else if (!res.writableEnded) {
      req.conn.destroy(error) // part of the response went out: only closing ends it cleanly
    }
    this.report(error, req)
  }

  /** The application's error handler, or an uncaught exception (as the TCP server does). */
  report(error: Error, req: HttpRequest | null): void {
    const onError = this.onError
    if (onError === undefined || req === null) {
      process.nextTick(() => {
        throw error
      })
      return
    }
    try {
      onError(error, req)
    } catch (thrown) {
      process.nextTick(() => {
        throw thrown
      })
    }
  }

  upgrade(req: HttpRequest, conn: Connection, head: Buffer): boolean {
    if (this.readinessPath !== null && req.path === this.readinessPath) return false // answered as a request
    const behaviour = this.websockets?.active ? this.websockets.match(req.path) : null
    if (behaviour !== null) {
      conn.protocol = null
      conn.busy = false
      this.websockets!.upgrade(req, conn, head, behaviour)
      return true
    }
    const onUpgrade = this.onUpgrade
    if (onUpgrade === undefined) return false
    conn.protocol = null
    conn.busy = false
    onUpgrade(req, conn, head)
    return true
  }

  /** @internal Connections with part of a request head, waiting for the rest. */
  get waitingHeads(): number {
    return this.heads.size
  }

  waitingForHead(session: HttpSession, waiting: boolean): void {
    if (waiting) {
      session.headSince = HttpProtocol.clock.now()
      this.heads.add(session)
      if (this.stopSweep === null) {
        const every = Math.max(1, Math.floor(this.limits.headersTimeoutMs / 8))
        this.stopSweep = HttpProtocol.clock.every(every, this.sweepHeads)
      }
    } else {
      session.headSince = -1
      this.heads.delete(session)
      if (this.heads.size === 0 && this.stopSweep !== null) {
        this.stopSweep()
        this.stopSweep = null
      }
    }
  }

  private readonly sweepHeads = (): void => {
    const deadline = HttpProtocol.clock.now() - this.limits.headersTimeoutMs
    for (const session of [...this.heads]) {
      if (session.headSince >= 0 && session.headSince <= deadline) session.timedOut()
    }
  }
}

function notDraining(): boolean {
  return false
}
