/**
 * nonblocking-poll-loop: non-blocking sockets, checked over and over (busy polling).
 *
 * The kettle picture: you do not stand at one kettle; you walk past every kettle, lift each
 * lid, and walk on if the water is not boiling. With non-blocking sockets a read that has
 * nothing to return comes back at once with EAGAIN instead of waiting, so one thread can go
 * round all connections forever: try accept, try each read, write back what came in. Nothing
 * ever sleeps, so the server burns a whole core even when no one sends anything, and each
 * round costs one syscall per connection, busy or idle.
 *
 *   npm run build && npx tsx examples/io-models/nonblocking-poll-loop.ts --port 9000
 */
import { announce, portOption } from './common/command-line.js'
import { EchoConnection } from './common/echo-connection.js'
import { acceptAll, listenTcp } from './common/listen.js'

const { fd: listenFd, port } = listenTcp(portOption())
let connections: EchoConnection[] = []
const buffer = Buffer.allocUnsafe(64 * 1024)
announce('nonblocking-poll-loop', port)

// Spins on this thread for good; Ctrl-C (SIGINT) or SIGTERM ends the process.
for (;;) {
  acceptAll(listenFd, (fd) => connections.push(new EchoConnection(fd)))
  let someEnded = false
  for (const conn of connections) {
    // Lift the lid: the write that was pending, or a read that returns EAGAIN at once if empty.
    if (conn.flush()) conn.readOnce(buffer)
    someEnded ||= conn.ended
  }
  if (someEnded) {
    for (const conn of connections) if (conn.ended) conn.close()
    connections = connections.filter((conn) => !conn.ended)
  }
}
