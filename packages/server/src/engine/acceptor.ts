/**
 * The accept path, the same on every engine: an engine reports each accepted fd and each
 * failure; the acceptor sets TCP_NODELAY, takes a slot, has the engine start reading and calls
 * `open`, and, when accept fails, backs off.
 *
 * Accepting under fd exhaustion: when accept() fails (EMFILE, ENFILE, ENOBUFS, ...) the
 * connection stays in the kernel's queue and a level-triggered listener is reported ready again
 * at once: retrying on every event would spin at 100% CPU without ever succeeding. So the
 * engine stops accepting and the acceptor retries from a timer instead, doubling the delay from
 * 5 ms up to 1 s while it keeps failing. Pending clients wait in the backlog (rather than being
 * accepted and dropped, as a reserve-fd scheme does) and are served once fds free up. Only an
 * accepted connection restarts the schedule.
 */
import { sockets } from '@io/core'
import { closeQuietly } from './close-quietly.js'
import type { Engine } from './contract.js'
import type { Reactor } from './reactor.js'

const MIN_DELAY_MS = 5
const MAX_DELAY_MS = 1000
const { IPPROTO_TCP, TCP_NODELAY } = sockets.constants

/** The retry schedule of a failing accept: 5 ms, doubling, up to 1 s. */
export class AcceptBackoff {
  private delay = 0
  private timer: NodeJS.Timeout | null = null

  /** The delay before the retry now scheduled, in ms (0 when accepting normally). */
  get delayMs(): number {
    return this.delay
  }

  /** True while accepting is paused after a failure. */
  get paused(): boolean {
    return this.delay > 0
  }

  /** Schedules `retry` after the next delay of the schedule. */
  failed(retry: () => void): void {
    this.delay = this.delay === 0 ? MIN_DELAY_MS : Math.min(this.delay * 2, MAX_DELAY_MS)
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.timer = null
      retry()
    }, this.delay)
    this.timer.unref() // the listener keeps the process alive, not the retry
  }

  /** An accept succeeded: back to normal. */
  recovered(): void {
    this.delay = 0
  }

  cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.delay = 0
  }
}

/** One reactor's accept path (see the module comment). */
export class Acceptor {
  readonly backoff = new AcceptBackoff()
  private stopped = false

  constructor(
    private readonly reactor: Reactor,
    private readonly engine: Engine,
  ) {}

  /** True while accepting is paused after a failure (the engine does not accept meanwhile). */
  get paused(): boolean {
    return this.backoff.paused
  }

  /** The engine accepted `fd`: set it up and open the connection. */
  accepted(fd: number): void {
    if (this.stopped) {
      closeQuietly(fd) // accepted as the listener was closing
      return
    }
    this.backoff.recovered()
    const reactor = this.reactor
    if (reactor.options.noDelay) {
      try {
        sockets.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, 1)
      } catch {
        closeQuietly(fd) // the peer reset before we got here (EINVAL/ECONNRESET): nothing to serve
        return
      }
    }
    const conn = reactor.attach(fd)
    if (conn === null) return
    let attached: boolean
    try {
      attached = this.engine.attach(conn)
    } catch {
      attached = false
    }
    if (!attached) {
      // ENOMEM or max_user_watches reached: drop this connection, quietly (it never opened).
      reactor.stats.acceptErrors++
      reactor.discard(conn)
      return
    }
    reactor.opened(conn)
  }

  /**
   * accept() failed: count it and schedule a retry. Returns true when this failure paused
   * accepting (the engine then stops watching its listener), false when it already was.
   */
  failed(): boolean {
    this.reactor.stats.acceptErrors++
    const first = !this.backoff.paused
    this.backoff.failed(this.retry)
    return first
  }

  /** A retry that ran synchronously met no failure: accepting is back to normal. */
  recovered(): void {
    this.backoff.recovered()
  }

  private readonly retry = (): void => {
    if (this.stopped) return
    this.reactor.stats.acceptRetries++
    this.engine.retryAccept()
  }

  /** No more accepts: cancels a scheduled retry. */
  stop(): void {
    this.stopped = true
    this.backoff.cancel()
  }
}
