// Run by the `leak` project (node --expose-gc): fds and heap after many connect/close cycles.
import { describe, expect, it } from 'vitest'
import { createServer, echoHandlers, type Server } from '@io/server'
import { BACKENDS, backendLabel, client, openFdCount, until } from './helpers.js'

const gc = (globalThis as { gc?: () => void }).gc!

async function cycles(port: number, count: number, parallel: number): Promise<void> {
  for (let done = 0; done < count; done += parallel) {
    await Promise.all(
      Array.from({ length: parallel }, async () => {
        const c = await client(port)
        c.socket.write('x')
        await until(() => c.bytes === 1)
        c.socket.end()
        await until(() => c.closed)
      }),
    )
  }
}

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('connect/close cycles on %s', (_label, backend) => {
  it('10000 connect/close cycles leave no fd and no memory behind', async () => {
    const server = createServer({ backend }, echoHandlers) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    await cycles(port, 1000, 50) // warm up: JIT, the table's first growth, pools
    await until(() => server.connections === 0)
    gc()
    const fds = openFdCount()
    const heap = process.memoryUsage().heapUsed
    await cycles(port, 10_000, 50)
    await until(() => server.connections === 0)
    gc()
    expect(openFdCount()).toBe(fds)
    // Per-cycle garbage is collected; what remains must not scale with the cycles (10000
    // leaked Connection objects alone would be over 1 MB).
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(1024 * 1024)
    expect(server.stats.accepted).toBe(11_000)
    expect(server.stats.closed).toBe(11_000)
    await server.close()
  })
})
