// The readiness path (HttpServerOptions.readinessPath): answered by the server itself, before
// the handler: 200 "ready" while serving, 503 "draining" with Connection: close from the moment
// close() is called (its drain delay included), 405 for other methods. With worker threads,
// every worker says 503 at once. The drain delays here are ended by a second close(): nothing
// waits for time to pass.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createHttpServer, type WorkerPool } from '@io/server'
import { BACKENDS, backendLabel } from './helpers.js'
import { HttpClient, get, header, httpServer } from './http-helpers.js'

/** One request on `client`: status, body, and the headers this file looks at. */
async function ask(client: HttpClient, request: string, head = false) {
  await client.send(request)
  const r = await client.response(head)
  return { status: r.status, body: r.body.toString(), connection: header(r, 'connection'), allow: header(r, 'allow') }
}

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('readiness path on %s', (_label, backend) => {
  it('answers 200 ready before the handler (query allowed, HEAD too), 405 for other methods, and leaves other paths to the handler', async () => {
    const handled: string[] = []
    const { port } = await httpServer({ backend, readinessPath: '/readyz' }, (req, res) => {
      handled.push(req.url)
      res.end('app')
    })
    const c = await HttpClient.open(port)
    expect(await ask(c, get('/readyz'))).toEqual({ status: 200, body: 'ready\n', connection: undefined, allow: undefined })
    expect(await ask(c, get('/readyz?probe=1&x'))).toMatchObject({ status: 200, body: 'ready\n' })
    expect(await ask(c, 'HEAD /readyz HTTP/1.1\r\nHost: t\r\n\r\n', true)).toMatchObject({ status: 200, body: '' })
    expect(await ask(c, 'GET http://t/readyz HTTP/1.1\r\nHost: t\r\n\r\n')).toMatchObject({ status: 200, body: 'ready\n' })
    expect(await ask(c, 'POST /readyz HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi')).toMatchObject({ status: 405, allow: 'GET, HEAD' })
    expect(await ask(c, 'DELETE /readyz HTTP/1.1\r\nHost: t\r\n\r\n')).toMatchObject({ status: 405, allow: 'GET, HEAD' })
    for (const path of ['/readyz/', '/readyz2', '/READYZ', '/']) expect(await ask(c, get(path))).toMatchObject({ status: 200, body: 'app' })
    expect(handled).toEqual(['/readyz/', '/readyz2', '/READYZ', '/'])
    c.destroy()
  })

  it('answers 503 draining with Connection: close from the moment close() is called, while the drain delay serves on', async () => {
    const { server, port } = await httpServer({ backend, readinessPath: '/readyz' }, (_req, res) => res.end('app'))
    const kept = await HttpClient.open(port)
    expect(await ask(kept, get('/readyz'))).toMatchObject({ status: 200, connection: undefined })
    const delayed = server.close({ delayMs: 60_000 })
    expect(await ask(kept, get('/readyz'))).toEqual({ status: 503, body: 'draining\n', connection: 'close', allow: undefined })
    expect(await kept.closed()).toBe('')
    kept.destroy()
    // During the delay a new connection is still accepted and served, readiness included.
    const probe = await HttpClient.open(port)
    expect(await ask(probe, 'HEAD /readyz HTTP/1.1\r\nHost: t\r\n\r\n', true)).toMatchObject({ status: 503, body: '', connection: 'close' })
    probe.destroy()
    const app = await HttpClient.open(port)
    expect(await ask(app, get('/'))).toMatchObject({ status: 200, body: 'app', connection: 'close' })
    app.destroy()
    await Promise.all([delayed, server.close()])
  })

  it('an upgrade request to the readiness path is answered as a request, not handed to the upgrade hook', async () => {
    let upgraded = 0
    const { port } = await httpServer(
      {
        backend,
        readinessPath: '/readyz',
        upgrade: (_req, conn) => {
          upgraded++
          conn.end()
        },
      },
      (_req, res) => res.end('app'),
    )
    const c = await HttpClient.open(port)
    const r = await ask(c, 'GET /readyz HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n')
    expect([r.status, r.body, upgraded]).toEqual([200, 'ready\n', 0])
    c.destroy()
  })
})

describe('readinessPath option', () => {
  it.each([
    [1, TypeError, 'ERR_INVALID_ARG_TYPE'],
    [null, TypeError, 'ERR_INVALID_ARG_TYPE'],
    ['', RangeError, 'ERR_OUT_OF_RANGE'],
    ['readyz', RangeError, 'ERR_OUT_OF_RANGE'],
    ['/ready z', RangeError, 'ERR_OUT_OF_RANGE'],
    ['/readyz?x=1', RangeError, 'ERR_OUT_OF_RANGE'],
    ['/readyz#top', RangeError, 'ERR_OUT_OF_RANGE'],
    ['/caf\u00e9', RangeError, 'ERR_OUT_OF_RANGE'],
  ])('%j is refused with %o (%s)', (value, type, code) => {
    const make = () => createHttpServer({ readinessPath: value as never }, () => {})
    expect(make).toThrow(type)
    expect(make).toThrow(expect.objectContaining({ code, message: expect.stringContaining('"readinessPath"') }))
  })
})

const built = existsSync(fileURLToPath(new URL('../dist/worker.js', import.meta.url)))

describe.skipIf(!built)('readiness path with worker threads', () => {
  let pool: WorkerPool | null = null
  afterEach(async () => {
    await pool?.close({ graceMs: 0 })
    pool = null
  })

  it('every worker answers 503 the moment the pool is closed, and serves on during the delay', async () => {
    pool = createHttpServer({ workers: 2, readinessPath: '/readyz' }, new URL('./fixtures/http-thread-handler.mjs', import.meta.url)) as WorkerPool
    const { port } = await pool.listen({ port: 0, host: '127.0.0.1' })
    // Keep-alive connections until each worker holds one (which worker: the handler says).
    const held = new Map<string, HttpClient>()
    for (let i = 0; i < 200 && held.size < 2; i++) {
      const c = await HttpClient.open(port)
      expect(await ask(c, get('/readyz'))).toMatchObject({ status: 200, connection: undefined })
      const thread = (await ask(c, get('/'))).body
      if (held.has(thread)) c.destroy()
      else held.set(thread, c)
    }
    expect(held.size).toBe(2)
    const delayed = pool.close({ delayMs: 60_000 })
    for (const c of held.values()) {
      expect(await ask(c, get('/readyz'))).toEqual({ status: 503, body: 'draining\n', connection: 'close', allow: undefined })
      c.destroy()
    }
    const late = await HttpClient.open(port)
    expect(await ask(late, get('/'))).toMatchObject({ status: 200, connection: 'close' })
    late.destroy()
    await Promise.all([delayed, pool.close()])
  })
})
