/**
 * Something Node's own loop watches for you: {@link Epoll}, {@link Uring},
 * {@link SignalDrivenIO} and {@link MultiplexWatcher}. `start(...)` (its arguments differ, see
 * `StartArgs`) has libuv watch the source's fd and call back once per batch of events;
 * `stop()` ends that and lets the object be collected again. Like a `net.Socket`, a started
 * source keeps the process alive unless `unref()`ed, and the choice is remembered across
 * start and stop. `close()` stops it and releases its fds; it is idempotent.
 *
 * @typeParam StartArgs what `start` takes; by default one callback, called with the batch's
 *   event count.
 *
 * @example
 * ```ts
 * function pauseAll(sources: LoopSource<any[]>[]): void {
 *   for (const source of sources) if (source.active) source.stop()
 * }
 * ```
 */
export interface LoopSource<StartArgs extends unknown[] = [onReady: (count: number) => void]> {
  /** True while started in Node's loop: between `start` and `stop`, `close`, or a failure it reported. */
  readonly active: boolean
  /** True once closed. */
  readonly closed: boolean
  /** Has Node's loop watch the source and call back once per batch; again replaces the callback. */
  start(...args: StartArgs): void
  /** Stops watching in Node's loop. Calls that wait still work. */
  stop(): void
  /** Keeps the process alive while started (the default), like `net.Socket#ref`. */
  ref(): void
  /** Lets the process exit while started, like `net.Socket#unref`. */
  unref(): void
  /** Whether the source keeps the process alive while started. */
  hasRef(): boolean
  /** Stops, and releases the source's fds and memory. Idempotent. */
  close(): void
}
