/**
 * sigio: signal-driven I/O (O_ASYNC + F_SETSIG).
 *
 * The kettle that whistles: you do not look at kettles at all; each socket is told to send
 * your thread a signal when something happens to it. Here the signal is a real-time one that
 * carries the fd, queued by the kernel per event, and read in batches through a signalfd, so
 * no signal handler interrupts the program. A signal says that a socket *changed* (like
 * edge-triggered epoll), so after one the program drains the socket until the read would
 * block. The classic texts call this model rarely used: the signal queue can overflow (then
 * every watched fd has to be polled), and signals are awkward in threaded programs.
 *
 *   npm run build && npx tsx examples/io-models/sigio.ts --port 9000
 */
import { READABLE, SignalDrivenIO, WRITABLE } from '@io/signal'
import { announce, portOption } from './common/command-line.js'
import { EchoConnection } from './common/echo-connection.js'
import { acceptAll, listenTcp } from './common/listen.js'

const LISTENER = 2 ** 32 - 1 // token of the listening socket; a connection's token is its fd
const { fd: listenFd, port } = listenTcp(portOption())
const signals = new SignalDrivenIO({ maxEvents: 4096 })
const connections = new Map<number, EchoConnection>()
const buffer = Buffer.allocUnsafe(64 * 1024)
signals.watch(listenFd, LISTENER, READABLE)
announce('sigio', port, `real-time signal ${signals.signal}`)

// Blocks this thread reading the signalfd for good; Ctrl-C (SIGINT) or SIGTERM ends the process.
for (;;) {
  const count = signals.wait()
  for (let i = 0; i < count; i++) {
    const token = signals.readyTokens[i]
    if (token === LISTENER) {
      acceptAll(listenFd, (fd) => {
        connections.set(fd, new EchoConnection(fd))
        signals.watch(fd, fd, READABLE | WRITABLE) // reports at once what is already there
      })
      continue
    }
    const conn = connections.get(token)
    if (conn === undefined) continue // a late signal for a connection already closed
    if (conn.flush()) conn.drain(buffer)
    if (conn.ended) {
      signals.unwatch(conn.fd) // before close: it restores the fd's flags and owner
      connections.delete(conn.fd)
      conn.close()
    }
  }
}
