import type { FileObject } from './file-object.js'
import type { SelectorEvent, SelectorKey } from './selector-key.js'

/** Called by `start` with each non-empty batch of ready events. */
export type ReadyCallback<T = unknown> = (events: SelectorEvent<T>[]) => void
/** Called by `start` when waiting failed; the selector has stopped. */
export type ErrorCallback = (error: Error) => void

/**
 * BaseSelector: the contract every selector keeps, written once (Python's `BaseSelector`).
 *
 * - `register(fileobj, events, data)` watches a file object for `events` (EVENT_READ,
 *   EVENT_WRITE or both) and returns its {@link SelectorKey}. An fd can be registered once:
 *   again, even through another object with the same fd, throws `ERR_ALREADY_REGISTERED`.
 * - `unregister(fileobj)` returns the key it removed. It succeeds after the fd was closed, and
 *   after its number was reused by another file: close-then-unregister is a normal order.
 * - `modify(fileobj, events, data)` returns the new key. A modify the kernel refuses leaves the
 *   fd unregistered (and throws), so no half-changed registration survives.
 * - `select(timeoutMs)` returns `[key, readyEvents]` pairs, `readyEvents` masked to
 *   `key.events`. An error or hang-up on an fd is reported as ready for whatever it was
 *   registered for, so the next read or write surfaces it. Timeouts: see `timeout.ts`.
 * - `start(onReady)` runs the selector inside Node's loop without blocking it: `onReady` gets
 *   each non-empty batch, as `select` would return it. `stop()` ends that.
 * - `close()` releases the kernel object; any later use throws `ERR_SELECTOR_CLOSED`.
 *
 * Level-triggered selectors (all but `EpollSelector({ edgeTriggered: true })`) report an fd on
 * every select while it stays ready; edge-triggered ones report a change once, and the caller
 * must drain the fd (read until it would block) before waiting again. Any selector may report
 * an fd that turns out not to be ready (a spurious event): treat reports as hints.
 */
export abstract class BaseSelector<T = unknown> implements Disposable {
  /** Watches `fileobj` for `events`; returns the new key. */
  abstract register(fileobj: FileObject, events: number, data?: T): SelectorKey<T>
  /** Stops watching `fileobj`; returns the key it had. */
  abstract unregister(fileobj: FileObject): SelectorKey<T>
  /** Changes the events and data of a registration; returns the new key. */
  abstract modify(fileobj: FileObject, events: number, data?: T): SelectorKey<T>
  /** Waits for readiness (see the class comment for timeouts); returns what is ready. */
  abstract select(timeoutMs?: number | null): SelectorEvent<T>[]
  /**
   * Waits inside Node's loop, calling `onReady` once per batch. When waiting fails, the
   * selector stops and `onError` gets the error (without `onError`, it is thrown from the
   * loop, reaching `process.on('uncaughtException')`). Calling it again replaces the callbacks.
   */
  abstract start(onReady: ReadyCallback<T>, onError?: ErrorCallback): void
  /** Stops what `start` began. `select` keeps working. No-op when not started. */
  abstract stop(): void
  /** Keeps the process alive while started (the default), like `net.Socket#ref`. */
  abstract ref(): void
  /** Lets the process exit while started, like `net.Socket#unref`. */
  abstract unref(): void
  /** The key of `fileobj`; throws `ERR_NOT_REGISTERED` when it has none. */
  abstract getKey(fileobj: FileObject): SelectorKey<T>
  /** A live read-only view of the registrations, fd -> key. */
  abstract getMap(): ReadonlyMap<number, SelectorKey<T>>
  /** Releases the selector (stopping it first). Idempotent. Registered fds stay open. */
  abstract close(): void
  /** True after `close`. */
  abstract get closed(): boolean
  /** True between `start` and `stop`. */
  abstract get active(): boolean

  /** `close()`, for `using sel = new DefaultSelector()`. */
  [Symbol.dispose](): void {
    this.close()
  }
}
