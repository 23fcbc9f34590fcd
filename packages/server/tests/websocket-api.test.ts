// The WebSocket API as a behaviour sees it, with the `ws` package's client as an independent
// implementation on the other end, on every engine.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocketClient from 'ws'
import { BUFFERED, DROPPED, SENT, createHttpServer, type HttpServer, type WebSocket, type WebSocketBehaviour } from '@io/server'
import { IdleSweeper, type SweepClock } from '../src/engine/idle-sweeper.js'
import { BACKENDS, backendLabel, until } from './helpers.js'
import { HttpClient, header } from './http-helpers.js'

const servers: HttpServer[] = []
const clients: WebSocketClient[] = []
const realClock = IdleSweeper.clock
afterEach(async () => {
  IdleSweeper.clock = realClock
  for (const c of clients.splice(0)) c.terminate()
  await Promise.all(servers.splice(0).map((s) => s.close({ graceMs: 0 })))
})

async function wsServer(backend: string, routes: Record<string, WebSocketBehaviour>): Promise<{ server: HttpServer; port: number }> {
  const server = createHttpServer({ backend: backend as 'auto' }, (_req, res) => res.end('plain'))
  for (const [pattern, behaviour] of Object.entries(routes)) server.ws(pattern, behaviour)
  servers.push(server)
  const { port } = await server.listen(0, '127.0.0.1')
  return { server, port }
}

/** Messages each client received and nobody took yet, and who waits for the next one. */
const inboxes = new WeakMap<WebSocketClient, { messages: Array<{ data: Buffer; isBinary: boolean }>; waiter: ((m: { data: Buffer; isBinary: boolean }) => void) | null }>()

function connect(port: number, path = '/', options: WebSocketClient.ClientOptions = {}, protocols: string[] = []): Promise<WebSocketClient> {
  return new Promise((resolve, reject) => {
    const c = new WebSocketClient(`ws://127.0.0.1:${port}${path}`, protocols, options)
    clients.push(c)
    const inbox = { messages: [] as Array<{ data: Buffer; isBinary: boolean }>, waiter: null as ((m: { data: Buffer; isBinary: boolean }) => void) | null }
    inboxes.set(c, inbox)
    c.on('message', (data: Buffer, isBinary: boolean) => {
      const waiter = inbox.waiter
      inbox.waiter = null
      if (waiter !== null) waiter({ data, isBinary })
      else inbox.messages.push({ data, isBinary })
    })
    c.once('open', () => resolve(c))
    c.once('error', reject)
  })
}

/** The next message `c` received (one already there, or the next to come). */
function next(c: WebSocketClient): Promise<{ data: Buffer; isBinary: boolean }> {
  const inbox = inboxes.get(c)!
  const queued = inbox.messages.shift()
  if (queued !== undefined) return Promise.resolve(queued)
  return new Promise((resolve) => (inbox.waiter = resolve))
}

function closed(c: WebSocketClient): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => c.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })))
}

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('WebSocket API on %s', (_label, backend) => {
  it('echoes text and binary both ways with the ws client, and reports the close handshake', async () => {
    const events: string[] = []
    const { port } = await wsServer(backend, {
      '/echo': {
        open: (ws) => events.push(`open ${ws.remoteAddress}`),
        message: (ws, data, isBinary) => ws.send(data, isBinary),
        close: (_ws, code, reason) => events.push(`close ${code} ${reason.toString()}`),
      },
    })
    const c = await connect(port, '/echo')
    c.send('héllo')
    expect(await next(c)).toEqual({ data: Buffer.from('héllo'), isBinary: false })
    const big = Buffer.alloc(200_000, 7)
    c.send(big)
    const echoed = await next(c)
    expect(echoed.isBinary).toBe(true)
    expect(echoed.data.equals(big)).toBe(true)
    const done = closed(c)
    c.close(4000, 'bye')
    expect(await done).toEqual({ code: 4000, reason: '' })
    await until(() => events.length === 2)
    expect(events).toEqual(['open 127.0.0.1', 'close 4000 bye'])
  })

  it('upgrade accepts with user data or refuses, also asynchronously; subprotocols are negotiated', async () => {
    const { port } = await wsServer(backend, {
      '/room/*': {
        async upgrade(req, ctx) {
          await Promise.resolve()
          if (req.query === 'deny') return ctx.refuse(403, 'no')
          ctx.accept({ user: req.path.slice(6) }, { protocol: 'chat.v2' })
        },
        open: (ws) => ws.send(`welcome ${(ws.getUserData() as { user: string }).user}`),
      },
    })
    const c = await connect(port, '/room/ada', {}, ['chat.v1', 'chat.v2'])
    expect(c.protocol).toBe('chat.v2')
    expect((await next(c)).data.toString()).toBe('welcome ada')
    const refused = await HttpClient.open(port)
    await refused.send(
      'GET /room/x?deny HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    )
    const answer = await refused.response()
    expect([answer.status, answer.body.toString()]).toEqual([403, 'no'])
    await refused.closed()
  })

  it('a plain request to a WebSocket route gets 426 with the upgrade it needs', async () => {
    const { port } = await wsServer(backend, { '/live': { message() {} } })
    const c = await HttpClient.open(port)
    await c.send('GET /live HTTP/1.1\r\nHost: t\r\n\r\n')
    const r = await c.response()
    expect([r.status, header(r, 'upgrade'), header(r, 'sec-websocket-version')]).toEqual([426, 'websocket', '13'])
    await c.send('GET /other HTTP/1.1\r\nHost: t\r\n\r\n')
    expect((await c.response()).body.toString()).toBe('plain')
    c.destroy()
  })

  it('publish frames a message once for every subscriber; ws.publish skips the sender', async () => {
    let server: HttpServer | null = null
    const { server: s, port } = await wsServer(backend, {
      '/sub': {
        open: (ws) => ws.subscribe('news'),
        message: (ws, data, isBinary) => ws.publish('news', data, isBinary),
        close: (ws) => expect(ws.getTopics()).toEqual([]),
      },
    })
    server = s
    const subscribers = await Promise.all(Array.from({ length: 20 }, () => connect(port, '/sub')))
    await until(() => server!.numSubscribers('news') === 20)
    const got = subscribers.map((c) => next(c))
    expect(server.publish('news', 'extra!')).toBe(20)
    expect((await Promise.all(got)).map((m) => m.data.toString())).toEqual(new Array(20).fill('extra!'))
    const others = subscribers.slice(1).map((c) => next(c))
    subscribers[0].send(Buffer.from([1, 2, 3]))
    const fromPeer = await Promise.all(others)
    expect(fromPeer.every((m) => m.isBinary && m.data.equals(Buffer.from([1, 2, 3])))).toBe(true)
    expect(inboxes.get(subscribers[0])!.messages).toEqual([]) // the sender got nothing back
    subscribers[5].close()
    await until(() => server!.numSubscribers('news') === 19)
  })

  it('send reports SENT, BUFFERED past the high-water mark, and DROPPED over maxBackpressure', async () => {
    const statuses: number[] = []
    let socket: WebSocket | null = null
    const { port } = await wsServer(backend, {
      '/flood': {
        maxBackpressure: 4 * 1024 * 1024,
        open(ws) {
          socket = ws
        },
      },
    })
    const c = await connect(port, '/flood')
    c.pause() // reads nothing: the server's output piles up
    await until(() => socket !== null)
    const piece = Buffer.alloc(16 * 1024, 1)
    for (let i = 0; i < 1024; i++) statuses.push(socket!.send(piece)) // 16 MB, more than the kernel holds
    expect(statuses[0]).toBe(SENT)
    expect(statuses).toContain(BUFFERED)
    expect(statuses.at(-1)).toBe(DROPPED)
    c.terminate()
  })

  it('for await yields copies of the messages', async () => {
    const seen: string[] = []
    const { port } = await wsServer(backend, {
      '/iter': {
        async open(ws) {
          for await (const msg of ws) {
            seen.push(msg.data.toString())
            if (seen.length === 3) ws.end(1000, 'enough')
          }
        },
      },
    })
    const c = await connect(port, '/iter')
    const done = closed(c)
    c.send('a')
    c.send('b')
    c.send('c')
    expect(await done).toEqual({ code: 1000, reason: 'enough' })
    expect(seen).toEqual(['a', 'b', 'c'])
  })

  it('pings an idle client and closes one that does not answer (half-open), on a stepped clock', async () => {
    const sweeps = new Set<() => void>()
    const clock: SweepClock = {
      every(_ms, sweep) {
        sweeps.add(sweep)
        return () => sweeps.delete(sweep)
      },
    }
    IdleSweeper.clock = clock
    const sweep = (n: number) => {
      for (let i = 0; i < n; i++) for (const s of [...sweeps]) s()
    }
    const closes: number[] = []
    let pongs = 0
    const { port } = await wsServer(backend, {
      '/idle': { idleTimeoutMs: 10_000, close: (_ws, code) => closes.push(code), pong: () => pongs++ },
    })
    const alive = await connect(port, '/idle')
    let pings = 0
    alive.on('ping', () => pings++) // the ws client answers pings with pongs by itself
    const silent = await connect(port, '/idle', { autoPong: false } as WebSocketClient.ClientOptions)
    let silentPings = 0
    silent.on('ping', () => silentPings++)
    // keepAliveTimeoutMs is 5000: a tick is 625 ms, so 10 s of silence is 16 ticks.
    sweep(17)
    await until(() => pings === 1 && silentPings === 1 && pongs === 1) // the live one answered
    const silentClosed = closed(silent)
    sweep(17)
    await silentClosed
    expect(closes).toEqual([1006])
    expect(alive.readyState).toBe(WebSocketClient.OPEN)
  })

  it('idleTimeoutMs: 0 keeps a silent WebSocket open, with a tick limit that stays a small integer', async () => {
    const sweeps = new Set<() => void>()
    IdleSweeper.clock = {
      every(_ms, sweep) {
        sweeps.add(sweep)
        return () => sweeps.delete(sweep)
      },
    }
    const opened: WebSocket[] = []
    let pinged = 0
    const { port } = await wsServer(backend, { '/forever': { idleTimeoutMs: 0, open: (ws) => opened.push(ws) } })
    const silent = await connect(port, '/forever', { autoPong: false } as WebSocketClient.ClientOptions)
    silent.on('ping', () => pinged++)
    await until(() => opened.length === 1)
    for (let i = 0; i < 1000; i++) for (const sweep of [...sweeps]) sweep()
    // The sweep compares an int32 tick difference with it. A number past 2^31 - 1 (such as
    // Number.MAX_SAFE_INTEGER) would make V8 box that field in every Connection made afterwards.
    expect(opened[0].conn.idleTicks).toBeLessThanOrEqual(0x7fffffff)
    // A round trip: whatever the sweeps made the server send (a ping, a close) has arrived.
    await new Promise((resolve) => {
      silent.once('pong', resolve)
      silent.once('close', resolve)
      silent.ping()
    })
    expect(silent.readyState).toBe(WebSocketClient.OPEN)
    expect(pinged).toBe(0)
  })
})

describe('io-serve ws-echo', () => {
  it('echoes messages as the same type', async () => {
    const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
    const child = spawn(process.execPath, [cli, 'ws-echo', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      let out = ''
      child.stdout!.on('data', (d) => (out += d))
      await until(() => out.includes('\n') || child.exitCode !== null)
      const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1])
      const c = await connect(port, '/echo')
      c.send('ping?')
      expect(await next(c)).toEqual({ data: Buffer.from('ping?'), isBinary: false })
      c.send(Buffer.from([0, 1]))
      expect(await next(c)).toEqual({ data: Buffer.from([0, 1]), isBinary: true })
    } finally {
      child.kill('SIGKILL')
    }
  })
})
