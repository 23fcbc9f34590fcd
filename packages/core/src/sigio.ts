import { READABLE } from './epoll.js'
import { invalidArgType } from './errors.js'
import type { LoopSource } from './loop-source.js'
import { native } from './native.js'

/** Signal numbers and poll bits the native side uses (SIGRTMIN, SIGRTMAX, SIGIO, POLLNVAL...). */
export const sigioConstants: Readonly<Record<string, number>> = Object.freeze({ ...native.sigioConstants })

/** Options of {@link SignalDrivenIO}'s constructor. */
export interface SignalDrivenIOOptions {
  /** How many events one wait or callback can deliver (the ready list's size). 1 to 2^20, default 1024. */
  maxEvents?: number
  /** A real-time signal to use (SIGRTMIN to SIGRTMAX); default: the first free one. */
  signal?: number
  /** Report an fd on every wait while it stays ready (re-checked with poll). Default false. */
  levelTriggered?: boolean
}

/** Counters since the instance was created. */
export interface SignalDrivenIOStats {
  /** SIGIO notifications from the kernel: the real-time signal queue was full. */
  overflows: number
  /** Times every watched fd was polled (after overflows and `rescan()` requests). */
  rescans: number
  /** Events dropped because their fd had been unwatched, closed or reused. */
  staleEvents: number
  /** Signals read from the signalfd. */
  signalsRead: number
  /** Wake-ups (through an eventfd) to deliver events that no signal announced. */
  wakeups: number
}

/** The native methods, documented here so that the class below inherits the docs. */
interface NativeSignalDrivenIO extends LoopSource {
  /** The signalfd that Node's loop (or `wait`) watches. -1 once closed. */
  readonly fd: number
  /** The real-time signal this instance claimed (0 once closed). */
  readonly signal: number
  /** Kernel thread id of the owner thread, which every watched fd's signals are sent to. */
  readonly ownerTid: number
  /** The ready list's size. */
  readonly maxEvents: number
  /** Whether ready fds are reported on every wait (true) or once per change (false). */
  readonly levelTriggered: boolean
  /** The memory behind {@link SignalDrivenIO.readyTokens} and {@link SignalDrivenIO.readyBands}. */
  readonly readyBuffer: ArrayBuffer
  /** Number of fds watched. */
  readonly watching: number
  /** Counters: overflows, rescans, stale events dropped, signals read, wake-ups. */
  readonly stats: SignalDrivenIOStats
  watch(fd: number, token: number, interest: number): void
  /**
   * Stops watching `fd` and restores its O_ASYNC and O_NONBLOCK flags, owner and signal as they
   * were before `watch`. Returns false when `fd` was closed or names another file now (then
   * nothing is touched). Throws code `ERR_SIGIO_NOT_WATCHED` for an fd never watched.
   */
  unwatch(fd: number): boolean
  /**
   * Changes token and interest of a watched fd; newly asked-for readiness is reported. EBADF
   * (and the fd no longer watched) when it was closed since `watch`.
   */
  modify(fd: number, token: number, interest: number): void
  /**
   * Blocks up to `timeoutMs` (undefined, null or negative: forever; 0: poll; fractions round up)
   * for events and fills the ready list. Returns the number of events.
   */
  wait(timeoutMs?: number | null): number
  /**
   * Has Node's loop watch the signalfd and calls `onReady(count)` once per batch. Calling it
   * again replaces the callback.
   */
  start(onReady: (count: number) => void): void
  /** Stops watching in Node's loop; signals keep queuing (a later overflow is recovered). */
  stop(): void
  /** Polls every watched fd at the next dispatch and delivers what is ready, as after an overflow. */
  rescan(): void
  resize(maxEvents: number): void
  /**
   * Unwatches every fd (restoring them), closes the signalfd, releases the real-time signal and
   * unblocks what this instance blocked. Idempotent; other calls then throw `ERR_SIGIO_CLOSED`.
   */
  close(): void
}

const NativeSignalDrivenIOClass = native.SignalDrivenIO as new (
  maxEvents?: number,
  signal?: number,
  levelTriggered?: boolean,
) => NativeSignalDrivenIO

/**
 * Readiness delivered by the kernel as real-time signals (fcntl F_SETSIG), read in batches
 * through a signalfd, with recovery when the signal queue overflows. Blocking waits
 * ({@link SignalDrivenIO.wait}) or Node's loop ({@link SignalDrivenIO.start}, see
 * {@link LoopSource}).
 *
 * ## How it works
 * `watch(fd, token)` sets O_NONBLOCK and O_ASYNC on the fd, directs its signals at the thread
 * that created this instance (`F_SETOWN_EX`, `F_OWNER_TID`) and picks the signal with
 * `F_SETSIG`: a real-time signal chosen at run time, above glibc's reserved ones and not
 * already in use (see {@link SignalDrivenIO.signal}). That signal and SIGIO are blocked in the
 * owner thread and read through a signalfd, so no signal handler ever runs: events arrive in
 * batches as (token, band) pairs, like the epoll ready list.
 *
 * ## Edge-triggered by default
 * A signal reports a *change*: data arriving, buffer space freed, a hang-up. Like
 * `EDGE_TRIGGERED` epoll, a handler must drain the fd until `read` returns `WOULD_BLOCK`, or
 * the rest waits until the peer sends more. `watch()` and `modify()` report once what is
 * already ready, since no signal will announce it. With `{ levelTriggered: true }` an fd is
 * reported on every wait while it stays ready (each candidate is re-checked with poll(2)), as
 * with level-triggered epoll; SigioSelector uses that mode. Events are hints: a read that would
 * block is normal.
 *
 * ## Queue overflow and stale events
 * Real-time signals queue up to RLIMIT_SIGPENDING per user. Past it the kernel sends a plain
 * SIGIO instead and the real-time events are lost; on that SIGIO every watched fd is polled in
 * one poll(2) call and what is ready is delivered (`stats.overflows`, `stats.rescans`). A
 * signal names an fd by number; events for an fd that was unwatched, closed or reused are
 * dropped (`stats.staleEvents`), never reported under the new registration's token. Unwatch an
 * fd before closing it: that restores its flags, owner and signal.
 *
 * ## Band bits
 * The bands are poll(2) bits, whose values equal the epoll constants: {@link READABLE}
 * (POLLIN), {@link WRITABLE} (POLLOUT), {@link PRIORITY} (POLLPRI), {@link READ_HANGUP}
 * (POLLRDHUP), and always {@link ERROR} (POLLERR) and {@link HANGUP} (POLLHUP). The kernel
 * reports a peer's hang-up of a socket as POLLHUP | POLLERR.
 *
 * ## Process-wide effects
 * SIGIO's default action terminates the process; when it is SIG_DFL it is set to SIG_IGN, so
 * a stray SIGIO reaching any thread is dropped (a blocked, ignored signal is still queued for
 * the owner's signalfd). The real-time signal carries a no-op handler while claimed and is left
 * at SIG_IGN when closed. Ignored dispositions are inherited by programs started afterwards
 * with exec (libuv resets signals 1 to 31 in its children, which covers SIGIO).
 *
 * @example
 * ```ts
 * const sio = new SignalDrivenIO()
 * sio.watch(fd, 7)                       // READABLE by default
 * sio.start((count) => {
 *   for (let i = 0; i < count; i++) handle(sio.readyTokens[i], sio.readyBands[i])
 * })
 * // later
 * sio.unwatch(fd); sio.close()
 * ```
 */
export class SignalDrivenIO extends NativeSignalDrivenIOClass implements LoopSource {
  #tokens!: Uint32Array
  #bands!: Uint32Array

  /**
   * Claims a real-time signal, blocks it and SIGIO in the calling thread (the owner) and opens
   * the signalfd.
   * @throws TypeError/RangeError for bad options; an Error with code `ERR_SIGIO_NO_SIGNAL` when
   * no real-time signal is free (or the one asked for is in use); a SystemError from the kernel.
   */
  constructor(options: SignalDrivenIOOptions = {}) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'an object', options)
    super(options.maxEvents, options.signal, options.levelTriggered)
    this.#takeViews()
  }

  /** Token of each ready event, entries [0, count) valid after a wait or in `onReady`. */
  get readyTokens(): Uint32Array {
    return this.#tokens
  }

  /** Poll bits of each ready event, parallel to {@link readyTokens}. */
  get readyBands(): Uint32Array {
    return this.#bands
  }

  /**
   * Gives the ready list room for `maxEvents` events (1 to 2^20). The views are replaced: read
   * `readyTokens`/`readyBands` again afterwards. Safe inside `onReady`.
   */
  override resize(maxEvents: number): void {
    super.resize(maxEvents)
    this.#takeViews()
  }

  #takeViews(): void {
    const buffer = this.readyBuffer
    this.#tokens = new Uint32Array(buffer, 0, this.maxEvents)
    this.#bands = new Uint32Array(buffer, this.maxEvents * 4, this.maxEvents)
  }

  /**
   * Watches `fd` (a socket, pipe, FIFO or tty); its events carry `token` (0 to 2^32-1).
   * `interest` combines READABLE (the default), WRITABLE, PRIORITY and READ_HANGUP.
   * Reports at the next wait what is already ready.
   * @throws code `ERR_SIGIO_ALREADY_WATCHED` if watched twice; EPERM for a regular file,
   * directory, eventfd or other fd that never signals; EBADF for a closed fd.
   */
  override watch(fd: number, token: number, interest: number = READABLE): void {
    super.watch(fd, token, interest)
  }

  /** Closes the instance (see {@link close}). */
  [Symbol.dispose](): void {
    this.close()
  }
}
