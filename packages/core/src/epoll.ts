import { invalidArgType } from './errors.js'
import type { LoopSource } from './loop-source.js'
import { native } from './native.js'

const c = native.epollConstants as Record<string, number>

/** Readable: data (or a connection to accept, or end of file) is there. EPOLLIN. */
export const READABLE: number = c.EPOLLIN
/** Writable: a write would not block. EPOLLOUT. */
export const WRITABLE: number = c.EPOLLOUT
/** The peer shut down its writing side (half-close). EPOLLRDHUP. */
export const READ_HANGUP: number = c.EPOLLRDHUP
/** Urgent (out-of-band) data. EPOLLPRI. */
export const PRIORITY: number = c.EPOLLPRI
/** Reported only: an error is pending on the fd. EPOLLERR (always watched). */
export const ERROR: number = c.EPOLLERR
/** Reported only: both directions hung up. EPOLLHUP (always watched). */
export const HANGUP: number = c.EPOLLHUP
/** Modifier: report changes, not levels. EPOLLET. Bit 31, so the value is 2^31 (unsigned). */
export const EDGE_TRIGGERED: number = c.EPOLLET
/** Modifier: disarm after one event; re-arm with `modify`. EPOLLONESHOT. */
export const ONESHOT: number = c.EPOLLONESHOT
/** Modifier, `add` only: wake one of several epolls sharing the fd. EPOLLEXCLUSIVE. */
export const EXCLUSIVE: number = c.EPOLLEXCLUSIVE

/** Options of {@link Epoll}'s constructor. */
export interface EpollOptions {
  /** How many events one wait can return (the ready list's size). 1 to 2^20, default 1024. */
  maxEvents?: number
}

/** What the native class provides beyond the methods declared on `Epoll` below. */
interface NativeEpoll extends LoopSource {
  /** The epoll fd (-1 once closed). */
  readonly fd: number
  /** Capacity of the ready list. */
  readonly maxEvents: number
  /** The ready list's memory: `[tokens: Uint32 x maxEvents][events: Uint32 x maxEvents]`. */
  readonly readyBuffer: ArrayBuffer
}

const NativeEpollClass = native.Epoll as new (maxEvents?: number) => NativeEpoll

/**
 * Level- or edge-triggered epoll with a shared-memory ready list, usable with blocking waits
 * ({@link Epoll.wait}) or inside Node's loop ({@link Epoll.start}, see {@link LoopSource}).
 *
 * ## Level vs edge triggering
 * Level-triggered (the default) reports an fd on every wait while the condition holds: unread
 * data is reported again and again until it is read. A handler may read a little and come back
 * later. Edge-triggered ({@link EDGE_TRIGGERED}) reports a *change*: once when data arrives,
 * then not again until new data arrives. A handler must drain the fd until `read` returns
 * {@link WOULD_BLOCK}, or the rest waits silently until the peer sends more (readiness lost).
 * Both can report an fd that turns out not to be ready (spurious events): treat an event as a
 * hint, and a read that would block as normal.
 *
 * ## The ready list
 * A wait returns a count; event `i` (for `i < count`) is `readyTokens[i]` (the caller's token)
 * and `readyEvents[i]` (the `EPOLL*` bits). Both are typed-array views over one ArrayBuffer
 * that native code fills: `[tokens: Uint32 x maxEvents][events: Uint32 x maxEvents]`. No object
 * is allocated per event, and entries are overwritten by the next wait.
 *
 * @example
 * ```ts
 * const ep = new Epoll()
 * ep.add(fd, READABLE, 7)
 * const n = ep.wait(1000)
 * for (let i = 0; i < n; i++) handle(ep.readyTokens[i], ep.readyEvents[i])
 * ep.close()
 * ```
 */
export class Epoll extends NativeEpollClass implements LoopSource {
  /** Token of each ready event, entries [0, count) valid after a wait. */
  readonly readyTokens: Uint32Array
  /** `EPOLL*` bits of each ready event, parallel to {@link readyTokens}. */
  readonly readyEvents: Uint32Array

  /**
   * Creates an epoll instance (epoll_create1 with EPOLL_CLOEXEC).
   * @throws TypeError/RangeError for bad options; a SystemError (EMFILE...) from the kernel.
   */
  constructor(options: EpollOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
    super(options.maxEvents)
    const buffer = this.readyBuffer
    this.readyTokens = new Uint32Array(buffer, 0, this.maxEvents)
    this.readyEvents = new Uint32Array(buffer, this.maxEvents * 4, this.maxEvents)
  }

  /** Closes the epoll fd (and stops watching it). Idempotent. Registered fds stay open. */
  [Symbol.dispose](): void {
    this.close()
  }
}

// The JSDoc of the native methods, for editors (declaration merging with the class above).
export interface Epoll {
  /** Registers `fd` with `interest` bits; events for it carry `token` (0 to 2^32-1). EEXIST if added twice. */
  add(fd: number, interest: number, token: number): void
  /** Changes interest and token of a registered fd (re-arms a ONESHOT fd). ENOENT if never added. */
  modify(fd: number, interest: number, token: number): void
  /** Unregisters `fd` (EPOLL_CTL_DEL, applied at once). ENOENT if not registered. */
  delete(fd: number): void
  /**
   * Blocks up to `timeoutMs` (undefined, null or negative: forever; 0: poll; fractions round up)
   * and fills the ready list. Returns the number of events. EINTR is retried with the time left.
   */
  wait(timeoutMs?: number | null): number
  /**
   * Has Node's loop watch the epoll fd; when it is readable, native code drains up to
   * `maxEvents` with a zero-timeout wait and calls `onReady(count)` once for the batch.
   * Calling it again replaces the callback.
   */
  start(onReady: (count: number) => void): void
  /** Closes the epoll fd. Idempotent; any other call afterwards throws ERR_EPOLL_CLOSED. */
  close(): void
}
