import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type Connection, type Server } from '@io/server'
import { BACKENDS, backendLabel, client, until } from './helpers.js'

let server: Server | null = null
afterEach(async () => {
  await server?.close({ graceMs: 0 })
  server = null
})

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('backpressure on %s', (_label, backend) => {
  it('write() returns false past highWaterMark, and drain comes once the peer reads', async () => {
    const results: boolean[] = []
    let drains = 0
    let conn: Connection | null = null
    const total = 8 * 1024 * 1024 // more than the kernel holds for a client that does not read
    server = createServer({ backend, highWaterMark: 100_000 }, {
      open(c) {
        conn = c
        for (let i = 0; i < total / 65536; i++) results.push(c.write(Buffer.alloc(65536)))
      },
      drain() {
        drains++
      },
    })
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.pause()
    await until(() => conn !== null && conn.bufferedAmount < total) // flushed once: the socket took some
    expect(results.indexOf(false)).toBe(1) // 64 KB pass, 128 KB written in one batch is past 100000
    expect(conn!.writableNeedDrain).toBe(true)
    expect(conn!.bufferedAmount).toBeGreaterThan(100_000)
    expect(drains).toBe(0)
    c.socket.resume()
    await until(() => drains === 1)
    expect(conn!.bufferedAmount).toBe(0)
    expect(conn!.writableNeedDrain).toBe(false)
    expect(c.bytes).toBeLessThanOrEqual(total)
    await until(() => c.bytes === total)
    c.socket.destroy()
  })

  it('a client that never reads while the server writes 100 MB keeps server memory bounded by highWaterMark', async () => {
    const highWaterMark = 64 * 1024
    const chunkSize = 16 * 1024
    const total = 100 * 1024 * 1024
    let written = 0
    let maxBuffered = 0
    const pump = (conn: Connection) => {
      while (written < total) {
        // A fresh Buffer per write: an unbounded queue would hold them all.
        const ok = conn.write(Buffer.alloc(chunkSize, written & 0xff))
        written += chunkSize
        maxBuffered = Math.max(maxBuffered, conn.bufferedAmount)
        if (!ok) return
      }
      conn.end()
    }
    server = createServer({ backend, highWaterMark }, { open: pump, drain: pump }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const external = process.memoryUsage().arrayBuffers
    const c = await client(port)
    c.socket.pause()
    await until(() => server!.connections === 1 && written > 0)
    // Stalled: the kernel buffers are full, the queue is at highWaterMark and the pump waits.
    await until(() => (server as Server).connections === 1 && maxBuffered >= highWaterMark)
    expect(written).toBeLessThan(total)
    expect(maxBuffered).toBeLessThanOrEqual(highWaterMark + chunkSize) // one write past highWaterMark at most
    expect(process.memoryUsage().arrayBuffers - external).toBeLessThan(16 * 1024 * 1024)
    // The client now reads everything: all 100 MB arrive and the server ends.
    let received = 0
    c.socket.removeAllListeners('data')
    c.socket.on('data', (d: Buffer) => (received += d.length))
    c.socket.resume()
    await until(() => c.ended)
    expect(received).toBe(total)
    expect(maxBuffered).toBeLessThanOrEqual(highWaterMark + chunkSize)
    c.socket.destroy()
  })

  it('the echo pattern (pause on false, resume on drain) holds memory while the peer does not read', async () => {
    let maxBuffered = 0
    let pauses = 0
    server = createServer({ backend, highWaterMark: 32 * 1024 }, {
      data(conn, chunk) {
        if (!conn.write(chunk)) {
          conn.pause()
          pauses++
        }
        maxBuffered = Math.max(maxBuffered, conn.bufferedAmount)
      },
      drain(conn) {
        conn.resume()
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.pause()
    const sent = 32 * 1024 * 1024
    for (let i = 0; i < 32; i++) c.socket.write(Buffer.alloc(1024 * 1024, i))
    await until(() => pauses > 0)
    expect(maxBuffered).toBeLessThan(32 * 1024 + 64 * 1024) // highWaterMark + one read
    let received = 0
    c.socket.removeAllListeners('data')
    c.socket.on('data', (d: Buffer) => (received += d.length))
    c.socket.resume()
    await until(() => received === sent)
    expect(maxBuffered).toBeLessThan(32 * 1024 + 64 * 1024)
    c.socket.destroy()
  })
})
