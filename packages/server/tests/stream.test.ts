import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type Server } from '@io/server'
import { BACKENDS, backendLabel, client, connectSendReset, payload, until } from './helpers.js'

let server: Server | null = null
afterEach(async () => {
  await server?.close({ graceMs: 0 })
  server = null
})

const upper = () =>
  new Transform({
    transform(chunk: Buffer, _enc, cb) {
      cb(null, Buffer.from(chunk.toString('latin1').toUpperCase(), 'latin1'))
    },
  })

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('toStream() on %s', (_label, backend) => {
  it('works with stream.pipeline and a Transform', async () => {
    const closes: Array<Error | undefined> = []
    server = createServer({ backend }, {
      open(conn) {
        const stream = conn.toStream()
        expect(conn.toStream()).toBe(stream)
        pipeline(stream, upper(), stream).catch(() => {})
      },
      close(_conn, err) {
        closes.push(err)
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port, '127.0.0.1', { allowHalfOpen: true })
    const text = Buffer.from('hello, streams! '.repeat(100_000), 'latin1')
    c.socket.end(text)
    await until(() => c.ended)
    expect(c.received().toString('latin1')).toBe(text.toString('latin1').toUpperCase())
    c.socket.destroy()
    await until(() => closes.length === 1)
    expect(closes).toEqual([undefined])
  })

  it('respects backpressure from a slow peer', async () => {
    const data = payload(8 * 1024 * 1024, 3)
    let maxBuffered = 0
    server = createServer({ backend, highWaterMark: 64 * 1024 }, {
      open(conn) {
        const stream = conn.toStream()
        const timer = setInterval(() => (maxBuffered = Math.max(maxBuffered, conn.bufferedAmount)), 1)
        stream.end(data, () => clearInterval(timer))
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => c.ended)
    expect(c.received().equals(data)).toBe(true)
    expect(maxBuffered).toBeLessThanOrEqual(64 * 1024 + data.length) // queued by the one write
  })

  it('a reset peer destroys the stream with the error', async () => {
    const errors: unknown[] = []
    server = createServer({ backend }, {
      open(conn) {
        const stream = conn.toStream()
        stream.on('error', (err) => errors.push(err))
        stream.resume()
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    await connectSendReset(server, port)
    await until(() => errors.length === 1)
    expect(errors[0]).toMatchObject({ code: 'ECONNRESET' })
  })
})
