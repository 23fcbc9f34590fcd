import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type Server } from '@io/server'
import { BACKENDS, backendLabel, client, until } from './helpers.js'

let server: Server | null = null
afterEach(async () => {
  await server?.close({ graceMs: 0 })
  server = null
})

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('idle timeout on %s', (_label, backend) => {
  it('calls timeout, then destroys the connection with ETIMEDOUT', async () => {
    const events: string[] = []
    server = createServer({ backend, idleTimeoutMs: 40 }, {
      timeout() {
        events.push('timeout')
      },
      close(_conn, err) {
        events.push(`close ${(err as { code?: string } | undefined)?.code}`)
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => c.closed)
    expect(events).toEqual(['timeout', 'close ETIMEDOUT'])
  })

  it('a timeout handler that writes keeps the connection open', async () => {
    let timeouts = 0
    server = createServer({ backend, idleTimeoutMs: 30 }, {
      timeout(conn) {
        if (++timeouts < 3) conn.write('ping\n')
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => c.closed)
    expect(timeouts).toBe(3)
    expect(c.received().toString()).toBe('ping\nping\n')
  })

  it('idleTimeoutMs: 0 disables the timeout', async () => {
    server = createServer({ backend, idleTimeoutMs: 0 }, {}) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(c.closed).toBe(false)
    c.socket.destroy()
  })
})
