// @io/core: the native reactors (epoll, io_uring, select/poll, signal-driven I/O), socket
// syscalls and Node-style errors that the other @io packages are built on.
import * as multiplex from './multiplex.js'
import * as sockets from './sockets.js'

export {
  /**
   * Socket and fd syscalls on plain fd numbers, non-blocking capable.
   *
   * Conventions: reads and writes return the bytes moved, 0 for end of file, or
   * {@link WOULD_BLOCK} (-1) for EAGAIN. `accept` returns an fd or WOULD_BLOCK; `acceptBatch`
   * accepts up to `out.length` connections in one call. `connect` returns true when connected at
   * once and false while in progress (wait for WRITABLE, then read SO_ERROR). `send` and
   * `writev` use MSG_NOSIGNAL, so a vanished peer gives EPIPE, never SIGPIPE. Every new fd is
   * close-on-exec. Other failures throw a Node-style SystemError. Buffers may be views over an
   * ArrayBuffer or a SharedArrayBuffer.
   */
  sockets,
  /**
   * select(2) and poll(2): {@link PollTable}, the interest table both scan, {@link MultiplexWatcher},
   * which runs them beside Node's loop, and the POLL* bits.
   */
  multiplex,
}
export {
  Epoll,
  type EpollOptions,
  READABLE,
  WRITABLE,
  READ_HANGUP,
  PRIORITY,
  ERROR,
  HANGUP,
  EDGE_TRIGGERED,
  ONESHOT,
  EXCLUSIVE,
} from './epoll.js'
export { SignalDrivenIO, sigioConstants, type SignalDrivenIOOptions, type SignalDrivenIOStats } from './sigio.js'
export { WOULD_BLOCK, constants, batchStatus, type SocketAddress } from './sockets.js'
export { isSystemError, codeError, invalidArgType, outOfRange, systemError, type SystemError } from './errors.js'
export { moduleState } from './module-state.js'
export { native } from './native.js'
export {
  nativeCandidates,
  locateNative,
  buildFromSourceCommand,
  PREBUILT_TARGETS,
  GLIBC_FLOOR,
  type NativeCandidate,
  type NativeSource,
  type LocateNativeOptions,
} from './native-locate.js'
export { nativeHost, hostTag, type NativeHost, type NativeLibc } from './native-host.js'
export type { LoopSource } from './loop-source.js'
export { BACKENDS, backendFromEnv, type BackendName } from './backend.js'
export { PollTable, MultiplexWatcher, type MultiplexReadyCallback } from './multiplex.js'
export {
  Uring,
  type UringOptions,
  type UringFeatures,
  type UringSupport,
  completionError,
  bufferIdOf,
  IORING_CQE_F_MORE,
  IORING_CQE_F_BUFFER,
  IORING_CQE_F_SOCK_NONEMPTY,
  IORING_CQE_F_NOTIF,
  IORING_CQE_BUFFER_SHIFT,
} from './uring.js'
export { BufferRing, type BufferRingOptions } from './uring-buffer-ring.js'
export {
  resolveBackend,
  AUTO_BACKEND,
  type ReactorBackend,
  type ResolveBackendOptions,
  type ResolvedBackend,
} from './backend-resolver.js'
export { probeUring, type UringCapability, type UringProbe } from './uring-probe.js'
export {
  parseHttpHeads,
  httpHeadsCapacity,
  httpHeadRecordLength,
  httpHeadContentLength,
  HTTP_HEAD,
  HTTP_HEAD_STOP,
  HTTP_HEAD_FLAG,
  type HttpHeadLimits,
} from './http-head.js'
export { maskWebSocketPayload } from './ws-mask.js'
