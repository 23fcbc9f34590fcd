import { sockets } from '@io/core'

/**
 * close(2) that never throws: used where the fd is ours and being given up anyway (EBADF
 * cannot happen, and EIO on a socket close is not actionable).
 */
export function closeQuietly(fd: number): void {
  try {
    sockets.close(fd)
  } catch {
    // see above
  }
}
