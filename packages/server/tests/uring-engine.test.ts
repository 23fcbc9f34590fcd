// Behaviour particular to the io_uring (completion) engine. Skipped, with the reason, where
// io_uring is unavailable; the shared behaviour tests run on it through BACKENDS.
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest'
import { UringReactor } from '../src/uring-reactor.js'
import { createServer, echoHandlers, resolveServerBackend, type Server } from '@io/server'
import { client, payload, until } from './helpers.js'

// Skipped, with the reason, where the io_uring engine cannot run (a 'uring' request falls back).
const { backend, reason } = resolveServerBackend('uring')
const unavailable = backend === 'uring' ? null : reason
if (unavailable !== null) console.warn(`io_uring engine tests skipped: ${unavailable}`)

let server: Server | null = null
afterEach(async () => {
  vi.restoreAllMocks()
  await server?.close({ graceMs: 0 })
  server = null
})

describe.skipIf(unavailable !== null)('io_uring engine', () => {
  it('when the provided buffers run out (ENOBUFS), receives are re-armed and no byte is lost', async () => {
    // 8 ring buffers of 1 KB, against 200 clients sending 64 KB each at once.
    const arms = vi.spyOn(UringReactor.prototype as unknown as { armRecv: () => void }, 'armRecv')
    const ringBuffers = UringReactor.ringBuffers
    UringReactor.ringBuffers = 8
    server = createServer({ backend: 'uring', readBufferSize: 1024 }, echoHandlers) as Server
    expect(server.backend).toBe('uring')
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    UringReactor.ringBuffers = ringBuffers
    const clients = await Promise.all(Array.from({ length: 200 }, () => client(port)))
    const sent = clients.map((c, i) => {
      const data = payload(64 * 1024, i + 7)
      c.socket.write(data)
      return data
    })
    await until(() => clients.every((c, i) => c.bytes === sent[i].length))
    clients.forEach((c, i) => expect(c.received().equals(sent[i])).toBe(true))
    expect(arms.mock.calls.length).toBeGreaterThan(clients.length) // some recvs ended and were re-armed
    for (const c of clients) c.socket.destroy()
    await until(() => server!.connections === 0)
  })

  // Runs whose ring buffers lie side by side are delivered as one view of the ring; the others
  // are copied into the join buffer. Both ways, forced: joinByView off copies every run.
  it.each([
    ['a view of the ring', true],
    ['copied into the join buffer', false],
  ])('joins back-to-back receives of a connection into one chunk (%s), and a queued joined chunk keeps its bytes', async (_how, byView) => {
    // 24 MB sent at once: every batch holds runs of completions for this one connection. The
    // client reads nothing at first, so the echoes queue in the server and must be copies: ring
    // and join buffer are both reused.
    const sizes: number[] = []
    let queued = 0
    UringReactor.joinByView = byView
    onTestFinished(() => {
      UringReactor.joinByView = true
    })
    server = createServer({ backend: 'uring', readBufferSize: 64 * 1024 }, {
      data(conn, chunk) {
        sizes.push(chunk.length)
        conn.write(chunk)
        queued = Math.max(queued, conn.bufferedAmount)
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.pause()
    // More than the kernel holds for it: the server's send buffer (tcp_wmem max, 4 MB by default)
    // plus the paused client's receive buffer, which does not grow while nothing reads it.
    const sent = payload(24 * 1024 * 1024, 11)
    c.socket.write(sent)
    await until(() => sizes.reduce((sum, n) => sum + n, 0) === sent.length)
    expect(Math.max(...sizes)).toBeGreaterThan(16 * 1024) // at least one chunk joined ring buffers
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024) // never more than one epoll read (readBufferSize)
    expect(queued).toBeGreaterThan(1024 * 1024) // the echoes did queue in the server
    c.socket.resume()
    await until(() => c.bytes === sent.length)
    expect(c.received().equals(sent)).toBe(true)
    c.socket.destroy()
  })

  it('input that completes while paused is kept, in order, and handed over after resume', async () => {
    const chunks: string[] = []
    let paused: { resume(): void } | null = null
    server = createServer({ backend: 'uring' }, {
      data(conn, chunk) {
        chunks.push(chunk.toString())
        if (chunks.length === 1) {
          conn.pause()
          paused = conn
        }
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.write('a')
    await until(() => paused !== null)
    for (const part of ['b', 'c', 'd']) {
      c.socket.write(part)
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(chunks).toEqual(['a'])
    paused!.resume()
    await until(() => chunks.join('') === 'abcd')
    c.socket.destroy()
  })
})
