/**
 * Idle timeouts without a timer per connection. One interval per reactor advances a tick
 * every `idleTimeoutMs / 8`; reads and writes stamp the connection with the current tick (a
 * small integer store, nothing allocated). A sweep times out every connection whose stamp is
 * more than 8 ticks old, so a connection times out after between 1 and 1.125 times
 * `idleTimeoutMs` of silence. The sweep walks the table once per tick: with 100000
 * connections and the default 120 s timeout, that is 100000 reads every 15 s.
 */
import type { Reactor } from './reactor.js'

/** Ticks of silence after which a connection times out, unless it has a budget of its own. */
export const IDLE_TICKS = 8

/** Where sweeps are scheduled: Node's timers, unless a test steps them by hand. */
export interface SweepClock {
  /** Calls `sweep` every `ms`, without keeping the process alive; returns the stop function. */
  every(ms: number, sweep: () => void): () => void
}

const nodeTimers: SweepClock = {
  every(ms, sweep) {
    const timer = setInterval(sweep, ms)
    timer.unref() // the listener and connections keep the process alive, not this
    return () => clearInterval(timer)
  },
}

export class IdleSweeper {
  /** @internal Tests replace it to run sweeps themselves. */
  static clock: SweepClock = nodeTimers
  private readonly stopTimer: () => void

  constructor(
    private readonly reactor: Reactor,
    idleTimeoutMs: number,
  ) {
    this.stopTimer = IdleSweeper.clock.every(IdleSweeper.tickMs(idleTimeoutMs), () => this.sweep())
  }

  /** How long one tick lasts for a reactor with this idle timeout. */
  static tickMs(idleTimeoutMs: number): number {
    return Math.max(1, Math.floor(idleTimeoutMs / IDLE_TICKS))
  }

  private sweep(): void {
    const reactor = this.reactor
    const tick = (reactor.tick = (reactor.tick + 1) | 0)
    const slots = reactor.table.slots
    for (let i = 0; i < slots.length; i++) {
      const conn = slots[i]
      if (conn !== undefined && ((tick - conn.lastTick) | 0) > conn.idleTicks) reactor.timedOut(conn)
    }
  }

  stop(): void {
    this.stopTimer()
  }
}
