/**
 * Adopting a listening socket the process was given (by systemd, by a parent restarting
 * itself, or by any launcher that passes fds): check that it is one, make it non-blocking, and
 * say where it listens.
 *
 * The checks ask the kernel rather than trusting the caller: SO_TYPE must be SOCK_STREAM,
 * SO_ACCEPTCONN must say listen(2) was called, and the address must be IPv4 or IPv6 (the
 * servers set TCP options on what they accept). An fd that is not open or not a socket fails
 * with the kernel's EBADF or ENOTSOCK.
 */
import { sockets, type SocketAddress } from '@io/core'
import { serverError } from '../errors.js'

const { SOL_SOCKET, SO_TYPE, SO_ACCEPTCONN, SOCK_STREAM } = sockets.constants

/**
 * Checks that `fd` is a listening TCP socket and sets O_NONBLOCK on it; returns its address.
 * Throws a SystemError (EBADF, ENOTSOCK) or `ERR_INVALID_FD_TYPE`; on failure `fd` is left
 * as it was (still open, still the caller's).
 */
export function adoptListener(fd: number): SocketAddress {
  let type: number
  let listening: number
  let address: SocketAddress
  try {
    type = sockets.getsockopt(fd, SOL_SOCKET, SO_TYPE)
    listening = sockets.getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN)
    address = sockets.getsockname(fd)
  } catch (err) {
    if (err instanceof Error) err.message = `fd ${fd}: ${err.message}`
    throw err
  }
  if (type !== SOCK_STREAM) throw notListener(fd, `is not a stream socket (SO_TYPE ${type})`)
  if (listening !== 1) throw notListener(fd, 'is a stream socket that is not listening (no listen(2) call)')
  if (address.family !== 'IPv4' && address.family !== 'IPv6') {
    throw notListener(fd, `listens on a ${address.family} address; only TCP over IPv4 or IPv6 is served`)
  }
  sockets.setNonBlocking(fd, true)
  return address
}

function notListener(fd: number, problem: string): Error {
  return serverError('ERR_INVALID_FD_TYPE', `fd ${fd} ${problem}: expected a listening TCP socket`)
}
