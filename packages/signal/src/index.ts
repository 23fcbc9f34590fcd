/**
 * @io/signal: signal-driven I/O (the fourth I/O model of the classic texts) for Node.js, done
 * for a multi-threaded runtime: real-time signals per fd directed at one thread, read in
 * batches through a signalfd inside Node's loop, with recovery from queue overflow, stale-event
 * filtering, and a selector backend.
 *
 * - {@link SignalDrivenIO}: watch/unwatch fds, events as (token, band) batches.
 * - {@link SigioSelector}: the @io/selectors interface over it (registered as the `sigio`
 *   backend of DefaultSelector when this module loads).
 * - {@link readSignalStatus}: the kernel's view of a thread's signals and of the signal queue.
 *
 * @packageDocumentation
 */
import { registerSigioBackend } from './register-backend.js'

export {
  SignalDrivenIO,
  sigioConstants,
  type SignalDrivenIOOptions,
  type SignalDrivenIOStats,
  READABLE,
  WRITABLE,
  PRIORITY,
  READ_HANGUP,
  ERROR,
  HANGUP,
} from '@io/core'
export { readSignalStatus, type SignalStatus } from './signal-status.js'
export { SigioSelector } from './sigio-selector.js'
export { registerSigioBackend }

registerSigioBackend()
