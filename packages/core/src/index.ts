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
export { WOULD_BLOCK, constants, type SocketAddress } from './sockets.js'
export { isSystemError, codeError, type SystemError } from './errors.js'
export { native, nativeCandidates } from './native.js'
export { BACKENDS, backendFromEnv, type BackendName } from './backend.js'
export * as multiplex from './multiplex.js'
export { PollTable, MultiplexWatcher, type MultiplexReadyCallback } from './multiplex.js'
