/** The listening socket of every I/O-model example, and the accept loop of the non-blocking ones. */
import { WOULD_BLOCK, constants, sockets } from '@io/core'

/**
 * A TCP socket listening on 127.0.0.1:`port` (0: a free port). Non-blocking unless
 * `blocking` is set. Returns the fd and the port it got.
 */
export function listenTcp(port: number, blocking = false): { fd: number; port: number } {
  const fd = sockets.socket(constants.AF_INET, constants.SOCK_STREAM | (blocking ? 0 : constants.SOCK_NONBLOCK))
  sockets.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1)
  sockets.bind(fd, '127.0.0.1', port)
  sockets.listen(fd, 4096)
  return { fd, port: sockets.getsockname(fd).port }
}

/** Turns off Nagle's algorithm: an echo server answers small messages at once. */
export function noDelay(fd: number): void {
  sockets.setsockopt(fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, 1)
}

/**
 * Accepts every connection waiting on a non-blocking listening socket (until accept would
 * block), each as a non-blocking fd with TCP_NODELAY, and hands it to `onConnection`.
 */
export function acceptAll(listenFd: number, onConnection: (fd: number) => void): void {
  for (let fd = sockets.accept(listenFd); fd !== WOULD_BLOCK; fd = sockets.accept(listenFd)) {
    noDelay(fd)
    onConnection(fd)
  }
}
