import { constants as osConstants } from 'node:os'
import { performance } from 'node:perf_hooks'
import { codeError, IORING_CQE_F_MORE, invalidArgType, outOfRange, Uring, type UringSupport } from '@io/core'
import { ALL_EVENTS } from './events.js'
import { LevelRecheck } from './level-recheck.js'
import { MapSelector } from './map-selector.js'
import { pollInterest, pollReadyEvents } from './poll-bits.js'
import type { SelectorEvent, SelectorKey } from './selector-key.js'
import { normalizeTimeout } from './timeout.js'
import { TokenTable } from './token-table.js'

const ECANCELED = osConstants.errno.ECANCELED
const DEFAULT_ENTRIES = 4096
// The token of the timer that gives a wait something to wait for when no poll is in flight
// (TokenTable never issues 0, so its completion maps to no registration and is dropped).
const IDLE_TIMER_TOKEN = 0
// The longest timer Uring takes (about 24.8 days, as setTimeout); blocking waits re-arm it.
const IDLE_TIMER_MAX_MS = 2 ** 31 - 1

/** Thrown by the constructor where io_uring cannot be used; the message says why. */
export const ERR_IO_URING_UNAVAILABLE = 'ERR_IO_URING_UNAVAILABLE'

function checkSize(name: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number') throw invalidArgType(`options.${name}`, 'a number', value)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw outOfRange(`options.${name}`, `an integer from ${min} to ${max}`, value)
  }
}

/** Options of {@link IoUringSelector}. */
export interface IoUringSelectorOptions {
  /**
   * Submission queue size, 1 to 32768 (the completion queue is twice as large, at least 4096).
   * More registrations than this between two waits cost one extra io_uring_enter per SQ-full.
   * Default 4096.
   */
  entries?: number
  /**
   * Completion queue size, `entries` to 65536. Default max(4096, 2 * entries). Wakeups beyond
   * it are not lost: the kernel ends the multishot requests it cannot post for (their last
   * completion lacks IORING_CQE_F_MORE) and the selector re-arms them.
   */
  cqEntries?: number
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
 * the request (it could not post to a full CQ ring, or the kernel predates multishot poll):
 * the selector re-arms it under a new token. Removing or changing a registration removes its
 * request (`pollRemove`); completions still in flight carry the old token and are dropped
 * (DESIGN.md decision 3), also when the fd was closed and its number reused.
 *
 * Requests reach the kernel in batches: at the next `select` (one io_uring_enter submits and
 * waits), or, while started, at the end of the current JavaScript task. A poll request holds
 * its own reference to the file: an fd closed while registered stays open in the kernel (its
 * peer sees no end of file) until it is unregistered and that reaches the kernel.
 *
 * Multishot poll reports wakeups, i.e. changes. To keep the level-triggered contract of the
 * other selectors, the fds reported by one select are re-checked with one poll(2) call before
 * the next wait (see level-recheck.ts); `{ edgeTriggered: true }` skips that. Registering an
 * fd that is not open fails in the kernel (-EBADF): it is reported once as ready for its
 * events, as poll(2) reports POLLNVAL, and not re-armed; unregister still succeeds for it.
 *
 * `select()` cannot be called from inside the `start` callback (the ring refuses a wait while
 * it is delivering completions: ERR_URING_REENTRANT_WAIT).
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
  /**
   * Whether this kernel and process can run io_uring, and if not, why in words (`reason`) and
   * as an errno name (`code`): `Uring.isSupported()`, probed once per thread.
   */
  static isSupported(): UringSupport {
    return Uring.isSupported()
  }

  /** True when created with `{ edgeTriggered: true }`. */
  readonly edgeTriggered: boolean
  readonly #ring: Uring
  readonly #tokens = new TokenTable()
  readonly #level = new LevelRecheck<T>()
  #started = false
  #refed = true
  #recheckTimer: NodeJS.Immediate | undefined
  // Registrations whose request the kernel ended, to re-arm once the completions are read.
  readonly #ended: SelectorKey<T>[] = []
  readonly #onComplete = (count: number): void => {
    const ready = new Map<number, number>()
    this.#consume(count, ready)
    this.#rearmEnded() // submitted by the ring when this callback returns
    this.deliver(this.#report(ready))
  }

  /**
   * @throws TypeError/RangeError for bad options; an Error with code ERR_IO_URING_UNAVAILABLE
   *   and the reason where io_uring cannot be used here (see {@link IoUringSelector.isSupported}).
   */
  constructor(options: IoUringSelectorOptions = {}) {
    super()
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
    const { entries = DEFAULT_ENTRIES, edgeTriggered = false } = options
    if (typeof edgeTriggered !== 'boolean') throw invalidArgType('options.edgeTriggered', 'a boolean', edgeTriggered)
    checkSize('entries', entries, 1, 32768)
    const { cqEntries = Math.max(4096, 2 * entries) } = options
    checkSize('cqEntries', cqEntries, entries, 65536)
    const probe = IoUringSelector.isSupported()
    if (!probe.supported) throw codeError(ERR_IO_URING_UNAVAILABLE, `io_uring unavailable: ${probe.reason ?? 'unknown'}`)
    this.edgeTriggered = edgeTriggered
    this.#ring = new Uring({ entries, cqEntries })
  }

  get active(): boolean {
    return this.#started
  }

  select(timeoutMs?: number | null): SelectorEvent<T>[] {
    this.checkOpen()
    const timeout = normalizeTimeout(timeoutMs)
    const deadline = timeout > 0 ? performance.now() + timeout : 0
    const ring = this.#ring
    const ready = new Map<number, number>()
    if (!this.edgeTriggered) this.#level.collect(ready, (fd) => this.keyOf(fd))
    for (;;) {
      let wait = timeout
      if (ready.size > 0) wait = 0
      else if (timeout > 0) wait = Math.max(0, deadline - performance.now())
      // With nothing in flight the ring returns at once rather than wait for nothing; a timer
      // makes it sleep as the other selectors' syscalls do (no registrations, or only failed ones).
      if (wait !== 0 && ring.inFlight === 0) ring.timeout(wait < 0 ? IDLE_TIMER_MAX_MS : wait, IDLE_TIMER_TOKEN)
      // wait() submits what is queued (new, changed and re-armed requests) in the same enter.
      let count = ring.wait(wait === 0 ? 0 : 1, wait < 0 ? undefined : wait)
      this.#consume(count, ready)
      // A full batch may leave more completions behind: reap them now, so one select returns
      // everything that is ready, as the other selectors do.
      while (count === ring.capacity) this.#consume((count = ring.wait(0, 0)), ready)
      // Re-arm only now: a re-armed request on a ready fd completes at once, and re-arming
      // inside the loop above could chase its own tail while more fds are ready than the CQ
      // holds. These reach the kernel with the next wait (or, while started, at the end of
      // the task).
      this.#rearmEnded()
      // Completions that name no live registration (late, removed) do not end the wait early.
      if (ready.size > 0 || wait === 0) break
    }
    return this.#report(ready)
  }

  ref(): void {
    this.#refed = true
    if (!this.closed) this.#ring.ref()
    this.#recheckTimer?.ref()
  }

  unref(): void {
    this.#refed = false
    if (!this.closed) this.#ring.unref()
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
    // Operations queued while started are submitted by the ring at the end of the task.
    this.#ring.start(this.#onComplete)
    this.#started = true
    if (!this.#refed) this.#ring.unref()
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
    this.#ring.close() // removes every poll in flight and reaps it before freeing anything
  }

  #arm(key: SelectorKey<T>): void {
    this.#ring.pollAdd(key.fd, pollInterest(key.events), this.#tokens.issue(key.fd), true)
  }

  #disarm(fd: number): void {
    const token = this.#tokens.release(fd)
    // No token: the request already ended for good (-EBADF) and nothing is in flight.
    if (token !== undefined) this.#ring.pollRemove(token)
  }

  // Folds `count` completions into `ready` (fd -> events); ended requests go to #ended.
  #consume(count: number, ready: Map<number, number>): void {
    const tokens = this.#ring.completionTokens
    const results = this.#ring.completionResults
    const flags = this.#ring.completionFlags
    for (let i = 0; i < count; i++) {
      const fd = this.#tokens.fdOf(tokens[i])
      const key = fd === undefined ? undefined : this.keyOf(fd)
      if (key === undefined) continue // a removed request's last word, or the idle timer
      const result = results[i]
      if (result < 0) {
        // Cancelled by someone else (ours carry released tokens and never get here): re-arm.
        if (result === -ECANCELED) {
          this.#ended.push(key)
          continue
        }
        // The request failed for good (the fd is not open): report it once, do not re-arm.
        this.#tokens.release(key.fd)
        ready.set(key.fd, (ready.get(key.fd) ?? 0) | ALL_EVENTS)
        continue
      }
      const events = pollReadyEvents(result)
      if (events !== 0) ready.set(key.fd, (ready.get(key.fd) ?? 0) | events)
      if ((flags[i] & IORING_CQE_F_MORE) === 0) this.#ended.push(key)
    }
  }

  #rearmEnded(): void {
    for (const key of this.#ended) if (this.keyOf(key.fd) === key) this.#arm(key)
    this.#ended.length = 0
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

  // Level-triggered inside the loop: what was delivered and is still ready is delivered again
  // on the next loop turn, as epoll's level mode does.
  #scheduleRecheck(): void {
    if (this.#recheckTimer !== undefined) return
    this.#recheckTimer = setImmediate(() => {
      this.#recheckTimer = undefined
      if (!this.#started) return
      const ready = new Map<number, number>()
      this.#level.collect(ready, (fd) => this.keyOf(fd))
      this.deliver(this.#report(ready))
    })
    if (!this.#refed) this.#recheckTimer.unref()
  }
}
