/**
 * The WebSocket routes of an HTTP server, and the opening handshake (RFC 6455 §4.2): a GET
 * with HTTP/1.1, `Upgrade: websocket`, `Connection: upgrade`, `Sec-WebSocket-Version: 13` and
 * a `Sec-WebSocket-Key` of 16 bytes in base64. A version other than 13 gets 426 with the
 * version this server speaks; anything else wrong gets 400; a plain request to a WebSocket
 * route gets 426. The route's `upgrade` may then accept (with user data) or refuse.
 */
import { Buffer } from 'node:buffer'
import * as crypto from 'node:crypto'
import type { Connection } from '../engine/connection.js'
import { dateLine } from '../http/date-header.js'
import type { HttpRequest } from '../http/request.js'
import { STATUS_TEXT } from '../http/status.js'
import { resolveBehaviour, type ResolvedBehaviour, type UpgradeContext, type WebSocketBehaviour } from './behaviour.js'
import { TopicHub } from './topics.js'
import { WebSocket, WebSocketHandlers } from './websocket.js'
import { IdleSweeper } from '../engine/idle-sweeper.js'
import { writeLatin1 } from '../engine/text-write.js'

/**
 * Idle ticks of a WebSocket without an idle timeout: the sweeper compares an int32 tick
 * difference against it, which never exceeds it. A small integer on purpose: a larger number
 * (Number.MAX_SAFE_INTEGER) in one Connection's `idleTicks` makes V8 box that field as a heap
 * number of 16 bytes in every Connection made afterwards.
 */
const NEVER_IDLE = 0x7fffffff
/** RFC 6455 §1.3: appended to the client's key before hashing. */
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'

interface Route {
  pattern: string
  /** `pattern` ends with '*': a prefix. */
  prefix: boolean
  behaviour: ResolvedBehaviour
}

export class WebSocketRouter {
  readonly hub = new TopicHub()
  readonly handlers = new WebSocketHandlers()
  private readonly routes: Route[] = []

  constructor(
    /** Reports what a route's `upgrade` throws or rejects with. */
    private readonly report: (err: Error, req: HttpRequest) => void,
  ) {}

  /** Adds a route: an exact path, or a prefix ending with '*' ('/chat/*', '/*'). First added wins. */
  add(pattern: string, behaviour: WebSocketBehaviour): void {
    if (typeof pattern !== 'string' || !pattern.startsWith('/')) {
      throw Object.assign(new TypeError(`"pattern" must be a path starting with "/", got ${JSON.stringify(pattern)}`), { code: 'ERR_INVALID_ARG_VALUE' })
    }
    const prefix = pattern.endsWith('*')
    this.routes.push({ pattern: prefix ? pattern.slice(0, -1) : pattern, prefix, behaviour: resolveBehaviour(behaviour, this.hub) })
  }

  /** True once a route was added. */
  get active(): boolean {
    return this.routes.length > 0
  }

  /** The behaviour of the route `path` falls on, or null. */
  match(path: string): ResolvedBehaviour | null {
    for (const route of this.routes) {
      if (route.prefix ? path.startsWith(route.pattern) : path === route.pattern) return route.behaviour
    }
    return null
  }

  /** A request with `Connection: upgrade` on a WebSocket route: the handshake. `head`: bytes after it. */
  upgrade(req: HttpRequest, conn: Connection, head: Buffer, behaviour: ResolvedBehaviour): void {
    const refusal = checkHandshake(req)
    if (refusal !== null) return refuse(conn, refusal.status, refusal.headers)
    const key = req.header('sec-websocket-key')!.trim()
    const decide = behaviour.upgrade
    // Without an `upgrade` handler every valid handshake is accepted: no context is made.
    if (decide === undefined) return this.open(conn, head, behaviour, key, undefined, undefined)
    const offered = (req.header('sec-websocket-protocol') ?? '').split(',').map((p) => p.trim()).filter(Boolean)
    let decided = false
    const ctx: UpgradeContext<unknown> = {
      accept: (userData, options) => {
        if (decided) return
        decided = true
        const protocol = options?.protocol
        if (protocol !== undefined && !offered.includes(protocol)) {
          this.report(new Error(`accept(): the client did not offer the protocol "${protocol}"`), req)
          return refuse(conn, 500, '')
        }
        this.open(conn, head, behaviour, key, protocol, userData)
      },
      refuse: (status = 403, body = '') => {
        if (decided) return
        decided = true
        refuse(conn, status, '', body)
      },
    }
    conn.pause() // no frame is read before the answer
    let result: unknown
    try {
      result = decide(req, ctx)
    } catch (err) {
      return this.failed(err, req, ctx)
    }
    if (result !== null && typeof result === 'object' && typeof (result as Promise<void>).then === 'function') {
      ;(result as Promise<void>).then(
        () => ctx.refuse(500), // an upgrade that decided nothing
        (err: unknown) => this.failed(err, req, ctx),
      )
    } else ctx.refuse(500)
  }

  private failed(err: unknown, req: HttpRequest, ctx: UpgradeContext<unknown>): void {
    ctx.refuse(500)
    this.report(err instanceof Error ? err : new Error(String(err)), req)
  }

  /** Accepted: the 101 answer, then the connection is a WebSocket. */
  private open(conn: Connection, head: Buffer, behaviour: ResolvedBehaviour, key: string, protocol: string | undefined, userData: unknown): void {
    if (conn.closed) return
    conn.write(switchingProtocols(conn, acceptKey(key), protocol))
    const ws = new WebSocket(conn, behaviour, userData)
    conn.protocol = ws
    conn.handlers = this.handlers
    const tick = IdleSweeper.tickMs(conn.reactor.options.idleTimeoutMs)
    conn.idleTicks = behaviour.idleTimeoutMs === 0 ? NEVER_IDLE : Math.min(NEVER_IDLE, Math.ceil(behaviour.idleTimeoutMs / tick))
    conn.lastTick = conn.reactor.tick
    if (conn.isPaused) conn.resume()
    behaviour.open?.(ws)
    if (head.length > 0 && !ws.closed) ws.read(head)
  }
}

/** What is wrong with a handshake request, as the status and headers to refuse it with; null when it is valid. */
function checkHandshake(req: HttpRequest): { status: number; headers: string } | null {
  if (req.method !== 'GET' || req.httpVersion !== '1.1') return { status: 400, headers: '' }
  if (!hasToken(req.header('upgrade'), 'websocket')) return { status: 426, headers: 'Upgrade: websocket\r\nConnection: Upgrade\r\n' }
  if ((req.header('sec-websocket-version') ?? '').trim() !== '13') return { status: 426, headers: 'Sec-WebSocket-Version: 13\r\n' }
  const key = (req.header('sec-websocket-key') ?? '').trim()
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key)) return { status: 400, headers: '' }
  return null
}

/**
 * Sec-WebSocket-Accept for `key` (RFC 6455 §4.2.2). `crypto.hash` (Node >= 20.12) hashes in one
 * call with no Hash object, whose native state would otherwise stay allocated per handshake
 * until the garbage collector finalizes it.
 */
function acceptKey(key: string): string {
  const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64') => string }).hash
  return oneShot !== undefined ? oneShot('sha1', key + GUID, 'base64') : crypto.createHash('sha1').update(key + GUID).digest('base64')
}

const SWITCHING = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: '

/** The 101 answer, written into the reactor's scratch memory (no string joined, no Buffer made). */
function switchingProtocols(conn: Connection, accept: string, protocol: string | undefined): Uint8Array {
  const tail = protocol === undefined ? '\r\n\r\n' : `\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`
  const out = conn.reactor.scratch(SWITCHING.length + accept.length + tail.length)
  writeLatin1(out, SWITCHING, 0)
  writeLatin1(out, accept, SWITCHING.length)
  writeLatin1(out, tail, SWITCHING.length + accept.length)
  return out
}

/** A plain request (no upgrade) to a WebSocket route: 426 Upgrade Required. */
export function upgradeRequired(): { status: number; headers: string } {
  return { status: 426, headers: 'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' }
}

/** `value` (a comma-separated list) has `token` (lower case), in any case. */
function hasToken(value: string | undefined, token: string): boolean {
  if (value === undefined) return false
  if (value.length === token.length && value.toLowerCase() === token) return true // the usual one-token list
  return value.split(',').some((t) => t.trim().toLowerCase() === token)
}

/** Answers the handshake with `status` and closes. */
function refuse(conn: Connection, status: number, headers: string, body = ''): void {
  if (conn.closed) return
  const length = Buffer.byteLength(body)
  conn.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n${dateLine()}${headers}Content-Length: ${length}\r\nConnection: close\r\n\r\n${body}`,
  )
  if (conn.isPaused) conn.resume()
}
