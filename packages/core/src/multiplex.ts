import { invalidArgType, outOfRange } from './errors.js'
import type { SystemError } from './errors.js'
import type { LoopSource } from './loop-source.js'
import { native } from './native.js'

const c = native.multiplexConstants as Record<string, number>

/** Readable (poll(2) POLLIN; select(2) readfds). */
export const POLLIN: number = c.POLLIN
/** Writable (POLLOUT; select(2) writefds). */
export const POLLOUT: number = c.POLLOUT
/** Exceptional condition, e.g. out-of-band data (POLLPRI; select(2) exceptfds). */
export const POLLPRI: number = c.POLLPRI
/** Reported only, by poll(2): an error is pending. */
export const POLLERR: number = c.POLLERR
/** Reported only, by poll(2): hung up. */
export const POLLHUP: number = c.POLLHUP
/** Reported only, by poll(2): the fd is not open. */
export const POLLNVAL: number = c.POLLNVAL
/** select(2) cannot watch an fd >= FD_SETSIZE (1024 on Linux). */
export const FD_SETSIZE: number = c.FD_SETSIZE

const ENTRY_BYTES: number = c.POLLFD_BYTES
const INITIAL_CAPACITY = 16
const INT16_MAX = 0x7fff
/** The most entries a table may start with: more fds than a process can have open (2^24). */
const MAX_CAPACITY = 2 ** 24

type ScanFn = (table: ArrayBuffer, count: number, timeoutMs?: number | null) => number
const pollScan: ScanFn = native.multiplexPoll
const selectScan: ScanFn = native.multiplexSelect


/**
 * An interest table in `struct pollfd` layout, kept by JavaScript and scanned by the kernel
 * with select(2) or poll(2), which take the whole interest list on every call.
 *
 * The table is one ArrayBuffer laid out as an array of `struct pollfd` (8 bytes per entry:
 * int32 fd, int16 events, int16 revents; the layout is documented in
 * native/src/readiness/multiplex.cc in this package). JavaScript keeps it up to date as fds
 * come and go; a scan hands it to the kernel as it is and reads the answers back from
 * `revents`. Nothing is allocated per fd or per call; the buffer is only replaced when it has
 * to grow. {@link MultiplexWatcher} runs the scans beside Node's loop.
 *
 * @example
 * ```ts
 * const table = new PollTable()
 * table.set(fd, POLLIN)
 * const ready = table.poll(1000) // or table.select(1000)
 * for (let i = 0; ready > 0 && i < table.count; i++) {
 *   if (table.reventsAt(i) !== 0) handle(table.fdAt(i), table.reventsAt(i))
 * }
 * ```
 */
export class PollTable {
  #buffer: ArrayBuffer
  #fds: Int32Array // fd of entry i at [2i]
  #shorts: Int16Array // events of entry i at [4i+2], revents at [4i+3]
  #count = 0
  #index = new Map<number, number>() // fd -> entry

  /**
   * An empty table with room for `capacity` entries (an integer from 0 to 2^24, default 16)
   * before it first grows.
   */
  constructor(capacity = INITIAL_CAPACITY) {
    if (!Number.isInteger(capacity)) throw invalidArgType('capacity', 'an integer', capacity)
    if (capacity < 0 || capacity > MAX_CAPACITY) {
      throw outOfRange('capacity', `>= 0 and <= ${MAX_CAPACITY}`, capacity)
    }
    this.#buffer = new ArrayBuffer(Math.max(1, capacity) * ENTRY_BYTES)
    this.#fds = new Int32Array(this.#buffer)
    this.#shorts = new Int16Array(this.#buffer)
  }

  /** The memory handed to the kernel. Replaced (never resized) when the table grows. */
  get buffer(): ArrayBuffer {
    return this.#buffer
  }

  /** Entries in use; they are entries [0, count). */
  get count(): number {
    return this.#count
  }

  /** Sets the interest of `fd` (adding an entry when it has none). Returns the entry's index. */
  set(fd: number, events: number): number {
    if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff) throw outOfRange('fd', 'an integer >= 0', fd)
    if (!Number.isInteger(events) || events < 0 || events > INT16_MAX) {
      throw outOfRange('events', `an integer in [0, ${INT16_MAX}]`, events)
    }
    let i = this.#index.get(fd)
    if (i === undefined) {
      if ((this.#count + 1) * ENTRY_BYTES > this.#buffer.byteLength) this.#grow()
      i = this.#count++
      this.#index.set(fd, i)
      this.#fds[2 * i] = fd
    }
    this.#shorts[4 * i + 2] = events
    this.#shorts[4 * i + 3] = 0
    return i
  }

  /** Removes the entry of `fd` (the last entry moves into its place). False when absent. */
  delete(fd: number): boolean {
    const i = this.#index.get(fd)
    if (i === undefined) return false
    const last = --this.#count
    this.#index.delete(fd)
    if (i !== last) {
      const moved = this.#fds[2 * last]
      this.#fds[2 * i] = moved
      this.#shorts[4 * i + 2] = this.#shorts[4 * last + 2]
      this.#shorts[4 * i + 3] = this.#shorts[4 * last + 3]
      this.#index.set(moved, i)
    }
    return true
  }

  /** True when `fd` has an entry. */
  has(fd: number): boolean {
    return this.#index.has(fd)
  }

  /** The fd of entry `i` (an index below {@link count}). */
  fdAt(i: number): number {
    return this.#fds[2 * this.#entry(i)]
  }

  /** The interest bits of entry `i` (an index below {@link count}). */
  eventsAt(i: number): number {
    return this.#shorts[4 * this.#entry(i) + 2] & 0xffff
  }

  /** What the last scan reported for entry `i` (POLL* bits; 0 = not ready). */
  reventsAt(i: number): number {
    return this.#shorts[4 * this.#entry(i) + 3] & 0xffff
  }

  /** Removes every entry (the memory is kept). */
  clear(): void {
    this.#count = 0
    this.#index.clear()
  }

  /**
   * poll(2) over the table: waits up to `timeoutMs` (undefined, null or negative: forever;
   * fractions round up to whole ms) and returns how many entries have `revents`. A closed fd
   * is reported as POLLNVAL. EINTR is retried with the time left.
   */
  poll(timeoutMs?: number | null): number {
    return pollScan(this.#buffer, this.#count, timeoutMs)
  }

  /**
   * select(2) over the table, answers written to `revents` as POLLIN/POLLOUT/POLLPRI. Timeouts
   * as {@link poll} but to the microsecond. Throws RangeError before the syscall when an fd is
   * >= {@link FD_SETSIZE}, and the SystemError EBADF when an fd is closed.
   */
  select(timeoutMs?: number | null): number {
    return selectScan(this.#buffer, this.#count, timeoutMs)
  }

  /** `i` when it names an entry in use; TypeError/RangeError otherwise. */
  #entry(i: number): number {
    if (i >>> 0 === i && i < this.#count) return i // the common case, in one test
    if (!Number.isInteger(i)) throw invalidArgType('index', 'an integer', i)
    throw outOfRange('index', `>= 0 and < ${this.#count} (the entries in use)`, i)
  }

  #grow(): void {
    const next = new ArrayBuffer(this.#buffer.byteLength * 2)
    new Uint8Array(next).set(new Uint8Array(this.#buffer))
    this.#buffer = next
    this.#fds = new Int32Array(next)
    this.#shorts = new Int16Array(next)
  }
}

/** Called once per batch: `count` entries of the table have `revents`; or with an error, after which the watcher has stopped. */
export type MultiplexReadyCallback = (count: number, error?: SystemError | (Error & { code: string })) => void

interface NativeMultiplexWatcher extends Omit<LoopSource, 'start'> {
  start(table: ArrayBuffer, count: number, onReady: MultiplexReadyCallback): void
  update(table: ArrayBuffer, count: number): void
}

function checkTable(table: unknown): void {
  if (!(table instanceof PollTable)) throw invalidArgType('table', 'a PollTable', table)
}

const NativeWatcher = native.MultiplexWatcher as new (kind: 'select' | 'poll') => NativeMultiplexWatcher

/**
 * Runs select(2) or poll(2) beside Node's loop. A helper thread blocks in the syscall on a copy
 * of the table plus a wakeup eventfd; when something is ready it signals an eventfd that
 * libuv watches, and on the loop thread the live table is scanned once with a zero timeout
 * (filling `revents`) and `onReady(count)` is called for the whole batch. The helper then
 * waits to be re-armed, so a level-triggered fd costs one report per loop turn, never a
 * spinning thread. Call {@link update} after changing the table while started.
 */
export class MultiplexWatcher implements LoopSource<[table: PollTable, onReady: MultiplexReadyCallback]> {
  readonly #native: NativeMultiplexWatcher

  /** Creates the watcher's two eventfds; the helper thread starts with the first `start`. */
  constructor(
    /** The syscall the helper thread blocks in. */
    readonly kind: 'select' | 'poll',
  ) {
    this.#native = new NativeWatcher(kind)
  }

  /** True between `start` and `stop` (or an error). */
  get active(): boolean {
    return this.#native.active
  }

  /** True once closed. */
  get closed(): boolean {
    return this.#native.closed
  }

  /** Starts (or restarts, replacing the callback) watching `table`. */
  start(table: PollTable, onReady: MultiplexReadyCallback): void {
    checkTable(table)
    this.#native.start(table.buffer, table.count, onReady)
  }

  /** Tells the helper the table changed (entries added, removed or modified). */
  update(table: PollTable): void {
    checkTable(table)
    this.#native.update(table.buffer, table.count)
  }

  /** Stops watching; the helper thread idles until the next `start`. */
  stop(): void {
    this.#native.stop()
  }

  /** Keeps the process alive while started (the default), like `net.Socket#ref`. */
  ref(): void {
    this.#native.ref()
  }

  /** Lets the process exit while started, like `net.Socket#unref`. */
  unref(): void {
    this.#native.unref()
  }

  /** Whether the watcher keeps the process alive while started. */
  hasRef(): boolean {
    return this.#native.hasRef()
  }

  /** Stops, ends the helper thread and closes the eventfds. Idempotent. */
  close(): void {
    this.#native.close()
  }
}
