import { afterEach, describe, expect, it } from 'vitest'
import { createServer, echoHandlers, resolveServerBackend, type Server } from '@io/server'
import { BACKENDS, backendLabel, client, payload, until } from './helpers.js'

let server: Server | null = null
afterEach(async () => {
  await server?.close({ graceMs: 0 })
  server = null
})

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('echo on %s', (_label, backend) => {
  it('echoes bytes back, in order and intact', async () => {
    server = createServer({ backend }, echoHandlers) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    const data = payload(1 << 20)
    c.socket.write(data)
    await until(() => c.bytes === data.length)
    expect(c.received().equals(data)).toBe(true)
    c.socket.destroy()
  })

  it('serves many connections at once, each getting only its own bytes', async () => {
    server = createServer({ backend }, echoHandlers) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const clients = await Promise.all(Array.from({ length: 50 }, () => client(port)))
    const sent = clients.map((c, i) => {
      const data = payload(10_000 + i * 97, i + 1)
      c.socket.write(data)
      return data
    })
    await until(() => clients.every((c, i) => c.bytes === sent[i].length))
    clients.forEach((c, i) => expect(c.received().equals(sent[i])).toBe(true))
    expect(server.connections).toBe(50)
    for (const c of clients) c.socket.destroy()
    await until(() => server!.connections === 0)
    expect(server.stats.accepted).toBe(50)
    expect(server.stats.closed).toBe(50)
  })

  it('listens on IPv6 loopback', async () => {
    server = createServer({ backend }, echoHandlers) as Server
    const { port, family } = await server.listen({ port: 0, host: '::1' })
    expect(family).toBe('IPv6')
    const c = await client(port, '::1')
    c.socket.write('hello')
    await until(() => c.bytes === 5)
    expect(c.received().toString()).toBe('hello')
    c.socket.destroy()
  })

  it('reports addresses and keeps per-connection user data', async () => {
    const seen: Array<{ remote?: string; local?: number; data: unknown }> = []
    server = createServer(
      { backend },
      {
        open(conn) {
          conn.userData = { greeting: 'hi' }
          seen.push({ remote: conn.remoteAddress, local: conn.localPort, data: conn.userData })
        },
        data(conn, chunk) {
          conn.write(`${(conn.userData as { greeting: string }).greeting} ${chunk}`)
        },
      },
    ) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.write('there')
    await until(() => c.bytes === 8)
    expect(c.received().toString()).toBe('hi there')
    expect(seen).toEqual([{ remote: '127.0.0.1', local: port, data: { greeting: 'hi' } }])
    c.socket.destroy()
  })
})

describe('backend resolution', () => {
  it("a server on 'auto' runs what the resolver says 'auto' is (IO_BACKEND's engine in each sweep), with its reason", () => {
    const s = createServer({}, echoHandlers) as Server
    expect({ backend: s.backend, reason: s.backendReason }).toEqual(resolveServerBackend('auto'))
  })

  it('a backend named in code wins over IO_BACKEND', () => {
    // Another engine than 'auto' gives here, so that a server that let the environment decide would fail.
    const explicit = resolveServerBackend('auto').backend === 'epoll-et' ? 'epoll' : 'epoll-et'
    const s = createServer({ backend: explicit }, echoHandlers) as Server
    expect(s.backend).toBe(explicit)
    expect(s.backendReason).toMatch(new RegExp(`^asked for ${explicit}`))
  })
})
