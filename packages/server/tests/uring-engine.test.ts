// Behaviour particular to the io_uring (completion) engine. Skipped, with the reason, where
// io_uring is unavailable; the shared behaviour tests run on it through BACKENDS.
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { HeldInput } from '../src/engine/held-input.js'
import { UringEngine } from '../src/engine/uring-engine.js'
import { Uring, sockets } from '@io/core'
import { createServer, echoHandlers, resolveServerBackend, type Connection, type Server } from '@io/server'
import { client, payload, until } from './helpers.js'

// Skipped, with the reason, where the io_uring engine cannot run (a 'uring' request falls back).
const { backend, reason } = resolveServerBackend('uring')
const unavailable = backend === 'uring' ? null : reason
if (unavailable !== null) console.warn(`io_uring engine tests skipped: ${unavailable}`)

const { MSG_PEEK, MSG_DONTWAIT } = sockets.constants

let server: Server | null = null

/** Records the fd of every recv the engine hands to the ring through `recvOnceFromRing`. */
function recordArmedFds(): number[] {
  const fds: number[] = []
  const original = Uring.prototype.recvOnceFromRing
  vi.spyOn(Uring.prototype, 'recvOnceFromRing').mockImplementation(function (this: Uring, ring, arms, count) {
    for (let i = 0; i < count; i++) fds.push(arms[3 * i])
    original.call(this, ring, arms, count)
  })
  return fds
}

/** Starts an io_uring server with `handlers` and connects one client to it. */
async function serveOne(handlers: Parameters<typeof createServer>[1]) {
  server = createServer({ backend: 'uring' }, handlers) as Server
  const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
  return client(port)
}

/**
 * `count` clients of the echo server on `port` each send 64 KB at once: every byte comes back, in
 * order. Then they leave, and the server lets them go.
 */
async function echoBurst(port: number, count: number, seed: number): Promise<void> {
  const clients = await Promise.all(Array.from({ length: count }, () => client(port)))
  const sent = clients.map((c, i) => {
    const data = payload(64 * 1024, i + seed)
    c.socket.write(data)
    return data
  })
  await until(() => clients.every((c, i) => c.bytes === sent[i].length))
  clients.forEach((c, i) => expect(c.received().equals(sent[i])).toBe(true))
  for (const c of clients) c.socket.destroy()
  await until(() => server!.connections === 0)
}

afterEach(async () => {
  vi.restoreAllMocks()
  await server?.close({ graceMs: 0 })
  server = null
})

describe.skipIf(unavailable !== null)('io_uring engine', () => {
  it('when the provided buffers run out (ENOBUFS), receives are re-armed and no byte is lost', async () => {
    // 8 ring buffers of 1 KB, against 200 clients sending 64 KB each at once.
    const arms = vi.spyOn(UringEngine.prototype as unknown as { armRecv: () => void }, 'armRecv')
    const ringBuffers = UringEngine.ringBuffers
    UringEngine.ringBuffers = 8
    server = createServer({ backend: 'uring', readBufferSize: 1024 }, echoHandlers) as Server
    expect(server.backend).toBe('uring')
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    UringEngine.ringBuffers = ringBuffers
    await echoBurst(port, 200, 7)
    expect(arms.mock.calls.length).toBeGreaterThan(200) // some recvs ended and were re-armed
  })

  it('recvs cycle through the few buffers left with the kernel, not the whole ring', async () => {
    // The kernel takes ring buffers in the order they were given: with all 512 in the ring, 200
    // round trips would land in 200 different buffers, each out of cache.
    const minProvided = UringEngine.minProvided
    UringEngine.minProvided = 4
    const offsets = new Set<number>()
    const c = await serveOne({
      data(conn, chunk) {
        offsets.add(chunk.byteOffset)
        conn.write(chunk)
      },
    }).finally(() => (UringEngine.minProvided = minProvided))
    let expected = 0
    for (let i = 0; i < 200; i++) {
      const message = `ping ${i}`
      c.socket.write(message)
      expected += message.length
      await until(() => c.bytes === expected)
    }
    expect(c.received().toString()).toBe(Array.from({ length: 200 }, (_, i) => `ping ${i}`).join(''))
    expect(offsets.size).toBeGreaterThan(1)
    expect(offsets.size).toBeLessThanOrEqual(4)
    c.socket.destroy()
  })

  it('when more recvs complete at once than buffers are left with the kernel, it gets more, and no byte is lost', async () => {
    // 2 buffers with the kernel at first (of 64, of 1 KB), against 100 clients sending 64 KB at once.
    const { ringBuffers, minProvided } = UringEngine
    UringEngine.ringBuffers = 64
    UringEngine.minProvided = 2
    const offsets = new Set<number>()
    server = createServer({ backend: 'uring', readBufferSize: 1024 }, {
      data(conn, chunk) {
        offsets.add(chunk.byteOffset)
        conn.write(chunk)
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' }).finally(() => {
      UringEngine.ringBuffers = ringBuffers
      UringEngine.minProvided = minProvided
    })
    await echoBurst(port, 100, 3)
    expect(offsets.size).toBeGreaterThan(2) // the kernel was given more than the first 2
    expect(offsets.size).toBeLessThanOrEqual(64)
  })

  it('one recv reads at most readBufferSize, and a queued chunk keeps its bytes while the ring is reused', async () => {
    // 24 MB sent at once. The client reads nothing at first, so the echoes queue in the
    // server and must be copies: the ring buffers they came from are refilled at once.
    const sizes: number[] = []
    let queued = 0
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
    expect(Math.max(...sizes)).toBeGreaterThan(16 * 1024) // bulk data comes in large reads
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 * 1024) // never more than one epoll read (readBufferSize)
    expect(queued).toBeGreaterThan(1024 * 1024) // the echoes did queue in the server
    c.socket.resume()
    await until(() => c.bytes === sent.length)
    expect(c.received().equals(sent)).toBe(true)
    c.socket.destroy()
  })

  it('a paused connection takes at most one read from its socket: the rest waits in the kernel, then comes in order', async () => {
    // Regression: a multishot recv kept filling ring buffers after pause(), and every chunk
    // was copied and held: tens of MB per connection from a client that never reads.
    const received: Buffer[] = []
    let paused: Connection | null = null
    server = createServer({ backend: 'uring' }, {
      data(conn, chunk) {
        received.push(Buffer.from(chunk))
        if (paused === null) {
          paused = conn
          conn.pause()
        }
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    const sent = payload(16 * 1024 * 1024, 5)
    c.socket.write(sent)
    // The kernel holds 48 KB or more for the paused connection (its receive buffer starts at
    // tcp_rmem's default, 128 KB, and does not grow while nothing reads): the server stopped
    // reading, and what it did take is at most one read.
    const peek = Buffer.alloc(48 * 1024)
    await until(() => paused !== null && sockets.recv(paused.fd, peek, 0, peek.length, MSG_PEEK | MSG_DONTWAIT) === peek.length)
    const engine = (server as unknown as { reactor: { engine: { held: HeldInput } } }).reactor.engine
    const heldBytes = engine.held.bytes(paused!)
    expect(heldBytes).toBeLessThanOrEqual(64 * 1024)
    expect(received.length).toBe(1)
    paused!.resume()
    await until(() => received.reduce((sum, b) => sum + b.length, 0) === sent.length)
    expect(Buffer.concat(received).equals(sent)).toBe(true)
    c.socket.destroy()
  })

  it('a recv re-armed in a batch is left out when the connection pauses before the batch ends', async () => {
    // resume() inside `data` re-arms at once (the recv waits for the end of the batch), and
    // the pause() after it must win: no recv in flight, every byte left in the kernel.
    const armed = recordArmedFds()
    const received: Buffer[] = []
    let paused: Connection | null = null
    let mark = -1
    const c = await serveOne({
      data(conn, chunk) {
        received.push(Buffer.from(chunk))
        if (paused !== null) return
        paused = conn
        conn.pause()
        conn.resume()
        conn.pause()
        mark = armed.length
      },
    })
    c.socket.write('first')
    await until(() => paused !== null)
    const rest = payload(256 * 1024, 3)
    c.socket.write(rest)
    const peek = Buffer.alloc(48 * 1024)
    await until(() => sockets.recv(paused!.fd, peek, 0, peek.length, MSG_PEEK | MSG_DONTWAIT) === peek.length)
    expect(armed.slice(mark)).not.toContain(paused!.fd)
    const engine = (server as unknown as { reactor: { engine: { held: HeldInput } } }).reactor.engine
    expect(engine.held.bytes(paused!)).toBe(0) // no recv took anything after the pause
    paused!.resume()
    await until(() => received.reduce((sum, b) => sum + b.length, 0) === 5 + rest.length)
    expect(Buffer.concat(received).equals(Buffer.concat([Buffer.from('first'), rest]))).toBe(true)
    c.socket.destroy()
  })

  it('a recv re-armed in a batch is left out when the connection closes before the batch ends', async () => {
    const armed = recordArmedFds()
    let fd = -1
    let mark = -1
    const c = await serveOne({
      data(conn) {
        fd = conn.fd
        conn.pause()
        conn.resume() // re-arms: the recv waits for the end of the batch
        conn.destroy()
        mark = armed.length
      },
    })
    c.socket.write('bye')
    await until(() => c.closed)
    await until(() => server!.connections === 0)
    expect(fd).toBeGreaterThanOrEqual(0)
    expect(armed.slice(mark)).not.toContain(fd)
  })
})
