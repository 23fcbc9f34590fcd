// How an HTTP server drains: close() with idle: 'close' (the default: idle keep-alive
// connections close at once, responses in flight say Connection: close and their connection
// closes after them), with idle: 'keep' (what io-serve's restart uses: each connection closes
// right after its next response, which says Connection: close, or at the deadline), and with a
// drain delay (serving on, every response saying Connection: close, until close() is called
// again). Nothing waits for time to pass: a delay of a minute is ended by the second close().
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createHttpServer, type HttpResponse, type WorkerPool } from '@io/server'
import { BACKENDS, backendLabel, until } from './helpers.js'
import { HttpClient, get, header, httpServer } from './http-helpers.js'

/** A keep-alive connection that has had one answer from `path` already. */
async function keptAlive(port: number, path = '/'): Promise<{ client: HttpClient; body: string }> {
  const client = await HttpClient.open(port)
  await client.send(get(path))
  const r = await client.response()
  expect(header(r, 'connection')).toBeUndefined()
  return { client, body: r.body.toString() }
}

/** Sends `GET path` on `client` and reads the answer: its body and its Connection header. */
async function exchange(client: HttpClient, path = '/'): Promise<[string, string | undefined]> {
  await client.send(get(path))
  const r = await client.response()
  return [r.body.toString(), header(r, 'connection')]
}

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('HTTP drain on %s', (_label, backend) => {
  it("idle: 'close': idle keep-alive connections close at once, a response in flight says Connection: close", async () => {
    let pending: HttpResponse | null = null
    const { server, port } = await httpServer({ backend }, (req, res) => {
      if (req.path === '/slow') pending = res
      else res.end('quick')
    })
    const idle = await keptAlive(port)
    const silent = await HttpClient.open(port) // connected, never sent a byte
    const busy = await HttpClient.open(port)
    await busy.send(get('/slow'))
    await until(() => pending !== null)
    let closed = false
    const closing = server.close({ graceMs: 60_000 }).then(() => (closed = true))
    expect(await idle.client.closed()).toBe('')
    expect(await silent.closed()).toBe('')
    expect(closed).toBe(false)
    pending!.end('late')
    const last = await busy.response()
    expect([last.body.toString(), header(last, 'connection')]).toEqual(['late', 'close'])
    expect(await busy.closed()).toBe('')
    await closing
  })

  it("idle: 'keep': each keep-alive connection closes right after its next response, which says Connection: close", async () => {
    let pending: HttpResponse | null = null
    const { server, port } = await httpServer({ backend }, (req, res) => {
      if (req.path === '/slow') pending = res
      else res.end(`answer ${req.path}`)
    })
    const idle = [await keptAlive(port), await keptAlive(port)]
    const silent = await HttpClient.open(port)
    await until(() => server.connections === 3)
    const busy = await HttpClient.open(port)
    await busy.send(get('/slow'))
    await until(() => pending !== null)
    let closed = false
    const closing = server.close({ graceMs: 60_000, idle: 'keep' }).then(() => (closed = true))
    expect(server.draining).toBe(true)
    // Still open: each answers one more request, then closes.
    expect(await exchange(idle[0].client, '/a')).toEqual(['answer /a', 'close'])
    expect(await idle[0].client.closed()).toBe('')
    expect(await exchange(silent, '/b')).toEqual(['answer /b', 'close'])
    expect(await silent.closed()).toBe('')
    pending!.end('late')
    const last = await busy.response()
    expect([last.body.toString(), header(last, 'connection')]).toEqual(['late', 'close'])
    expect(await busy.closed()).toBe('')
    expect(closed).toBe(false)
    expect(await exchange(idle[1].client, '/c')).toEqual(['answer /c', 'close'])
    expect(await idle[1].client.closed()).toBe('')
    await closing
    expect(server.connections).toBe(0)
  })

  it("idle: 'keep': a keep-alive connection that sends nothing more is closed at the deadline", async () => {
    const { server, port } = await httpServer({ backend }, (_req, res) => res.end('ok'))
    const idle = await keptAlive(port)
    await server.close({ graceMs: 1, idle: 'keep' })
    expect(await idle.client.closed()).toBe('')
    expect(server.connections).toBe(0)
  })

  it('delayMs: serves on (new connections too) with Connection: close until close() is called again', async () => {
    const { server, port } = await httpServer({ backend }, (req, res) => res.end(`answer ${req.path}`))
    const before = await keptAlive(port)
    let closed = false
    const draining: boolean[] = []
    server.on('draining', () => draining.push(server.draining))
    const delayed = server.close({ delayMs: 60_000 }).then(() => (closed = true))
    expect(draining).toEqual([true])
    expect(await exchange(before.client, '/a')).toEqual(['answer /a', 'close'])
    expect(await before.client.closed()).toBe('')
    // The listener still accepts, and its connections are served: each for one response.
    const late = await HttpClient.open(port)
    expect(await exchange(late, '/b')).toEqual(['answer /b', 'close'])
    expect(await late.closed()).toBe('')
    // The server has ended its side of both; their ends leave once the clients end theirs.
    before.client.destroy()
    late.destroy()
    const idle = await HttpClient.open(port)
    await until(() => server.connections === 1)
    expect(closed).toBe(false)
    const again = server.close()
    expect(await idle.closed()).toBe('') // the close proper: idle connections close at once
    await Promise.all([delayed, again])
    expect(draining).toEqual([true])
  })

  it("delayMs with idle: 'keep': a connection answered during the delay (its side ended) does not hold the close", async () => {
    const { server, port } = await httpServer({ backend }, (_req, res) => res.end('ok'))
    const half = await keptAlive(port)
    const delayed = server.close({ delayMs: 60_000, idle: 'keep', graceMs: 60_000 })
    expect(await exchange(half.client)).toEqual(['ok', 'close'])
    expect(await half.client.closed()).toBe('') // the server's FIN; the client keeps its side open
    await Promise.all([delayed, server.close()])
    expect(server.connections).toBe(0)
  })
})

const built = existsSync(fileURLToPath(new URL('../dist/worker.js', import.meta.url)))

/** Keep-alive connections to a pool until both worker threads hold at least one (bounded). */
async function onEveryWorker(port: number): Promise<Array<{ client: HttpClient; thread: string }>> {
  const open: Array<{ client: HttpClient; thread: string }> = []
  for (let i = 0; i < 200 && new Set(open.map((c) => c.thread)).size < 2; i++) {
    const { client, body } = await keptAlive(port)
    open.push({ client, thread: body })
  }
  expect(new Set(open.map((c) => c.thread)).size).toBe(2)
  return open
}

describe.skipIf(!built)('HTTP drain with worker threads', () => {
  let pool: WorkerPool | null = null
  afterEach(async () => {
    await pool?.close({ graceMs: 0 })
    pool = null
  })

  async function startPool(): Promise<number> {
    pool = createHttpServer({ workers: 2 }, new URL('./fixtures/http-thread-handler.mjs', import.meta.url)) as WorkerPool
    return (await pool.listen({ port: 0, host: '127.0.0.1' })).port
  }

  it("idle: 'close': every worker closes its idle keep-alive connections at once", async () => {
    const port = await startPool()
    const open = await onEveryWorker(port)
    const closing = pool!.close({ graceMs: 60_000 })
    for (const { client } of open) expect(await client.closed()).toBe('')
    await closing
  })

  it("idle: 'keep': on every worker, a keep-alive connection closes after its next response", async () => {
    const port = await startPool()
    const open = await onEveryWorker(port)
    let closed = false
    const closing = pool!.close({ graceMs: 60_000, idle: 'keep' }).then(() => (closed = true))
    for (const { client, thread } of open) {
      expect(closed).toBe(false)
      expect(await exchange(client)).toEqual([thread, 'close'])
      expect(await client.closed()).toBe('')
    }
    await closing
  })

  it('delayMs: every worker answers with Connection: close at once, and serves new connections until close() again', async () => {
    const port = await startPool()
    const open = await onEveryWorker(port)
    const delayed = pool!.close({ delayMs: 60_000 })
    for (const { client, thread } of open) {
      expect(await exchange(client)).toEqual([thread, 'close'])
      expect(await client.closed()).toBe('')
    }
    const threads = new Set<string>()
    for (let i = 0; i < 200 && threads.size < 2; i++) {
      const late = await HttpClient.open(port)
      const [thread, connection] = await exchange(late)
      expect(connection).toBe('close')
      threads.add(thread)
      late.destroy()
    }
    expect(threads.size, 'both workers serve during the delay').toBe(2)
    await Promise.all([delayed, pool!.close()])
  })
})
