import { constants as osConstants } from 'node:os'
import { performance } from 'node:perf_hooks'
import { codeError } from '@io/core'
import { invalidArgType, outOfRange } from './errors.js'
import { ALL_EVENTS } from './events.js'
import { LevelRecheck } from './level-recheck.js'
import { MapSelector } from './map-selector.js'
import { pollInterest, pollReadyEvents } from './poll-bits.js'
import type { SelectorEvent, SelectorKey } from './selector-key.js'
import { normalizeTimeout } from './timeout.js'
import { TokenTable } from './token-table.js'
import { loadUring, type UringBinding, type UringInstance } from './uring-binding.js'

const ECANCELED = osConstants.errno.ECANCELED
const DEFAULT_ENTRIES = 4096

/** Thrown by the constructor where io_uring cannot be used; `reason` says why. */
export const ERR_IO_URING_UNAVAILABLE = 'ERR_IO_URING_UNAVAILABLE'

/** Options of {@link IoUringSelector}. */
export interface IoUringSelectorOptions {
  /** Submission queue size (the completion queue is larger). Default 4096. */
  entries?: number
  /** Report wakeups only, without the level re-check. Default false. */
  edgeTriggered?: boolean
}

/**
 * IoUringSelector: readiness through io_uring multishot poll requests (IORING_OP_POLL_ADD with
 * IORING_POLL_ADD_MULTI), over @io/core's `Uring`.
 *
 * Each registration is one multishot poll request carrying a fresh token; the kernel posts a
 * completion (the poll mask, or -errno) on every wakeup of the fd and keeps the request armed
 * while the completion has IORING_CQE_F_MORE. A completion without it means the kernel ended
 * the request (CQ overflow, for instance): the selector re-arms it under a new token. Removing
 * or changing a registration cancels its request; completions still in flight carry the old
 * token and are dropped (DESIGN.md decision 3).
 *
 * Multishot poll reports wakeups, i.e. changes. To keep the level-triggered contract of the
 * other selectors, the fds reported by one select are re-checked with one poll(2) call before
 * the next wait (see level-recheck.ts); `{ edgeTriggered: true }` skips that. A registration
 * whose request fails (a closed fd: -EBADF) is reported once as ready for its events and not
 * re-armed; unregister still succeeds for it.
 *
 * @example
 * ```ts
 * if (IoUringSelector.isSupported().supported) {
 *   const sel = new IoUringSelector()
 *   sel.register(fd, EVENT_READ)
 *   sel.select(1000)
 * }
 * ```
 */
export class IoUringSelector<T = unknown> extends MapSelector<T> {
  /** Whether this build and kernel can run io_uring, and if not, why. */
  static isSupported(): { supported: boolean; reason?: string } {
    const binding = loadUring()
    if ('reason' in binding) return { supported: false, reason: binding.reason }
    return binding.Uring.isSupported()
  }

  /** True when created with `{ edgeTriggered: true }`. */
  readonly edgeTriggered: boolean
  readonly #entries: number
  readonly #ring: UringInstance
  readonly #moreFlag: number
  readonly #tokens = new TokenTable()
  readonly #level = new LevelRecheck<T>()
  #queued = 0 // SQEs prepared since the last submit
  #flushQueued = false
  #started = false
  #refed = true
  #recheckTimer: NodeJS.Immediate | undefined
  readonly #onComplete = (count: number): void => {
    const ready = new Map<number, number>()
    this.#consume(count, ready)
    this.#flush()
    this.#deliverReady(ready)
  }

  constructor(options: IoUringSelectorOptions = {}) {
    super()
    if (options === null || typeof options !== 'object') throw invalidArgType('"options" must be an object')
    const { entries = DEFAULT_ENTRIES, edgeTriggered = false } = options
    if (typeof edgeTriggered !== 'boolean') throw invalidArgType('"options.edgeTriggered" must be a boolean')
    if (typeof entries !== 'number') throw invalidArgType('"options.entries" must be a number')
    if (!Number.isInteger(entries) || entries < 1 || entries > 32768) {
      throw outOfRange(`"options.entries" must be an integer in [1, 32768], got ${entries}`)
    }
    const binding = loadUring()
    if ('reason' in binding) throw codeError(ERR_IO_URING_UNAVAILABLE, `io_uring unavailable: ${binding.reason}`)
    const probe = binding.Uring.isSupported()
    if (!probe.supported) throw codeError(ERR_IO_URING_UNAVAILABLE, `io_uring unavailable: ${probe.reason ?? 'unknown'}`)
    this.edgeTriggered = edgeTriggered
    this.#entries = entries
    this.#ring = new (binding as UringBinding).Uring({ entries })
    this.#moreFlag = binding.cqeFMore
  }

  get active(): boolean {
    return this.#started
  }

  select(timeoutMs?: number | null): SelectorEvent<T>[] {
    this.checkOpen()
    const timeout = normalizeTimeout(timeoutMs)
    const deadline = timeout > 0 ? performance.now() + timeout : 0
    this.#flush()
    const ready = new Map<number, number>()
    if (!this.edgeTriggered) this.#level.collect(ready, (fd) => this.keyOf(fd))
    for (;;) {
      let wait = timeout
      if (ready.size > 0) wait = 0
      else if (timeout > 0) wait = Math.max(0, deadline - performance.now())
      let count = this.#ring.wait(wait === 0 ? 0 : 1, wait < 0 ? undefined : wait)
      this.#consume(count, ready)
      // A full batch may leave more completions behind: reap them now, so one select returns
      // everything that is ready, as the other selectors do.
      while (count === this.#ring.completionTokens.length) this.#consume((count = this.#ring.wait(0, 0)), ready)
      this.#flush() // re-arms from #consume
      // Completions that name no live registration (late, cancelled) do not end the wait early.
      if (ready.size > 0 || wait === 0) break
    }
    return this.#report(ready)
  }

  ref(): void {
    this.#refed = true
    this.#ring.ref?.()
    this.#recheckTimer?.ref()
  }

  unref(): void {
    this.#refed = false
    this.#ring.unref?.()
    this.#recheckTimer?.unref()
  }

  protected addInterest(key: SelectorKey<T>): void {
    this.#arm(key)
  }

  protected changeInterest(old: SelectorKey<T>, key: SelectorKey<T>): void {
    this.#disarm(old.fd)
    this.#arm(key)
  }

  protected removeInterest(key: SelectorKey<T>): void {
    this.#disarm(key.fd)
  }

  protected startWaiting(): void {
    this.#flush()
    this.#ring.start(this.#onComplete)
    this.#started = true
    if (!this.#refed) this.#ring.unref?.()
    if (this.#level.pending) this.#scheduleRecheck()
  }

  protected stopWaiting(): void {
    this.#started = false
    this.#ring.stop()
    if (this.#recheckTimer !== undefined) clearImmediate(this.#recheckTimer)
    this.#recheckTimer = undefined
  }

  protected closeBackend(): void {
    this.#tokens.clear()
    this.#level.clear()
    this.#ring.close()
  }

  #arm(key: SelectorKey<T>): void {
    this.#ring.pollAdd(key.fd, pollInterest(key.events), this.#tokens.issue(key.fd), true)
    this.#prepared()
  }

  #disarm(fd: number): void {
    const token = this.#tokens.release(fd)
    if (token === undefined) return // already failed and dropped
    this.#ring.pollRemove(token)
    this.#prepared()
  }

  // Counts a prepared SQE; submits when the SQ is full, or (while started) at the next
  // microtask checkpoint, so a burst of registrations costs one io_uring_enter.
  #prepared(): void {
    if (++this.#queued >= this.#entries) this.#flush()
    else if (this.#started && !this.#flushQueued) {
      this.#flushQueued = true
      queueMicrotask(() => {
        this.#flushQueued = false
        if (!this.closed) this.#flush()
      })
    }
  }

  #flush(): void {
    if (this.#queued === 0) return
    this.#queued = 0
    this.#ring.submit()
  }

  // Folds `count` completions into `ready` (fd -> events), re-arming ended requests.
  #consume(count: number, ready: Map<number, number>): void {
    const tokens = this.#ring.completionTokens
    const results = this.#ring.completionResults
    const flags = this.#ring.completionFlags
    for (let i = 0; i < count; i++) {
      const fd = this.#tokens.fdOf(tokens[i])
      const key = fd === undefined ? undefined : this.keyOf(fd)
      if (key === undefined) continue // late completion of a cancelled or replaced request
      const result = results[i]
      if (result < 0) {
        if (result === -ECANCELED) continue
        // The request failed for good (a closed fd): report it once, do not re-arm.
        this.#tokens.release(key.fd)
        ready.set(key.fd, (ready.get(key.fd) ?? 0) | ALL_EVENTS)
        continue
      }
      const events = pollReadyEvents(result)
      if (events !== 0) ready.set(key.fd, (ready.get(key.fd) ?? 0) | events)
      if ((flags[i] & this.#moreFlag) === 0) this.#arm(key)
    }
  }

  #report(ready: Map<number, number>): SelectorEvent<T>[] {
    const out: SelectorEvent<T>[] = []
    const keys: SelectorKey<T>[] = []
    for (const [fd, events] of ready) {
      const key = this.keyOf(fd)
      if (key === undefined) continue
      const masked = events & key.events
      if (masked === 0) continue
      out.push([key, masked])
      keys.push(key)
    }
    if (!this.edgeTriggered) {
      this.#level.remember(keys)
      if (this.#started && keys.length > 0) this.#scheduleRecheck()
    }
    return out
  }

  #deliverReady(ready: Map<number, number>): void {
    this.deliver(this.#report(ready))
  }

  // Level-triggered inside the loop: what was delivered and is still ready is delivered again
  // on the next loop turn, as epoll's level mode does.
  #scheduleRecheck(): void {
    if (this.#recheckTimer !== undefined) return
    this.#recheckTimer = setImmediate(() => {
      this.#recheckTimer = undefined
      if (!this.#started) return
      const ready = new Map<number, number>()
      this.#level.collect(ready, (fd) => this.keyOf(fd))
      this.#deliverReady(ready)
    })
    if (!this.#refed) this.#recheckTimer.unref()
  }
}
