/**
 * blocking-threads: blocking sockets, one thread per connection.
 *
 * The kettle picture: you stand at the kettle and wait until it boils; for more kettles you
 * hire more people, one per kettle, each waiting at their own. Every call here blocks: an
 * acceptor thread sleeps in accept(2) until a client connects, and each connection gets a
 * thread of its own that sleeps in read(2) until bytes arrive, then in send(2) until the
 * kernel took them. The code is the simplest of all models, and no thread ever spins. What it
 * costs is a thread per connection: its stack and, in Node.js, a whole JavaScript engine per
 * worker thread, plus the kernel switching between threads. (The sockets are blocking because
 * they are created without O_NONBLOCK.)
 *
 * The main thread only starts threads: the acceptor posts it each new fd.
 *
 *   npm run build && npx tsx examples/io-models/blocking-threads.ts --port 9000
 */
import { type MessagePort, Worker } from 'node:worker_threads'
import { sockets } from '@io/core'
import { announce, portOption } from './common/command-line.js'
import { listenTcp, noDelay } from './common/listen.js'

type Core = typeof import('@io/core')

/** The acceptor thread: sleeps in accept(2) until a client connects, and posts the new fd. */
function acceptForever(listenFd: number, core: Core, parent: MessagePort): void {
  for (;;) parent.postMessage(core.sockets.accept(listenFd, core.constants.SOCK_CLOEXEC)) // no SOCK_NONBLOCK
}

/** A connection's thread: read, write back, until the peer is done. */
function echoUntilClosed(fd: number, { sockets }: Core): void {
  const buffer = Buffer.allocUnsafe(64 * 1024)
  try {
    // Sleeps in read(2) until data comes; 0 means the peer is done.
    for (let n = sockets.read(fd, buffer); n > 0; n = sockets.read(fd, buffer)) {
      // Sleeps in send(2) until the kernel took it all (it may take a part at a time).
      for (let sent = 0; sent < n; ) sent += sockets.send(fd, buffer, sent, n - sent)
    }
  } catch (error) {
    const code = (error as { code?: string }).code ?? ''
    if (!['ECONNRESET', 'EPIPE'].includes(code)) throw error // a vanished peer just ends the thread
  } finally {
    sockets.close(fd)
  }
}

// A worker thread starts from source text, so each runs one of the functions above as text,
// with @io/core (its build) loaded in it: they may use their arguments only, not this
// module's imports. A thread that only shuffles bytes needs little heap or stack.
const resourceLimits = { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1, stackSizeMb: 1 }
function startThread(body: (arg: number, core: Core, parent: MessagePort) => void, arg: number): Worker {
  const source = `const { workerData, parentPort } = require('node:worker_threads')
    const core = require('node:module').createRequire(${JSON.stringify(import.meta.url)})('@io/core')
    ;(${body})(workerData, core, parentPort)`
  return new Worker(source, { eval: true, workerData: arg, resourceLimits })
}

const { fd: listenFd, port } = listenTcp(portOption(), true) // blocking
const acceptor = startThread(acceptForever, listenFd)
acceptor.on('message', (fd: number) => {
  noDelay(fd)
  let started = false
  startThread(echoUntilClosed, fd)
    .once('online', () => (started = true))
    .on('error', (error) => {
      console.error(`connection thread failed: ${error.message}`)
      if (!started) sockets.close(fd) // it never ran, so the fd is still ours to close
    })
})
acceptor.on('error', (error) => {
  console.error('accept failed:', error)
  process.exit(1)
})
announce('blocking-threads', port)
