import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type AsyncConnection, type Server } from '@io/server'
import { BACKENDS, backendLabel, client, connectSendReset, payload, until } from './helpers.js'

let server: Server | null = null
afterEach(async () => {
  await server?.close({ graceMs: 0 })
  server = null
})

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('coroutine style on %s', (_label, backend) => {
  it('for await + await write echo, then the connection ends when the function returns', async () => {
    server = createServer({ backend }, async (conn: AsyncConnection) => {
      for await (const chunk of conn) await conn.write(chunk)
      await conn.write('bye')
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port, '127.0.0.1', { allowHalfOpen: true })
    const data = payload(2 * 1024 * 1024)
    c.socket.end(data)
    await until(() => c.ended)
    expect(c.received().equals(Buffer.concat([data, Buffer.from('bye')]))).toBe(true)
  })

  it('chunks stay valid after the loop moves on (they are copies)', async () => {
    const kept: Buffer[] = []
    server = createServer({ backend }, async (conn: AsyncConnection) => {
      for await (const chunk of conn) {
        kept.push(chunk)
        await new Promise((resolve) => setImmediate(resolve)) // other reads happen meanwhile
      }
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    const data = payload(256 * 1024, 5)
    c.socket.end(data)
    await until(() => c.closed)
    expect(Buffer.concat(kept).equals(data)).toBe(true)
  })

  it('await write() waits for drain when the peer is slow (memory bounded)', async () => {
    let maxBuffered = 0
    let done = false
    server = createServer({ backend, highWaterMark: 64 * 1024 }, async (conn: AsyncConnection) => {
      for (let i = 0; i < 400; i++) {
        await conn.write(Buffer.alloc(64 * 1024, i))
        maxBuffered = Math.max(maxBuffered, conn.raw.bufferedAmount)
      }
      done = true
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => c.ended)
    expect(done).toBe(true)
    expect(c.bytes).toBe(400 * 64 * 1024)
    expect(maxBuffered).toBeLessThan(2 * 64 * 1024)
  })

  it('a slow consumer pauses reading instead of buffering without bound', async () => {
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    let conn: AsyncConnection | null = null
    let total = 0
    server = createServer({ backend, highWaterMark: 32 * 1024 }, async (c: AsyncConnection) => {
      conn = c
      for await (const chunk of c) {
        total += chunk.length
        await gate
      }
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const cl = await client(port)
    const data = Buffer.alloc(16 * 1024 * 1024)
    cl.socket.end(data)
    await until(() => conn !== null && conn.raw.isPaused)
    release()
    await until(() => total === data.length)
  })

  it('a throwing function goes to the error handler, then destroys the connection; close gets the error', async () => {
    const closes: Array<Error | undefined> = []
    const errors: Array<[boolean, Error]> = []
    server = createServer({ backend }, {
      async connection(conn: AsyncConnection) {
        for await (const chunk of conn) if (chunk.toString() === 'bad') throw new Error('bad input')
      },
      error(conn, err) {
        errors.push([conn.closed, err])
      },
      close(_conn, err) {
        closes.push(err)
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.write('bad')
    await until(() => c.closed)
    expect(errors).toEqual([[false, expect.objectContaining({ message: 'bad input' })]])
    expect(closes).toEqual([expect.objectContaining({ message: 'bad input' })])
  })

  it('a reset peer makes the pending read reject with the error', async () => {
    const errors: unknown[] = []
    server = createServer({ backend }, async (conn: AsyncConnection) => {
      try {
        for await (const _ of conn);
      } catch (err) {
        errors.push(err)
      }
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    await connectSendReset(server, port)
    await until(() => errors.length === 1)
    expect(errors[0]).toMatchObject({ code: 'ECONNRESET' })
  })

  it('graceful close ends a coroutine connection that waits for input', async () => {
    let waiting = false
    server = createServer({ backend }, async (conn: AsyncConnection) => {
      waiting = true
      for await (const _ of conn);
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => waiting)
    await server.close({ graceMs: 60_000 })
    await until(() => c.closed)
  })
})
