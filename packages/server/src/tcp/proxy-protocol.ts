/**
 * The PROXY protocol in front of the application's handlers (the `proxyProtocol` option).
 *
 * Each accepted connection is sorted by its peer address:
 *
 * - **Trusted** (a balancer in `trusted`): its connection must start with a PROXY header
 *   (specification: a receiver must not guess whether one is there). Until the header is
 *   complete the application sees nothing: no `open`, no `data`. Then the client it names
 *   becomes `conn.remoteAddress` (the balancer stays readable as `conn.proxyAddress`), the
 *   application's `open` runs, and the bytes that came after the header in the same read are
 *   its first `data`. A malformed header, one over the size bound, one not complete within
 *   `timeoutMs`, or an end of stream before it is complete closes the connection, unseen by
 *   the application (the first such rejection per server is reported with a process warning:
 *   it usually means a balancer that sends no header, or another version than expected).
 * - **Untrusted** (anyone else): served as a direct client at once, with its own address. If it
 *   starts with a PROXY header anyway, it is trying to choose its own address: the connection
 *   is destroyed with `ERR_PROXY_UNTRUSTED` (the application's `close` receives it). Bytes that
 *   could still become a header ("PRO", "\r\n") are held back until they cannot, or for
 *   `timeoutMs` at most; a client that sends anything else is not delayed at all.
 *
 * Chunks handed to `data` live only during the call, so every byte kept across calls (a header
 * split over several reads, held-back bytes) is a copy, bounded by the header limits.
 */
import { Buffer } from 'node:buffer'
import { serverError } from '../errors.js'
import type { Connection } from '../engine/connection.js'
import type { FullHandlers } from '../engine/handlers.js'
import type { ResolvedProxyProtocol } from '../options.js'
import { parseNetworks, type NetworkList } from './cidr.js'
import { parseProxyHeader, proxySignature, type ProxyHeader } from './proxy-header.js'

/** The server's handlers behind the PROXY protocol (see the module comment). */
export function proxyProtocolHandlers(app: FullHandlers, config: ResolvedProxyProtocol): FullHandlers {
  return new ProxyGate(app, parseNetworks(config.trusted, 'proxyProtocol.trusted'), config)
}

/**
 * The handlers the reactor starts each connection with: `open` sorts the peer and gives the
 * connection its own handlers (a HeaderReader, or the application's behind a DirectScreen).
 * The other callbacks are never reached; they pass through to keep the object whole.
 */
class ProxyGate implements FullHandlers {
  readonly error: FullHandlers['error']
  private warned = false

  constructor(
    readonly app: FullHandlers,
    private readonly trusted: NetworkList,
    readonly config: ResolvedProxyProtocol,
  ) {
    this.error = app.error
  }

  open(conn: Connection): void {
    const peer = conn.remoteAddress
    if (peer !== undefined && this.trusted.has(peer)) {
      conn.handlers = new HeaderReader(conn, this)
      return
    }
    conn.handlers = this.app
    this.app.open(conn) // may replace conn.handlers (coroutine style, streams): screen those
    if (!conn.closed) conn.handlers = new DirectScreen(conn, conn.handlers, this.config.timeoutMs)
  }

  data(conn: Connection, chunk: Buffer): void {
    this.app.data(conn, chunk)
  }

  drain(conn: Connection): void {
    this.app.drain(conn)
  }

  end(conn: Connection): void {
    this.app.end(conn)
  }

  close(conn: Connection, err?: Error): void {
    this.app.close(conn, err)
  }

  timeout(conn: Connection): void {
    this.app.timeout(conn)
  }

  /** A trusted peer's header was complete: hand the connection to the application. */
  admit(conn: Connection, header: ProxyHeader, rest: Buffer): void {
    if (header.source !== null) conn.proxiedFor(header.source)
    conn.handlers = this.app
    conn.reactor.opened(conn)
    if (rest.length === 0 || conn.closed) return
    if (!conn.isPaused) {
      conn.handlers.data(conn, rest)
      return
    }
    // `open` paused reading: the bytes that came with the header wait for resume(), ahead of
    // anything the engine holds or reads later, as input read before a pause always does.
    holdUntilResume(conn, Buffer.from(rest))
  }

  /** A trusted peer sent something that is not a valid header. */
  rejected(conn: Connection, reason: string): void {
    if (!this.warned) {
      this.warned = true
      process.emitWarning(
        `closed a connection from ${conn.remoteAddress}:${conn.remotePort}, a trusted PROXY protocol peer: ${reason} ` +
          '(later rejections are not reported)',
        { code: 'IO_PROXY_HEADER_REJECTED' },
      )
    }
    conn.destroy(serverError('ERR_PROXY_HEADER', `bad PROXY protocol header: ${reason}`))
  }
}

function holdUntilResume(conn: Connection, bytes: Buffer): void {
  conn.beforeResume = () =>
    queueMicrotask(() => {
      if (conn.closed) return
      if (conn.isPaused) return holdUntilResume(conn, bytes) // paused again before this ran
      const reactor = conn.reactor
      reactor.beginBatch()
      try {
        reactor.received(conn, bytes)
      } catch (err) {
        reactor.failed(conn, err)
      } finally {
        reactor.endBatch()
      }
    })
}

/** A trusted peer's connection until its header is complete. */
class HeaderReader implements FullHandlers {
  /** The reactor must not end the connection on the peer's FIN: `end` closes it. */
  readonly ownsEnd = true
  /** What arrived so far of a header split over several reads (a copy). */
  private partial: Buffer | null = null
  private readonly timer: NodeJS.Timeout

  constructor(
    conn: Connection,
    private readonly gate: ProxyGate,
  ) {
    const timeoutMs = gate.config.timeoutMs
    this.timer = setTimeout(() => {
      if (!conn.closed && conn.handlers === this) {
        conn.destroy(serverError('ERR_PROXY_TIMEOUT', `no complete PROXY protocol header within ${timeoutMs} ms`))
      }
    }, timeoutMs)
    this.timer.unref()
  }

  open(): void {}

  data(conn: Connection, chunk: Buffer): void {
    const bytes = this.partial === null ? chunk : Buffer.concat([this.partial, chunk])
    const parsed = parseProxyHeader(bytes, this.gate.config.maxHeaderBytes)
    if (parsed.status === 'incomplete') {
      this.partial = bytes === chunk ? Buffer.from(chunk) : bytes
    } else if (parsed.status === 'invalid') {
      this.gate.rejected(conn, parsed.reason)
    } else {
      clearTimeout(this.timer)
      this.partial = null
      this.gate.admit(conn, parsed.header, bytes.subarray(parsed.header.length))
    }
  }

  drain(): void {}

  end(conn: Connection): void {
    conn.destroy(serverError('ERR_PROXY_TRUNCATED', 'the peer ended before its PROXY protocol header was complete'))
  }

  close(): void {
    clearTimeout(this.timer)
  }

  timeout(conn: Connection): void {
    conn.destroy(serverError('ERR_PROXY_TIMEOUT', 'idle before its PROXY protocol header was complete'))
  }
}

/**
 * An untrusted peer's connection, served directly, until its first bytes show they are not a
 * PROXY header. Events go to `inner`, the handlers the application's `open` left in place.
 */
class DirectScreen implements FullHandlers {
  /** First bytes that could still become a PROXY header (a copy). */
  private held: Buffer | null = null
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly conn: Connection,
    private readonly inner: FullHandlers,
    private readonly timeoutMs: number,
  ) {}

  get ownsEnd(): boolean | undefined {
    return this.inner.ownsEnd
  }

  open(): void {}

  data(conn: Connection, chunk: Buffer): void {
    const bytes = this.held === null ? chunk : Buffer.concat([this.held, chunk])
    const verdict = proxySignature(bytes)
    if (verdict === 'no') {
      this.stand()
      this.inner.data(conn, bytes)
    } else if (verdict === 'yes') {
      conn.destroy(serverError('ERR_PROXY_UNTRUSTED', `a PROXY protocol header from ${conn.remoteAddress}, which is not a trusted proxy`))
    } else {
      this.held = bytes === chunk ? Buffer.from(chunk) : bytes
      this.timer ??= setTimeout(() => {
        if (!conn.closed && conn.handlers === this) {
          conn.destroy(serverError('ERR_PROXY_TIMEOUT', `the start of a PROXY protocol header, then nothing for ${this.timeoutMs} ms`))
        }
      }, this.timeoutMs).unref()
    }
  }

  /** The first bytes are not a header: the application's handlers take over. */
  private stand(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.held = null
    if (this.conn.handlers === this) this.conn.handlers = this.inner
  }

  drain(conn: Connection): void {
    this.inner.drain(conn)
  }

  end(conn: Connection): void {
    if (this.held !== null) {
      conn.destroy(serverError('ERR_PROXY_TRUNCATED', 'the peer ended after the start of a PROXY protocol header'))
      return
    }
    this.stand()
    this.inner.end(conn)
  }

  close(conn: Connection, err?: Error): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.inner.close(conn, err)
  }

  timeout(conn: Connection): void {
    this.inner.timeout(conn)
  }
}
