/**
 * Idle timeouts without a timer per connection. One interval per reactor advances a tick
 * every `idleTimeoutMs / 8`; reads and writes stamp the connection with the current tick (a
 * small integer store, nothing allocated). A sweep times out every connection whose stamp is
 * more than 8 ticks old, so a connection times out after between 1 and 1.125 times
 * `idleTimeoutMs` of silence. The sweep walks the table once per tick: with 100000
 * connections and the default 120 s timeout, that is 100000 reads every 15 s.
 */
import type { Reactor } from './reactor.js'

const TICKS = 8

export class IdleSweeper {
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly reactor: Reactor,
    idleTimeoutMs: number,
  ) {
    this.timer = setInterval(() => this.sweep(), Math.max(1, Math.floor(idleTimeoutMs / TICKS)))
    this.timer.unref() // the listener and connections keep the process alive, not this
  }

  private sweep(): void {
    const reactor = this.reactor
    const tick = (reactor.tick = (reactor.tick + 1) | 0)
    const slots = reactor.table.slots
    for (let i = 0; i < slots.length; i++) {
      const conn = slots[i]
      if (conn !== undefined && ((tick - conn.lastTick) | 0) > TICKS) reactor.timedOut(conn)
    }
  }

  stop(): void {
    clearInterval(this.timer)
  }
}
