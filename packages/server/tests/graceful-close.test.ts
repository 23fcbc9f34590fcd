import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, echoHandlers, type Connection, type Server } from '@io/server'
import { BACKENDS, backendLabel, client, until } from './helpers.js'

let server: Server | null = null
afterEach(async () => {
  await server?.close({ graceMs: 0 })
  server = null
})

/**
 * Connects once: 'connected', or the error code. A connection that the kernel completed in
 * the listener's backlog just before the listener closed is reset (ECONNRESET): that one
 * counts as refused too, and the next attempt meets the closed port.
 */
async function refused(port: number): Promise<string> {
  for (;;) {
    const result = await connectOnce(port)
    if (result !== 'ECONNRESET') return result
  }
}

function connectOnce(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' })
    s.on('connect', () => {
      s.destroy()
      resolve('connected')
    })
    s.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
  })
}

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('graceful close on %s', (_label, backend) => {
  it('stops accepting at once and closes idle connections', async () => {
    const closes: Array<Error | undefined> = []
    server = createServer({ backend }, { ...echoHandlers, close: (_c, err) => closes.push(err) }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const idle = await Promise.all([client(port), client(port)])
    await until(() => server!.connections === 2)
    const closing = server.close({ graceMs: 5000 })
    expect(await refused(port)).toBe('ECONNREFUSED')
    await closing
    await until(() => idle.every((c) => c.ended && c.closed))
    expect(closes).toEqual([undefined, undefined])
  })

  it('lets a busy connection finish its work, then closes it', async () => {
    let pending: Connection | null = null
    const seen: string[] = []
    server = createServer({ backend }, {
      data(conn, chunk) {
        seen.push(chunk.toString())
        conn.busy = true // a request in flight: answer it later
        pending = conn
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.write('request')
    await until(() => pending !== null)
    let closed = false
    const closing = server.close({ graceMs: 60_000 }).then(() => (closed = true))
    expect(await refused(port)).toBe('ECONNREFUSED') // close() has begun
    // The busy connection is still served: more input reaches its handler.
    c.socket.write('more')
    await until(() => seen.includes('more'))
    expect(closed).toBe(false)
    expect(server.connections).toBe(1)
    expect(c.closed).toBe(false)
    pending!.write('response')
    pending!.busy = false
    await closing
    await until(() => c.closed)
    expect(c.received().toString()).toBe('response')
  })

  it('waits for queued output to be flushed before closing', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 3)
    let queued = false
    server = createServer({ backend }, {
      data(conn) {
        conn.write(big)
        queued = true
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.pause()
    c.socket.write('go')
    // Close only once the output is queued (8 MB cannot fit in the socket buffers of a paused
    // reader); regression: a fixed 10 ms sleep sometimes closed the connection while still idle.
    await until(() => queued)
    const closing = server.close({ graceMs: 60_000 })
    c.socket.resume()
    await closing
    await until(() => c.closed)
    expect(c.bytes).toBe(big.length)
  })

  it('destroys what is still busy at the deadline, with ERR_SERVER_CLOSE_TIMEOUT', async () => {
    const closes: Array<Error | undefined> = []
    server = createServer({ backend }, {
      open(conn) {
        conn.busy = true // never finishes
      },
      close(_conn, err) {
        closes.push(err)
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => server!.connections === 1)
    await server.close({ graceMs: 20 })
    expect(closes).toEqual([expect.objectContaining({ code: 'ERR_SERVER_CLOSE_TIMEOUT' })])
    await until(() => c.closed)
  })
})
