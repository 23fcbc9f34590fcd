/** The listening socket every echo server starts from: 127.0.0.1, an ephemeral port unless given. */
import { constants, sockets } from '@io/core'

export function listenTcp(port = 0): { fd: number; port: number } {
  const fd = sockets.socket(constants.AF_INET, constants.SOCK_STREAM | constants.SOCK_NONBLOCK)
  sockets.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1)
  sockets.bind(fd, '127.0.0.1', port)
  sockets.listen(fd, 4096)
  return { fd, port: sockets.getsockname(fd).port }
}

/** Echo latency depends on it: Nagle would hold back small replies. The C server sets it too. */
export function noDelay(fd: number): void {
  sockets.setsockopt(fd, constants.IPPROTO_TCP, constants.TCP_NODELAY, 1)
}
