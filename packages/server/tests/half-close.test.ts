import { afterEach, describe, expect, it } from 'vitest'
import { createServer, echoHandlers, type Server } from '@io/server'
import { BACKENDS, backendLabel, client, payload, until } from './helpers.js'

let server: Server | null = null
afterEach(async () => {
  await server?.close({ graceMs: 0 })
  server = null
})

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('half-close on %s', (_label, backend) => {
  it('a peer that ends after sending gets every byte back, then the server ends too', async () => {
    const events: string[] = []
    server = createServer({ backend }, {
      ...echoHandlers,
      end() {
        events.push('end')
      },
      close(_conn, err) {
        events.push(err ? `close ${err.message}` : 'close')
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    const data = payload(3 * 1024 * 1024)
    c.socket.end(data)
    await until(() => c.ended && c.closed)
    expect(c.received().equals(data)).toBe(true)
    await until(() => events.length === 2)
    expect(events).toEqual(['end', 'close'])
  })

  it('allowHalfOpen keeps the writing side open after the peer ends', async () => {
    server = createServer({ backend, allowHalfOpen: true }, {
      end(conn) {
        setImmediate(() => {
          conn.write('later, ')
          conn.end('bye')
        })
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.end()
    await until(() => c.ended)
    expect(c.received().toString()).toBe('later, bye')
    await until(() => server!.connections === 0)
  })

  it('end() from the server flushes queued output before the FIN, and closes once the peer ends', async () => {
    const big = payload(4 * 1024 * 1024, 9)
    server = createServer({ backend }, {
      open(conn) {
        conn.write(big)
        conn.end()
        expect(conn.writableEnded).toBe(true)
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port, '127.0.0.1', { allowHalfOpen: true })
    await until(() => c.ended)
    expect(c.received().equals(big)).toBe(true)
    expect(server.connections).toBe(1) // half-closed: waiting for the peer's FIN
    c.socket.end()
    await until(() => server!.connections === 0)
  })

  it('a half-open peer (silent, never closing) is closed by the idle timeout', async () => {
    const closes: Array<Error | undefined> = []
    server = createServer({ backend, idleTimeoutMs: 50 }, {
      close(_conn, err) {
        closes.push(err)
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => c.closed)
    expect(closes).toEqual([expect.objectContaining({ code: 'ETIMEDOUT' })])
  })
})
