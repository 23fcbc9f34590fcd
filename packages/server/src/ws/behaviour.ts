/**
 * What a WebSocket route does (its handlers) and its limits, with their defaults and checks.
 */
import { invalidArgType, outOfRange } from '../errors.js'
import { rejectUnknown } from '../options.js'
import type { HttpRequest } from '../http/request.js'
import type { WebSocket } from './websocket.js'
import type { TopicHub } from './topics.js'

/** Decides a handshake: accept it (with user data) or refuse it. */
export interface UpgradeContext<U> {
  /** Accepts: the connection becomes a WebSocket; `getUserData()` returns `userData`. */
  accept(userData?: U, options?: { protocol?: string }): void
  /** Refuses with `status` (default 403) and an optional text body; the connection closes. */
  refuse(status?: number, body?: string): void
}

/** Handlers and limits of a WebSocket route (`server.ws(pattern, behaviour)`). */
export interface WebSocketBehaviour<U = any> {
  /** Most bytes one message may have; over it the connection closes with 1009. Default 1 MiB. */
  maxPayloadLength?: number
  /** Close after this long without a frame either way (with `sendPingsAutomatically`, after a ping went unanswered). 0 disables. Default 120000. */
  idleTimeoutMs?: number
  /** Queued output past which `send` drops messages (returns DROPPED). Default 1 MiB. */
  maxBackpressure?: number
  /** Close (1008) a connection whose output passes `maxBackpressure`, instead of dropping. Default false. */
  closeOnBackpressureLimit?: boolean
  /** When idle for `idleTimeoutMs`, send a ping first and close only if nothing comes back. Default true. */
  sendPingsAutomatically?: boolean
  /** Decides the handshake (sync or async); without it every valid handshake is accepted. */
  upgrade?(req: HttpRequest, ctx: UpgradeContext<U>): void | Promise<void>
  /** The WebSocket is open. */
  open?(ws: WebSocket<U>): void
  /** A message: `data` is valid only during the call (copy it to keep it). */
  message?(ws: WebSocket<U>, data: Buffer, isBinary: boolean): void
  /** Output that had passed the high-water mark drained. */
  drain?(ws: WebSocket<U>): void
  /** A ping came (the pong is sent for you). */
  ping?(ws: WebSocket<U>, data: Buffer): void
  /** A pong came. */
  pong?(ws: WebSocket<U>, data: Buffer): void
  /** The WebSocket closed: the code and reason of the close handshake, 1006 without one. Called once. */
  close?(ws: WebSocket<U>, code: number, reason: Buffer): void
}

/** A behaviour with its limits filled in, and the topics of the server its route is on. */
export type ResolvedBehaviour<U = any> = WebSocketBehaviour<U> &
  Required<Pick<WebSocketBehaviour<U>, 'maxPayloadLength' | 'idleTimeoutMs' | 'maxBackpressure' | 'closeOnBackpressureLimit' | 'sendPingsAutomatically'>> & {
    hub: TopicHub
  }

const HANDLERS = ['upgrade', 'open', 'message', 'drain', 'ping', 'pong', 'close'] as const
const LIMITS = { maxPayloadLength: 1024 * 1024, idleTimeoutMs: 120_000, maxBackpressure: 1024 * 1024 }
const FLAGS = { closeOnBackpressureLimit: false, sendPingsAutomatically: true }

/** Checks a behaviour (TypeError/RangeError) and fills in its defaults; its WebSockets publish on `hub`. */
export function resolveBehaviour<U>(behaviour: WebSocketBehaviour<U>, hub: TopicHub): ResolvedBehaviour<U> {
  if (behaviour === null || typeof behaviour !== 'object') throw invalidArgType('behaviour', 'an object', behaviour)
  rejectUnknown(behaviour, [...HANDLERS, ...Object.keys(LIMITS), ...Object.keys(FLAGS)], 'WebSocket')
  const out: Record<string, unknown> = { ...LIMITS, ...FLAGS, hub }
  const b = behaviour as Record<string, unknown>
  for (const name of HANDLERS) {
    if (b[name] === undefined) continue
    if (typeof b[name] !== 'function') throw invalidArgType(name, 'a function', b[name])
    out[name] = (b[name] as (...args: unknown[]) => unknown).bind(behaviour)
  }
  for (const [name, max] of [['maxPayloadLength', 2 ** 32], ['idleTimeoutMs', 2 ** 31 - 1], ['maxBackpressure', 2 ** 32]] as const) {
    const value = b[name]
    if (value === undefined) continue
    if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidArgType(name, 'an integer', value)
    if (value < 0 || value > max) throw outOfRange(name, `>= 0 and <= ${max}`, value)
    out[name] = value
  }
  for (const name of Object.keys(FLAGS)) {
    if (b[name] === undefined) continue
    if (typeof b[name] !== 'boolean') throw invalidArgType(name, 'a boolean', b[name])
    out[name] = b[name]
  }
  return out as unknown as ResolvedBehaviour<U>
}
