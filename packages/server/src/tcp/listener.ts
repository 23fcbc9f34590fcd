/**
 * The listening socket: socket, SO_REUSEADDR (and SO_REUSEPORT for workers), bind, listen.
 * On any failure the fd is closed before the error is thrown, so nothing leaks.
 */
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { sockets, type SocketAddress } from '@io/core'

const { AF_INET, AF_INET6, SOCK_STREAM, SOCK_NONBLOCK, SOL_SOCKET, SO_REUSEADDR, SO_REUSEPORT } = sockets.constants

/** An IP literal for `host`: literals as they are, names through the resolver. */
export async function resolveHost(host: string): Promise<string> {
  if (isIP(host) !== 0) return host
  const { address } = await lookup(host)
  return address
}

/** Opens a non-blocking listening socket on `address:port`. */
export function openListener(address: string, port: number, backlog: number, reusePort: boolean): { fd: number; address: SocketAddress } {
  const fd = sockets.socket(isIP(address) === 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK)
  try {
    sockets.setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, 1)
    if (reusePort) sockets.setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, 1)
    sockets.bind(fd, address, port)
    sockets.listen(fd, backlog)
    return { fd, address: sockets.getsockname(fd) }
  } catch (err) {
    sockets.close(fd)
    throw err
  }
}
