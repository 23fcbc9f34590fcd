// HTTP connections over time: graceful close, the headers timeout (slowloris), the keep-alive
// idle timeout, real clients (fetch, curl), workers and io-serve hello. Timeouts run on a
// clock the test steps: nothing here waits for real time to pass.
import { execFile, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createHttpServer, type HttpResponse } from '@io/server'
import { IdleSweeper, type SweepClock } from '../src/engine/idle-sweeper.js'
import { HttpProtocol, type HttpClock } from '../src/http/http-protocol.js'
import { BACKENDS, backendLabel, until } from './helpers.js'
import { HttpClient, get, header, httpServer } from './http-helpers.js'

/** Sweeps the test runs itself, and a clock it moves. */
function steppedClock(): { now: number; sweep(): void } {
  const sweeps = new Set<() => void>()
  const state = {
    now: 1_000_000,
    sweep: () => [...sweeps].forEach((s) => s()),
  }
  const clock: HttpClock & SweepClock = {
    now: () => state.now,
    every(_ms, sweep) {
      sweeps.add(sweep)
      return () => sweeps.delete(sweep)
    },
  }
  IdleSweeper.clock = clock
  HttpProtocol.clock = clock
  return state
}

const realSweepClock = IdleSweeper.clock
const realHttpClock = HttpProtocol.clock
afterEach(() => {
  IdleSweeper.clock = realSweepClock
  HttpProtocol.clock = realHttpClock
})

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('HTTP connections over time on %s', (_label, backend) => {
  it('graceful close: idle keep-alive connections close at once, in-flight requests finish with Connection: close', async () => {
    let pending: HttpResponse | null = null
    const { server, port } = await httpServer({ backend }, (req, res) => {
      if (req.path === '/slow') pending = res
      else res.end('quick')
    })
    const idle = await HttpClient.open(port)
    await idle.send(get('/'))
    expect((await idle.response()).body.toString()).toBe('quick')
    const busy = await HttpClient.open(port)
    await busy.send(get('/slow'))
    await until(() => pending !== null)
    let closed = false
    const closing = server.close({ graceMs: 60_000 }).then(() => (closed = true))
    expect(await idle.closed()).toBe('') // closed at once, with nothing sent
    expect(closed).toBe(false)
    pending!.end('late')
    const last = await busy.response()
    expect([last.body.toString(), header(last, 'connection')]).toEqual(['late', 'close'])
    await busy.closed()
    await closing
  })

  it('graceful close forces what is still busy at the deadline', async () => {
    const { server, port } = await httpServer({ backend }, () => {}) // never answers
    const c = await HttpClient.open(port)
    await c.send(get('/'))
    await until(() => server.connections === 1)
    await server.close({ graceMs: 1 })
    await c.closed()
    expect(server.connections).toBe(0)
  })

  it('answers 408 and closes when a request head trickles in slower than headersTimeoutMs (slowloris)', async () => {
    const clock = steppedClock()
    const { server, port } = await httpServer({ backend, headersTimeoutMs: 10_000 }, (_req, res) => res.end('x'))
    const protocol = (server as unknown as { reactor: { handlers: HttpProtocol } }).reactor.handlers
    const c = await HttpClient.open(port)
    await c.send('GET / HTTP/1.1\r\n')
    await until(() => protocol.waitingHeads === 1) // the server has the first bytes: the clock starts now
    for (let i = 0; i < 5; i++) {
      clock.now += 1_000
      clock.sweep()
      await c.send(`X-Drip-${i}: 1\r\n`) // bytes keep coming, but the head never completes
    }
    expect(c.raw.received().length).toBe(0)
    clock.now += 6_000 // 11 s after the head's first byte
    clock.sweep()
    const r = await c.response()
    expect([r.status, header(r, 'connection')]).toEqual([408, 'close'])
    expect(await c.closed()).toBe('')
  })

  it('closes an idle keep-alive connection after keepAliveTimeoutMs, but not one whose handler is working', async () => {
    const clock = steppedClock()
    let pending: HttpResponse | null = null
    const { server, port } = await httpServer({ backend, keepAliveTimeoutMs: 800 }, (req, res) => {
      if (req.path === '/slow') pending = res
      else res.end('x')
    })
    const idle = await HttpClient.open(port)
    await idle.send(get('/'))
    await idle.response()
    const busy = await HttpClient.open(port)
    await busy.send(get('/slow'))
    await until(() => pending !== null)
    for (let i = 0; i < 9; i++) clock.sweep() // 9 sweeps of 100 ms: idle for more than 800 ms
    expect(await idle.closed()).toBe('')
    expect(server.connections).toBe(1) // the busy one stays
    pending!.end('done')
    expect((await busy.response()).body.toString()).toBe('done')
    busy.destroy()
  })

  it('serves fetch (undici) with keep-alive: GET and POST', async () => {
    const { port } = await httpServer({ backend }, async (req, res) => {
      res.setHeader('content-type', 'text/plain')
      res.end(req.method === 'POST' ? `posted ${await req.text()}` : `got ${req.url}`)
    })
    const base = `http://127.0.0.1:${port}`
    const a = await fetch(`${base}/x?y=1`)
    expect([a.status, await a.text()]).toEqual([200, 'got /x?y=1'])
    const b = await fetch(`${base}/`, { method: 'POST', body: 'form' })
    expect(await b.text()).toBe('posted form')
  })
})

describe('HTTP with real processes', () => {
  const curl = ['/usr/bin/curl', '/bin/curl'].find(existsSync)

  it.skipIf(curl === undefined)('curl reuses one keep-alive connection for two requests', async () => {
    const { port } = await httpServer({}, (req, res) => res.end(req.url))
    const out = await new Promise<string>((resolve, reject) =>
      execFile(curl!, ['-sv', `http://127.0.0.1:${port}/a`, `http://127.0.0.1:${port}/b`], (err, stdout, stderr) =>
        err ? reject(err) : resolve(stdout + stderr),
      ),
    )
    expect(out).toContain('/a/b')
    expect(out).toMatch(/Re-using existing connection|Reusing existing connection/)
  })
  if (curl === undefined) console.warn('curl test skipped: curl is not installed')

  it('a handler that throws, with no error handler, is an uncaught exception (the request got its 500 first)', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/throwing-http.ts', import.meta.url))
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'pipe'] })
    try {
      let out = ''
      let err = ''
      child.stdout!.on('data', (d) => (out += d))
      child.stderr!.on('data', (d) => (err += d))
      const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
      await until(() => /listening \d+/.test(out) || child.exitCode !== null)
      const port = Number(/listening (\d+)/.exec(out)![1])
      const r = await fetch(`http://127.0.0.1:${port}/boom`).catch(() => null)
      expect(r === null || r.status === 500).toBe(true)
      expect(await exit).toBe(1)
      expect(err).toContain('boom from an HTTP handler')
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('io-serve hello answers 200 Hello World! (with two workers)', async () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
    const child = spawn(process.execPath, [cli, 'hello', '--port', '0', '--workers', '2'], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      let out = ''
      child.stdout!.on('data', (d) => (out += d))
      await until(() => out.includes('\n') || child.exitCode !== null)
      const port = Number(/listening on 127\.0\.0\.1:(\d+) \(backend \S+, 2 workers\)/.exec(out)?.[1])
      expect(port).toBeGreaterThan(0)
      const r = await fetch(`http://127.0.0.1:${port}/anything`)
      expect([r.status, await r.text()]).toEqual([200, 'Hello World!'])
    } finally {
      child.kill('SIGKILL')
    }
  })

  it('createHttpServer with workers takes a handler module', async () => {
    const module = fileURLToPath(new URL('./fixtures/http-handler.mjs', import.meta.url))
    const server = createHttpServer({ workers: 2 }, module)
    try {
      const { port } = await server.listen(0, '127.0.0.1')
      const r = await fetch(`http://127.0.0.1:${port}/w`)
      expect(await r.text()).toMatch(/^worker says \/w$/)
    } finally {
      await server.close({ graceMs: 0 })
    }
  })
})
