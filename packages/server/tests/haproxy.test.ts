// Behind a real load balancer: HAProxy (Debian package `haproxy`, installed here with apt-get
// when missing and running as root; skipped with the reason otherwise) in TCP mode in front of
// two io-serve whoami processes on loopback, and in HTTP mode in front of two io-serve
// whoami-http processes checked on their readiness path. HAProxy connects to them from
// 127.0.0.2, the only address they trust for the PROXY protocol; test clients connect from
// 127.0.0.1. Whether a server is UP or DOWN is read from HAProxy's runtime API (`show stat`),
// never guessed.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { sockets } from '@io/core'
import { ExchangeLoad } from './exchange-load.js'
import { exampleConfig, exampleHttpConfig, haproxyConfig, type HaproxyListener } from './haproxy-config.js'
import { client, until } from './helpers.js'
import { HttpClient, get } from './http-helpers.js'
import { HttpLoad } from './http-load.js'
import { alive, deploymentPass, IO_SERVE, ioServe, kill, listeningPort, start, type Started } from './processes.js'

const PROXY_SOURCE = '127.0.0.2'

/** HAProxy's path, installing the Debian package if it is missing and we may; or why not. */
function findOrInstallHaproxy(): { path: string | null; reason: string } {
  const which = () => spawnSync('sh', ['-c', 'command -v haproxy'], { encoding: 'utf8' }).stdout.trim()
  if (which() !== '') return { path: which(), reason: '' }
  if (process.getuid?.() !== 0) return { path: null, reason: 'HAProxy is not installed, and installing it (apt-get install haproxy) needs root' }
  const hadPidFile = existsSync('/run/haproxy.pid')
  const install = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy'], {
    encoding: 'utf8',
    timeout: 300_000,
  })
  // Where no policy forbids it, the package starts its own service: not ours to keep running.
  if (!hadPidFile && existsSync('/run/haproxy.pid')) kill(Number(readFileSync('/run/haproxy.pid', 'utf8')), 'SIGTERM')
  if (which() !== '') return { path: which(), reason: '' }
  const why = (install.error?.message ?? install.stderr.trim().split('\n').pop()) || `exit ${install.status}`
  return { path: null, reason: `apt-get install haproxy failed: ${why}` }
}

const runs = existsSync(IO_SERVE) && deploymentPass('haproxy.test.ts')
const haproxy = runs ? findOrInstallHaproxy() : { path: null, reason: '' }
if (runs && haproxy.path === null) console.log(`haproxy.test.ts: skipped: ${haproxy.reason}`)

/** Waits for an asynchronous condition, looking again every few ms; bounded by a count of looks. */
async function eventually(check: () => Promise<boolean>, looks = 4000): Promise<void> {
  for (let i = 0; i < looks; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  throw new Error('condition not reached')
}

/** `show stat` on HAProxy's runtime API: the status of each server, by "backend/server". */
function serverStatus(statsSocket: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    const socket = connect(statsSocket)
    let text = ''
    socket.on('data', (d) => (text += d))
    socket.on('error', reject)
    socket.on('end', () => {
      const [header, ...rows] = text.trim().split('\n')
      const columns = header.replace(/^# /, '').split(',')
      const [proxy, server, status] = ['pxname', 'svname', 'status'].map((name) => columns.indexOf(name))
      resolve(new Map(rows.map((row) => row.split(',')).map((f) => [`${f[proxy]}/${f[server]}`, f[status]])))
    })
    socket.end('show stat\n')
  })
}

interface Balancer {
  process: Started
  statsSocket: string
  /** Port of each listener, by name. */
  ports: Record<string, number>
  /** Resolves once every listed server has `status` ("UP", "DOWN"). */
  until(servers: string[], status: string): Promise<void>
}

/**
 * Starts HAProxy in the foreground with `haproxyConfig`. Each frontend binds a listening socket
 * made here and passed as an fd (`bind fd@N`), so its port is known without a race.
 */
async function startHaproxy(listeners: Array<Omit<HaproxyListener, 'bind'>>): Promise<Balancer> {
  const dir = mkdtempSync(join(tmpdir(), 'io-haproxy-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const fds = listeners.map(() => {
    const fd = sockets.socket(sockets.constants.AF_INET, sockets.constants.SOCK_STREAM)
    sockets.bind(fd, '127.0.0.1', 0)
    sockets.listen(fd, 1024)
    return fd
  })
  const ports = Object.fromEntries(listeners.map((l, i) => [l.name, sockets.getsockname(fds[i]).port]))
  const statsSocket = join(dir, 'admin.sock')
  const config = join(dir, 'haproxy.cfg')
  writeFileSync(config, haproxyConfig({ statsSocket, source: PROXY_SOURCE, listeners: listeners.map((l, i) => ({ ...l, bind: `fd@${3 + i}` })) }))
  const process = start(haproxy.path!, ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe', ...fds] })
  for (const fd of fds) sockets.close(fd) // HAProxy has them now
  const balancer: Balancer = {
    process,
    statsSocket,
    ports,
    async until(servers, status) {
      await eventually(async () => {
        if (process.exited) throw new Error(`haproxy exited:\n${process.stderr}`)
        const states = await serverStatus(statsSocket).catch(() => new Map<string, string>())
        return servers.every((s) => states.get(s) === status)
      })
    },
  }
  const all = listeners.flatMap((l) => l.servers.map((s) => `${l.name}_servers/${s.name}`))
  await balancer.until(all, 'UP')
  return balancer
}

/** An io-serve whoami process trusting HAProxy's source address for the PROXY protocol. */
async function backend(extra: string[] = []): Promise<{ process: Started; address: string; pid: number }> {
  const process = ioServe(['whoami', '--port', '0', '--proxy-protocol', `${PROXY_SOURCE}/32`, ...extra])
  return { process, address: `127.0.0.1:${await listeningPort(process)}`, pid: process.child.pid! }
}

/**
 * An io-serve whoami-http process with the readiness path /readyz, trusting HAProxy's source
 * address for the PROXY protocol.
 */
async function httpBackend(extra: string[] = []): Promise<{ process: Started; address: string; pid: number }> {
  const process = ioServe(['whoami-http', '--port', '0', '--ready-path', '/readyz', '--proxy-protocol', `${PROXY_SOURCE}/32`, ...extra])
  return { process, address: `127.0.0.1:${await listeningPort(process)}`, pid: process.child.pid! }
}

/** HAProxy in HTTP mode (PROXY v2 towards the servers, checks on /readyz) in front of `servers`. */
function startHttpHaproxy(servers: Array<{ address: string }>): Promise<Balancer> {
  const list = servers.map((s, i) => ({ name: `io${i + 1}`, address: s.address }))
  return startHaproxy([{ name: 'web', sendProxy: 'v2', http: { check: '/readyz' }, servers: list }])
}

/**
 * Restarts each server in turn with SIGUSR2 under `load`, waiting for 200 completions before
 * the first and after each; stops the load. Returns the pids of every generation.
 */
async function rollingRestart(servers: Array<{ process: Started; pid: number }>, load: ExchangeLoad | HttpLoad): Promise<number[]> {
  const pids = servers.map((s) => s.pid)
  try {
    await until(() => load.done >= 200 || load.failed > 0)
    for (const server of servers) {
      server.process.child.kill('SIGUSR2')
      pids.push(Number((await server.process.line(/handed over to pid (\d+)/))[1]))
      await until(() => server.process.exited)
      const served = load.done
      await until(() => load.done >= served + 200 || load.failed > 0 || load.over)
    }
  } finally {
    await load.stop()
  }
  return pids
}

/** The greeting a client gets through `port`. */
async function greeting(port: number): Promise<{ line: string; localPort: number }> {
  const c = await client(port)
  const localPort = c.socket.localPort!
  await until(() => c.received().includes('\n') || c.closed)
  c.socket.destroy()
  return { line: c.received().toString().split('\n')[0], localPort }
}

describe.skipIf(haproxy.path === null)('behind HAProxy', () => {
  it.each([
    ['TCP', exampleConfig()],
    ['HTTP', exampleHttpConfig()],
  ])('docs/deploy.md shows the %s configuration these tests generate, and HAProxy accepts it', (_mode, config) => {
    const page = readFileSync(new URL('../../../docs/deploy.md', import.meta.url), 'utf8')
    expect(page).toContain(config)
    const dir = mkdtempSync(join(tmpdir(), 'io-haproxy-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'example.cfg'), config)
    const check = spawnSync(haproxy.path!, ['-c', '-f', join(dir, 'example.cfg')], { encoding: 'utf8' })
    expect(check.status, check.stdout + check.stderr).toBe(0)
  })

  it('send-proxy and send-proxy-v2: each backend sees the original client address', async () => {
    const servers = await Promise.all([backend(), backend()])
    const list = servers.map((s, i) => ({ name: `io${i + 1}`, address: s.address }))
    const balancer = await startHaproxy([
      { name: 'v1', sendProxy: 'v1', servers: list },
      { name: 'v2', sendProxy: 'v2', servers: list },
    ])
    for (const version of ['v1', 'v2']) {
      const pids = new Set<number>()
      for (let i = 0; i < 4; i++) {
        const { line, localPort } = await greeting(balancer.ports[version])
        const match = /^client 127\.0\.0\.1:(\d+) via 127\.0\.0\.2:\d+ pid (\d+)$/.exec(line)
        expect(match, `${version}: ${line}`).not.toBeNull()
        expect(Number(match![1]), 'the client port HAProxy saw').toBe(localPort)
        pids.add(Number(match![2]))
      }
      expect([...pids].sort(), 'roundrobin reached both').toEqual(servers.map((s) => s.pid).sort())
    }
  })

  it('an untrusted peer sending a PROXY header is refused; a truncated header from a trusted one times out', async () => {
    const server = await backend(['--proxy-timeout', '200'])
    const port = Number(server.address.split(':')[1])
    // 127.0.0.1 is not trusted: a direct client, closed once it sends a header.
    const direct = await client(port, '127.0.0.1', { localAddress: '127.0.0.1' })
    await until(() => direct.received().includes('\n'))
    expect(direct.received().toString()).toMatch(/^client 127\.0\.0\.1:\d+ pid \d+\n$/)
    direct.socket.write('PROXY TCP4 203.0.113.1 127.0.0.1 1234 80\r\n')
    await until(() => direct.closed)
    // 127.0.0.2 is trusted: nothing is served before a whole header, and half a header times out.
    const truncated = await client(port, '127.0.0.1', { localAddress: PROXY_SOURCE })
    truncated.socket.write('PROXY TCP4 203.0.113.1 127.0.0.1 12')
    await until(() => truncated.closed)
    expect(truncated.bytes).toBe(0)
  })

  it('a rolling restart of each backend in turn under steady load: no exchange fails', async () => {
    const servers = await Promise.all([backend(['--grace', '10000']), backend(['--grace', '10000'])])
    const list = servers.map((s, i) => ({ name: `io${i + 1}`, address: s.address }))
    const balancer = await startHaproxy([{ name: 'app', sendProxy: 'v2', servers: list }])
    const load = new ExchangeLoad({ port: balancer.ports.app, concurrency: 8, maxExchanges: 20_000 })
    const pids = await rollingRestart(servers, load)
    expect(load.failures).toEqual([])
    expect(load.over, 'the load ran out before the restarts were done').toBe(false)
    for (const pid of pids) expect(load.served(pid), `exchanges served by pid ${pid}`).toBeGreaterThan(0)
    const states = await serverStatus(balancer.statsSocket)
    expect([states.get('app_servers/io1'), states.get('app_servers/io2')]).toEqual(['UP', 'UP'])
  })

  it('kill -9 of one backend: its health check takes it out, and only its in-flight exchanges fail', async () => {
    const concurrency = 8
    const servers = await Promise.all([backend(), backend()])
    const list = servers.map((s, i) => ({ name: `io${i + 1}`, address: s.address }))
    const balancer = await startHaproxy([{ name: 'app', sendProxy: 'v2', servers: list }])
    const load = new ExchangeLoad({ port: balancer.ports.app, concurrency, maxExchanges: 20_000 })
    const [killed, survivor] = servers
    let startedAtDown = 0
    try {
      await until(() => (load.served(killed.pid) >= 100 && load.served(survivor.pid) >= 100) || load.failed > 0)
      expect(load.failures).toEqual([])
      killed.process.child.kill('SIGKILL')
      await balancer.until(['app_servers/io1'], 'DOWN')
      startedAtDown = load.started
      const served = load.served(survivor.pid)
      await until(() => load.served(survivor.pid) >= served + 200 || load.over)
    } finally {
      await load.stop()
    }
    // Only exchanges in flight on the killed backend failed: greeted by it, or waiting in its
    // queue (not greeted yet); at most one per concurrent client; none started after DOWN.
    console.log(`kill -9 of one backend under ${concurrency} concurrent exchanges: ${load.failed} exchanges failed (in flight on it)`)
    expect(load.failed).toBeLessThanOrEqual(concurrency)
    for (const failure of load.failures) expect([killed.pid, null]).toContain(failure.pid)
    expect(load.failures.filter((f) => f.seq > startedAtDown)).toEqual([])
    expect(alive(survivor.pid)).toBe(true)
    const states = await serverStatus(balancer.statsSocket)
    expect([states.get('app_servers/io1'), states.get('app_servers/io2')]).toEqual(['DOWN', 'UP'])
  })

  it('HTTP mode: each backend sees the original client address through PROXY v2', async () => {
    const servers = await Promise.all([httpBackend(), httpBackend()])
    const balancer = await startHttpHaproxy(servers)
    const pids = new Set<number>()
    for (let i = 0; i < 4; i++) {
      const c = await HttpClient.open(balancer.ports.web)
      await c.send(get('/'))
      const r = await c.response()
      const line = r.body.toString()
      const match = /^client 127\.0\.0\.1:(\d+) via 127\.0\.0\.2:\d+ pid (\d+)\n$/.exec(line)
      expect([r.status, match !== null], line).toEqual([200, true])
      expect(Number(match![1]), 'the client port HAProxy saw').toBe(c.raw.socket.localPort)
      pids.add(Number(match![2]))
      c.destroy()
    }
    expect([...pids].sort(), 'roundrobin reached both').toEqual(servers.map((s) => s.pid).sort())
  })

  it('HTTP mode: a rolling restart of each backend in turn under steady keep-alive load: no request fails', async () => {
    const servers = await Promise.all([httpBackend(['--grace', '10000']), httpBackend(['--grace', '10000'])])
    const balancer = await startHttpHaproxy(servers)
    const load = new HttpLoad({ port: balancer.ports.web, connections: 8, maxRequests: 40_000 })
    const pids = await rollingRestart(servers, load)
    expect(load.failures).toEqual([])
    expect(load.over, 'the load ran out before the restarts were done').toBe(false)
    for (const pid of pids) expect(load.served(pid), `requests served by pid ${pid}`).toBeGreaterThan(0)
    for (const server of servers) expect({ code: server.process.code, signal: server.process.signal }).toEqual({ code: 0, signal: null })
    const states = await serverStatus(balancer.statsSocket)
    expect([states.get('web_servers/io1'), states.get('web_servers/io2')]).toEqual(['UP', 'UP'])
  })

  it('HTTP mode: SIGTERM with --drain-delay: the check sees 503 and takes the backend out while it still serves; no request fails', async () => {
    const servers = await Promise.all([httpBackend(['--drain-delay', '60000']), httpBackend(['--drain-delay', '60000'])])
    const balancer = await startHttpHaproxy(servers)
    const load = new HttpLoad({ port: balancer.ports.web, connections: 8, maxRequests: 40_000 })
    const [stopped, survivor] = servers
    try {
      await until(() => (load.served(stopped.pid) >= 100 && load.served(survivor.pid) >= 100) || load.failed > 0)
      stopped.process.child.kill('SIGTERM')
      await balancer.until(['web_servers/io1'], 'DOWN')
      // Out of the balancer, and still serving: the delay runs until the second SIGTERM.
      expect(stopped.process.exited).toBe(false)
      const served = load.served(survivor.pid)
      await until(() => load.served(survivor.pid) >= served + 200 || load.failed > 0 || load.over)
      stopped.process.child.kill('SIGTERM') // ends the drain delay: the close proper
      await until(() => stopped.process.exited)
      const after = load.served(survivor.pid)
      await until(() => load.served(survivor.pid) >= after + 200 || load.failed > 0 || load.over)
    } finally {
      await load.stop()
    }
    expect(load.failures).toEqual([])
    expect(load.over, 'the load ran out before the test was done').toBe(false)
    expect({ code: stopped.process.code, signal: stopped.process.signal }).toEqual({ code: 0, signal: null })
    expect(stopped.process.stdout).not.toMatch(/handed over/)
    const states = await serverStatus(balancer.statsSocket)
    expect([states.get('web_servers/io1'), states.get('web_servers/io2')]).toEqual(['DOWN', 'UP'])
  })
})
