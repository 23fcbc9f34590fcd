/**
 * @io/core: the native reactors (epoll, io_uring), socket syscalls and Node-style errors that
 * the other @io packages are built on.
 */
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
export * as sockets from './sockets.js'
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
export { BACKENDS, backendFromEnv, type BackendName } from './backend.js'
export * as multiplex from './multiplex.js'
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
