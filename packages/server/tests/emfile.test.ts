import { afterEach, describe, expect, it } from 'vitest'
import { sockets } from '@io/core'
import { createServer, echoHandlers, type Server } from '@io/server'
import { BACKENDS, backendLabel, exhaustFds, until } from './helpers.js'

const { AF_INET, SOCK_STREAM, SOCK_NONBLOCK } = sockets.constants

let server: Server | null = null
const held: number[] = []
afterEach(async () => {
  for (const fd of held.splice(0)) sockets.close(fd)
  await server?.close({ graceMs: 0 })
  server = null
})

/** Most retries the backoff schedule (5 ms doubling to 1 s) allows in `ms`. */
function maxRetries(ms: number): number {
  let t = 0
  let delay = 5
  let n = 0
  while (t <= ms) {
    t += delay
    delay = Math.min(delay * 2, 1000)
    n++
  }
  return n + 1
}

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('accept under EMFILE on %s', (_label, backend) => {
  it('pauses accepting with backoff instead of spinning, and recovers when fds free up', async () => {
    server = createServer({ backend }, echoHandlers) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    // Client sockets first (they need fds too), then run the process out of fds.
    const clients = Array.from({ length: 5 }, () => sockets.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK))
    exhaustFds(held)
    const started = performance.now()
    for (const fd of clients) sockets.connect(fd, '127.0.0.1', port)
    await until(() => server!.stats.acceptRetries >= 4)
    const elapsed = performance.now() - started
    const { acceptErrors, acceptRetries } = server.stats
    // Every failed attempt is counted: a spinning accept loop would show thousands.
    expect(acceptErrors).toBeLessThanOrEqual(acceptRetries + 1)
    expect(acceptRetries).toBeLessThanOrEqual(maxRetries(elapsed))
    expect(server.connections).toBe(0)
    // Free the fds: the clients waiting in the backlog are accepted and served.
    for (const fd of held.splice(0)) sockets.close(fd)
    await until(() => server!.connections === clients.length)
    for (const fd of clients) sockets.send(fd, Buffer.from('hi'))
    const buf = Buffer.alloc(8)
    for (const fd of clients) {
      await until(() => sockets.recv(fd, buf) === 2)
      expect(buf.subarray(0, 2).toString()).toBe('hi')
      sockets.close(fd)
    }
    await until(() => server!.connections === 0)
  })
})
