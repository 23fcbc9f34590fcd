/**
 * epoll-et: epoll, edge-triggered (EPOLLET).
 *
 * Same kernel-kept lamp board as epoll.ts, but a lamp now flashes once per *change* (new data
 * arrived, room to write appeared) instead of staying lit while a socket is ready. The kernel
 * does less (no re-checking of sockets that stay ready, no interest changes to switch between
 * reading and writing), and the program takes on a rule: after a flash, read until the read
 * would block (EAGAIN), because no second flash comes for data already there. Forget it and a
 * connection stalls with bytes in its buffer.
 *
 * Each socket is registered once for reading and writing; every report is answered by
 * writing what is pending and then draining the socket.
 *
 *   npm run build && npx tsx examples/io-models/epoll-et.ts --port 9000
 */
import { EVENT_READ, EVENT_WRITE, EpollSelector } from '@io/selectors'
import { announce, portOption } from './common/command-line.js'
import { EchoConnection } from './common/echo-connection.js'
import { acceptAll, listenTcp } from './common/listen.js'

const { fd: listenFd, port } = listenTcp(portOption())
const selector = new EpollSelector<EchoConnection | null>({ edgeTriggered: true })
const buffer = Buffer.allocUnsafe(64 * 1024)
selector.register(listenFd, EVENT_READ, null)
announce('epoll-et', port)

// Blocks this thread in epoll_wait(2) for good; Ctrl-C (SIGINT) or SIGTERM ends the process.
for (;;) {
  for (const [key] of selector.select()) {
    const conn = key.data
    if (conn === null) {
      // An edge for the listening socket too: accept until accept would block.
      acceptAll(listenFd, (fd) => selector.register(fd, EVENT_READ | EVENT_WRITE, new EchoConnection(fd)))
      continue
    }
    // Whatever the edge was: finish the pending write, then read until EAGAIN.
    if (conn.flush()) conn.drain(buffer)
    if (conn.ended) {
      selector.unregister(conn.fd)
      conn.close()
    }
  }
}
