// Draining: `server.draining` and the 'draining' event (what a readiness probe reports, set as
// soon as close() starts), and close({ idle: 'keep' }), which lets each connection finish on its
// own instead of closing the idle ones at once.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, echoHandlers, type Connection, type IoServer, type WorkerPool } from '@io/server'
import { BACKENDS, backendLabel, client, until } from './helpers.js'
import { refused } from './socket-probes.js'


/**
 * Waits until connecting to `port` is refused. Not at once: the close starts a microtask after
 * close(), and the io_uring engine closes its listener through the ring (asynchronously).
 */
async function untilRefused(port: number): Promise<void> {
  for (let attempt = 0; attempt < 10_000; attempt++) if (await refused(port)) return
  throw new Error(`port ${port} still accepts`)
}

let server: IoServer | null = null
afterEach(async () => {
  await server?.close({ graceMs: 0 })
  server = null
})

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('draining on %s', (_, backend) => {
  it("close() sets draining and emits 'draining' once, before any connection is closed", async () => {
    const s = createServer({ backend }, echoHandlers)
    server = s
    const { port } = await s.listen({ port: 0, host: '127.0.0.1' })
    const clients = [await client(port), await client(port)]
    await until(() => s.connections === 2)
    const seen: Array<{ draining: boolean; connections: number }> = []
    s.on('draining', () => seen.push({ draining: s.draining, connections: s.connections }))
    expect(s.draining).toBe(false)
    const closed = s.close()
    await s.close()
    await closed
    expect(seen).toEqual([{ draining: true, connections: 2 }])
    expect(s.draining).toBe(true)
    await until(() => clients.every((c) => c.closed))
  })

  it("close({ idle: 'keep' }) stops accepting but lets an idle connection finish; it closes when its peer ends", async () => {
    const s = createServer({ backend }, echoHandlers)
    server = s
    const { port } = await s.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => s.connections === 1)
    let done = false
    const closing = s.close({ idle: 'keep' }).then(() => (done = true))
    expect(s.draining).toBe(true)
    await untilRefused(port)
    c.socket.write('still served')
    await until(() => c.bytes === 12)
    expect(done).toBe(false)
    expect(c.closed).toBe(false)
    c.socket.end()
    await closing
    await until(() => c.closed)
    expect(c.error).toBeUndefined()
  })

  it("close({ idle: 'keep' }): the application's busy = false closes the connection once idle", async () => {
    const s = createServer(
      { backend },
      {
        data(conn: Connection, chunk: Buffer) {
          conn.write(chunk)
          if (chunk.toString() === 'bye') conn.busy = false
        },
      },
    )
    server = s
    const { port } = await s.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => s.connections === 1)
    const closing = s.close({ idle: 'keep' })
    c.socket.write('bye')
    await closing
    await until(() => c.closed)
    expect(c.received().toString()).toBe('bye')
  })

  it("close({ idle: 'keep', graceMs }): a connection still open at the deadline is destroyed", async () => {
    const errors: Array<string | undefined> = []
    const s = createServer({ backend }, { close: (_conn: Connection, err?: Error) => errors.push((err as { code?: string } | undefined)?.code) })
    server = s
    const { port } = await s.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => s.connections === 1)
    await s.close({ idle: 'keep', graceMs: 20 })
    expect(errors).toEqual(['ERR_SERVER_CLOSE_TIMEOUT'])
    await until(() => c.closed)
  })

  it('close({ delayMs }): draining at once, but accepting and serving until close() is called again', async () => {
    const s = createServer({ backend }, echoHandlers)
    server = s
    const { port } = await s.listen({ port: 0, host: '127.0.0.1' })
    const before = await client(port)
    const seen: boolean[] = []
    s.on('draining', () => seen.push(s.draining))
    let done = false
    const delayed = s.close({ delayMs: 60_000 }).then(() => (done = true))
    expect(seen).toEqual([true])
    const late = await client(port) // still accepted
    late.socket.write('late')
    before.socket.write('before')
    await until(() => late.bytes === 4 && before.bytes === 6)
    expect(done).toBe(false)
    const again = s.close()
    await Promise.all([delayed, again])
    await untilRefused(port)
    await until(() => late.closed && before.closed)
    expect(seen).toEqual([true])
  })
})

describe('close options', () => {
  it.each([
    [{ idle: 'later' }, RangeError, /"idle" must be 'close' or 'keep'/],
    [{ idle: 1 }, RangeError, /"idle" must be 'close' or 'keep'/],
    [{ grace: 1 }, TypeError, /unknown close option "grace" \(did you mean "graceMs"\?\)/],
    [{ graceMs: -1 }, RangeError, /"graceMs" must be >= 0/],
    [{ delayMs: -1 }, RangeError, /"delayMs" must be >= 0/],
    [{ delayMs: '5s' }, TypeError, /"delayMs" must be a number/],
    [{ delayMs: NaN }, TypeError, /"delayMs" must be a number/],
  ])('%j is refused, and the server stays up', async (options, type, message) => {
    const s = createServer({}, echoHandlers)
    server = s
    await s.listen({ port: 0, host: '127.0.0.1' })
    const error = await s.close(options as never).catch((err: unknown) => err)
    expect(error).toBeInstanceOf(type)
    expect((error as Error).message).toMatch(message)
    expect(s.draining).toBe(false)
  })
})

const built = existsSync(fileURLToPath(new URL('../dist/worker.js', import.meta.url)))

describe.skipIf(!built)('draining with worker threads', () => {
  it("passes idle: 'keep' to every worker", async () => {
    const pool = createServer({ workers: 2 }, new URL('./fixtures/worker-handlers.mjs', import.meta.url)) as WorkerPool
    server = pool
    const { port } = await pool.listen({ port: 0, host: '127.0.0.1' })
    const clients = await Promise.all([client(port), client(port), client(port), client(port)])
    for (const c of clients) {
      c.socket.write('x')
      await until(() => c.bytes === 1)
    }
    const draining: boolean[] = []
    pool.on('draining', () => draining.push(pool.draining))
    let done = false
    const closing = pool.close({ idle: 'keep' }).then(() => (done = true))
    expect(draining).toEqual([true])
    for (const c of clients) {
      c.socket.write('y')
      await until(() => c.bytes === 2)
    }
    expect(done).toBe(false)
    for (const c of clients) c.socket.end()
    await closing
  })
})
