import { afterEach, describe, expect, it, vi } from 'vitest'
import { AcceptBackoff } from '../src/engine/acceptor.js'
import { sockets } from '@io/core'
import { createServer, echoHandlers, type Server } from '@io/server'
import { BACKENDS, backendLabel, exhaustFds, until } from './helpers.js'

const { AF_INET, SOCK_STREAM, SOCK_NONBLOCK } = sockets.constants

let server: Server | null = null
const held: number[] = []
afterEach(async () => {
  vi.restoreAllMocks()
  for (const fd of held.splice(0)) sockets.close(fd)
  await server?.close({ graceMs: 0 })
  server = null
})

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('accept under EMFILE on %s', (_label, backend) => {
  it('pauses accepting with backoff instead of spinning, and recovers when fds free up', async () => {
    // The delay of each retry as it is scheduled: a backoff that restarts at its first step on
    // every retry (regression, io_uring: it was reset before the retried accept had succeeded)
    // would retry every 5 ms for as long as fds stay short.
    const delays: number[] = []
    const failed = AcceptBackoff.prototype.failed
    vi.spyOn(AcceptBackoff.prototype, 'failed').mockImplementation(function (this: AcceptBackoff, retry) {
      failed.call(this, retry)
      delays.push(this.delayMs)
    })
    server = createServer({ backend }, echoHandlers) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    // Client sockets first (they need fds too), then run the process out of fds.
    const clients = Array.from({ length: 5 }, () => sockets.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK))
    exhaustFds(held)
    for (const fd of clients) sockets.connect(fd, '127.0.0.1', port)
    await until(() => server!.stats.acceptRetries >= 4)
    const { acceptErrors, acceptRetries } = server.stats
    // Every failed attempt is counted, and each retry waits twice as long as the one before.
    expect(acceptErrors).toBeLessThanOrEqual(acceptRetries + 1)
    expect(delays.slice(0, 5)).toEqual([5, 10, 20, 40, 80].slice(0, Math.min(5, delays.length)))
    expect(delays.length).toBeGreaterThanOrEqual(4)
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
