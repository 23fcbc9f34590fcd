/**
 * Input an engine read for a connection that was paused before it could be delivered: at most
 * one read's worth (plus the end of stream, as null), handed over after `resume()` before
 * anything newer, so input is never reordered. Both engines can meet it: epoll reads a whole
 * wakeup's connections before delivering, and a handler may pause another connection whose
 * bytes were read already; io_uring may have a recv in flight when a connection pauses.
 */
import type { Connection } from './connection.js'
import { Flag } from './connection.js'
import type { Reactor } from './reactor.js'

export class HeldInput {
  private readonly held = new Map<Connection, Array<Buffer | null>>()

  /** True while `conn` has input waiting: nothing newer may be delivered before it. */
  has(conn: Connection): boolean {
    return this.held.size > 0 && this.held.has(conn) // (asked for every read: nothing is held, mostly)
  }

  /** Keeps `chunk` (already a copy: the memory it came from is reused) or the end of stream (null). */
  hold(conn: Connection, chunk: Buffer | null): void {
    const list = this.held.get(conn)
    if (list === undefined) this.held.set(conn, [chunk])
    else list.push(chunk)
  }

  /** Bytes held for `conn`. */
  bytes(conn: Connection): number {
    return (this.held.get(conn) ?? []).reduce((sum, chunk) => sum + (chunk?.length ?? 0), 0)
  }

  /** Forgets `conn` (it closed). */
  delete(conn: Connection): void {
    this.held.delete(conn)
  }

  /**
   * Delivers what `conn` has waiting, in order, until it is paused or closed again. Returns
   * true when nothing is left (the engine may read on).
   */
  replay(conn: Connection, reactor: Reactor): boolean {
    const list = this.held.get(conn)
    if (list === undefined) return true
    reactor.beginBatch()
    try {
      while (list.length > 0 && (conn.flags & (Flag.Paused | Flag.Closed)) === 0) {
        const chunk = list.shift()!
        if (list.length === 0) this.held.delete(conn) // before the call: it may pause or read on
        try {
          if (chunk === null) reactor.peerEnded(conn)
          else reactor.received(conn, chunk)
        } catch (err) {
          reactor.failed(conn, err)
        }
      }
    } finally {
      reactor.endBatch()
    }
    return !this.held.has(conn)
  }
}
