/**
 * Connection slots and their tokens (DESIGN.md decision 3: tokens, not fds).
 *
 * A token is `generation << 20 | slot`: the slot indexes `slots`, the 10-bit generation is
 * bumped each time a slot is reused; bits 30-31 stay 0 for an engine's own use (io_uring
 * tags each operation's kind there). A batch of events can still hold an event for a
 * connection that an earlier handler in the same batch closed, and a connection accepted later
 * in that batch may already sit in the same slot (with the same fd number): its token differs,
 * so `lookup` drops the stale event. Slot 0xFFFFF is never handed out, so token 0xFFFFFFFF is
 * free for the listener.
 */
import type { Connection } from './connection.js'

const SLOT_BITS = 20
const SLOT_MASK = (1 << SLOT_BITS) - 1
const GENERATION_MASK = 0x3ff
/** Most connections one reactor can hold (slot 0xFFFFF is reserved). */
export const MAX_CONNECTIONS = SLOT_MASK
/** The slot index of a token. */
export function slotOf(token: number): number {
  return token & SLOT_MASK
}

/**
 * Per-slot bytes an engine keeps (its per-connection state), grown to hold `slot`: returns
 * `state` itself when it is large enough, else a larger copy.
 */
export function withSlot(state: Uint8Array<ArrayBuffer>, slot: number): Uint8Array<ArrayBuffer> {
  if (slot < state.length) return state
  const grown = new Uint8Array(Math.max(slot + 1, state.length * 2))
  grown.set(state)
  return grown
}

/** The token of a reactor's listening socket. */
export const LISTENER_TOKEN = 0xffffffff

export class ConnectionTable {
  /** Connection in each slot, or undefined when free. Dense, so a sweep is a plain loop. */
  readonly slots: Array<Connection | undefined> = []
  private generations = new Uint16Array(64)
  private free: number[] = []
  /** Connections currently held. */
  size = 0

  /**
   * Reserves a slot and returns the token for it, or -1 when the table is full. The caller
   * stores the connection with `set` right away (the token must exist before the connection).
   */
  reserve(): number {
    let slot: number
    if (this.free.length > 0) slot = this.free.pop()!
    else {
      slot = this.slots.length
      if (slot >= MAX_CONNECTIONS) return -1
      this.slots.push(undefined)
      if (slot >= this.generations.length) {
        const grown = new Uint16Array(this.generations.length * 2)
        grown.set(this.generations)
        this.generations = grown
      }
    }
    const generation = (this.generations[slot] + 1) & GENERATION_MASK
    this.generations[slot] = generation
    return ((generation << SLOT_BITS) | slot) >>> 0
  }

  set(token: number, conn: Connection): void {
    this.slots[token & SLOT_MASK] = conn
    this.size++
  }

  /** The connection holding `token`, or undefined for a stale or unknown token. */
  lookup(token: number): Connection | undefined {
    const conn = this.slots[token & SLOT_MASK]
    return conn !== undefined && conn.token === token ? conn : undefined
  }

  /** Frees the slot of `token` (no-op when it is not held). */
  release(token: number): void {
    const slot = token & SLOT_MASK
    const conn = this.slots[slot]
    if (conn === undefined || conn.token !== token) return
    this.slots[slot] = undefined
    this.free.push(slot)
    this.size--
  }

  /** A snapshot of the live connections (for close and sweeps that may close some). */
  list(): Connection[] {
    const out: Connection[] = []
    for (const conn of this.slots) if (conn !== undefined) out.push(conn)
    return out
  }
}
