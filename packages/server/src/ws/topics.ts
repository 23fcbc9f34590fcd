/**
 * Publish/subscribe between the WebSockets of one server (one thread): a topic's subscribers,
 * and a publish that frames its message once and hands the same bytes to every subscriber's
 * output, each subject to its own backpressure limit.
 */
import { Buffer } from 'node:buffer'
import { headerSize, writeHeader, Opcode } from './frames.js'
import type { WebSocket } from './websocket.js'

export class TopicHub {
  private readonly topics = new Map<string, Set<WebSocket>>()

  subscribe(ws: WebSocket, topic: string): boolean {
    let set = this.topics.get(topic)
    if (set === undefined) this.topics.set(topic, (set = new Set()))
    if (set.has(ws)) return false
    set.add(ws)
    return true
  }

  unsubscribe(ws: WebSocket, topic: string): boolean {
    const set = this.topics.get(topic)
    if (set === undefined || !set.delete(ws)) return false
    if (set.size === 0) this.topics.delete(topic)
    return true
  }

  has(ws: WebSocket, topic: string): boolean {
    return this.topics.get(topic)?.has(ws) ?? false
  }

  /** Subscribers of `topic`. */
  count(topic: string): number {
    return this.topics.get(topic)?.size ?? 0
  }

  /**
   * Sends `data` to every subscriber of `topic` but `except`: framed once, the same bytes queued
   * for each. Returns how many got it (a subscriber over its backpressure limit does not).
   */
  publish(topic: string, data: string | Uint8Array, isBinary: boolean, except: WebSocket | null): number {
    const set = this.topics.get(topic)
    if (set === undefined || set.size === 0) return 0
    const frame = frameOnce(data, isBinary ? Opcode.Binary : Opcode.Text)
    let sent = 0
    for (const ws of set) if (ws !== except && ws.sendFrame(frame)) sent++
    return sent
  }
}

/** A whole frame in a Buffer of its own (it is shared by every subscriber's queue). */
function frameOnce(data: string | Uint8Array, opcode: Opcode): Buffer {
  const length = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength
  const size = headerSize(length)
  const frame = Buffer.allocUnsafe(size + length)
  writeHeader(frame, 0, opcode, length)
  if (typeof data === 'string') frame.write(data, size, 'utf8')
  else frame.set(data, size)
  return frame
}
