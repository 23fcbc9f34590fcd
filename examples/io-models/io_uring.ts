/**
 * io_uring: asynchronous I/O by completion (io_uring(7)).
 *
 * The kettle picture: you no longer wait for the water, or for a whistle that tells you to go
 * and pour; you hand the whole job over ("boil this and pour it into that cup") and later
 * collect notes saying which jobs are done. With readiness models (select, poll, epoll,
 * signals) the kernel says "you may read now" and the program still makes the read call. Here
 * the program queues the operation itself (accept, recv into this buffer, send that buffer),
 * the kernel performs it, and one io_uring_enter both submits a batch of new operations and
 * collects the completions: an fd for an accept, a byte count for a recv or send.
 *
 * Each completion carries the token its operation was queued with: connection id * 4 + kind.
 * Where the kernel does not offer io_uring (or it is disabled), this prints why and exits.
 *
 *   npm run build && npx tsx examples/io-models/io_uring.ts --port 9000
 */
import { IORING_CQE_F_MORE, Uring, completionError, sockets } from '@io/core'
import { announce, portOption } from './common/command-line.js'
import { listenTcp, noDelay } from './common/listen.js'

const support = Uring.isSupported()
if (!support.supported) {
  console.error(`io_uring is not available here: ${support.reason}`)
  process.exit(1)
}
const ACCEPT = 0
const RECV = 1
const SEND = 2
const token = (id: number, kind: number) => id * 4 + kind
const { fd: listenFd, port } = listenTcp(portOption())
const ring = new Uring({ entries: 4096 })
const connections = new Map<number, { fd: number; buffer: Buffer; length: number; sent: number }>()
let nextId = 1
ring.accept(listenFd, token(0, ACCEPT), { multishot: true })
announce('io_uring', port, `setup flags ${ring.features.setupFlags.join('|') || 'none'}`)

// Blocks this thread in io_uring_enter for good; Ctrl-C (SIGINT) or SIGTERM ends the process.
for (;;) {
  const count = ring.wait(1) // submits what was queued, then waits for at least one completion
  for (let i = 0; i < count; i++) {
    const result = ring.completionResults[i]
    const id = ring.completionTokens[i] >>> 2
    const kind = ring.completionTokens[i] & 3
    if (kind === ACCEPT) {
      // Multishot: one completion per connection; one without F_MORE ended it, so queue it again.
      if (!(ring.completionFlags[i] & IORING_CQE_F_MORE)) ring.accept(listenFd, token(0, ACCEPT), { multishot: true })
      if (result < 0) throw completionError(result, 'accept')
      const conn = { fd: result, buffer: Buffer.allocUnsafe(64 * 1024), length: 0, sent: 0 }
      noDelay(conn.fd)
      connections.set(nextId, conn)
      ring.recv(conn.fd, conn.buffer, 0, conn.buffer.length, token(nextId++, RECV))
      continue
    }
    const conn = connections.get(id)!
    if (result <= 0) {
      // The peer finished (0) or failed (-ECONNRESET, -EPIPE): nothing of ours is in flight on it.
      sockets.close(conn.fd)
      connections.delete(id)
    } else if (kind === RECV) {
      conn.length = result
      conn.sent = 0
      ring.send(conn.fd, conn.buffer, 0, result, token(id, SEND)) // hand the bytes back
    } else if ((conn.sent += result) < conn.length) {
      ring.send(conn.fd, conn.buffer, conn.sent, conn.length - conn.sent, token(id, SEND)) // the rest
    } else {
      ring.recv(conn.fd, conn.buffer, 0, conn.buffer.length, token(id, RECV)) // all echoed: next read
    }
  }
}
