// Zero-downtime restart of io-serve (SIGUSR2) under a bounded load of short exchanges on
// loopback: a new process takes over the listening sockets, the old one drains and exits, and
// not one exchange is refused, reset or cut. The load's greeting names the serving process,
// which shows that the load ran across each handover. The same for io-serve hello under a
// keep-alive HTTP load: the old process answers each connection's next request with
// Connection: close, and the clients' next connections reach the new one.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'
import { ExchangeLoad } from './exchange-load.js'
import { loopTurn, until } from './helpers.js'
import { HttpLoad } from './http-load.js'
import { adopt, alive, deploymentPass, IO_SERVE, ioServe, kill, listeningPort, type Started } from './processes.js'

/**
 * The pid in the `n`th (1-based) "handed over to pid N" line of the output `server` shares with
 * its successors; gives up once the process that should print it (`from`) is gone.
 */
async function handedOver(server: Started, n: number, from = server.child.pid!): Promise<number> {
  const count = () => (server.stdout.match(/handed over to pid \d+/g) ?? []).length
  await until(() => count() >= n || !alive(from))
  // `from` writes its line (synchronously, to the shared pipe) just before it exits, so it can
  // be gone while the line still waits in the pipe: a turn of the loop's poll phase reads it.
  if (count() < n) for (let turn = 0; turn < 2; turn++) await loopTurn()
  const pids = [...server.stdout.matchAll(/handed over to pid (\d+), draining/g)].map((m) => Number(m[1]))
  if (pids.length < n) throw new Error(`no handover ${n} (exited ${server.exited}, ${server.code}, ${server.signal}, alive ${alive(from)}):\n${server.stdout}${server.stderr}`)
  adopt(pids[n - 1])
  return pids[n - 1]
}

/** Waits until the load has completed `more` exchanges beyond now (or failed, or run out). */
async function exchanges(load: ExchangeLoad | HttpLoad, more: number): Promise<void> {
  const target = load.done + more
  await until(() => load.done >= target || load.failed > 0 || load.over)
}

describe.skipIf(!existsSync(IO_SERVE) || !deploymentPass('restart.test.ts'))('io-serve restart (SIGUSR2)', () => {
  it.each([1, 2])('with %i worker(s): two restarts in a row under load, no exchange fails', async (workers) => {
    const first = ioServe(['whoami', '--port', '0', '--workers', String(workers), '--grace', '10000'])
    const port = await listeningPort(first)
    const pids = [first.child.pid!]
    const load = new ExchangeLoad({ port, concurrency: 8, maxExchanges: 20_000 })
    try {
      await exchanges(load, 200)
      first.child.kill('SIGUSR2')
      pids.push(await handedOver(first, 1))
      await until(() => first.exited)
      expect({ code: first.code, signal: first.signal }).toEqual({ code: 0, signal: null })
      await exchanges(load, 200)
      // The successor restarts in turn: it hands over the fds it inherited (3, 4) the same way.
      kill(pids[1], 'SIGUSR2')
      pids.push(await handedOver(first, 2, pids[1]))
      await until(() => !alive(pids[1]))
      await exchanges(load, 200)
    } finally {
      await load.stop()
    }
    expect(load.failures).toEqual([])
    expect(load.over, 'the load ran out before the restarts were done').toBe(false)
    for (const pid of pids) expect(load.served(pid), `exchanges served by pid ${pid}`).toBeGreaterThan(0)
    expect(first.stderr).toBe('')
    kill(pids[2], 'SIGTERM')
    await until(() => !alive(pids[2]))
  })

  it.each([1, 2])('io-serve hello with %i worker(s): two restarts in a row under keep-alive HTTP load, no request fails', async (workers) => {
    const connections = 8
    const first = ioServe(['hello', '--port', '0', '--workers', String(workers), '--grace', '10000'])
    const port = await listeningPort(first)
    const load = new HttpLoad({ port, connections, maxRequests: 40_000 })
    let successor = 0
    let third: number | null = null
    try {
      await exchanges(load, 200)
      expect(load.closing).toBe(0)
      first.child.kill('SIGUSR2')
      successor = await handedOver(first, 1)
      await until(() => first.exited)
      expect({ code: first.code, signal: first.signal }).toEqual({ code: 0, signal: null })
      // The old process closed every connection after one more response: each was told so,
      // and the clients went on over new connections.
      await until(() => load.closing >= connections || load.failed > 0)
      await exchanges(load, 200)
      expect(load.opened).toBeGreaterThanOrEqual(2 * connections)
      kill(successor, 'SIGUSR2')
      third = await handedOver(first, 2, successor)
      await until(() => !alive(successor))
      await exchanges(load, 200)
    } finally {
      await load.stop()
    }
    // After the load: a shutdown closes idle keep-alive connections at once, which a client
    // sending at that moment sees as a reset (the drain delay is for that; see haproxy.test.ts).
    if (third !== null) {
      kill(third, 'SIGTERM')
      await until(() => !alive(third!))
    }
    expect(load.failures).toEqual([])
    expect(load.over, 'the load ran out before the restarts were done').toBe(false)
    // Each restart closed every connection after one response that said so. A client's next
    // connection may still be accepted by the old process (both accept from one queue until it
    // stops) and be closed the same way: one more Connection: close, one more connection.
    expect(load.closing).toBeGreaterThanOrEqual(2 * connections)
    expect(load.opened).toBeGreaterThanOrEqual(3 * connections)
    expect(load.opened).toBeLessThanOrEqual(connections + load.closing)
    expect(first.stderr).toBe('')
  })

  it('a restart whose successor fails leaves the old process serving; the next one succeeds', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'io-restart-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const marker = join(dir, 'fail')
    writeFileSync(marker, '')
    const preload = pathToFileURL(new URL('./fixtures/fail-successor.mjs', import.meta.url).pathname).href
    const server = ioServe(['whoami', '--port', '0'], { env: { ...process.env, IO_TEST_FAIL_SUCCESSOR: marker }, execArgv: ['--import', preload] })
    const port = await listeningPort(server)
    const load = new ExchangeLoad({ port, concurrency: 4, maxExchanges: 20_000 })
    try {
      await exchanges(load, 50)
      server.child.kill('SIGUSR2')
      await until(() => server.stderr.includes('restart failed'))
      expect(server.stderr).toMatch(/io-serve: restart failed, still serving: the successor process \d+ did not take over: it exited \(code 3\) before listening/)
      await exchanges(load, 50)
      expect(server.exited).toBe(false)
      rmSync(marker)
      server.child.kill('SIGUSR2')
      const successor = await handedOver(server, 1)
      await until(() => server.exited)
      await exchanges(load, 50)
      expect(load.served(successor)).toBeGreaterThan(0)
    } finally {
      await load.stop()
    }
    expect(load.failures).toEqual([])
    expect(load.served(server.child.pid!)).toBeGreaterThan(0)
  })

  it.each([
    [['whoami', '--port', '0', '--grace', 'soon'], /bad --grace "soon"/],
    [['whoami', '--port', '0', '--grace', '1.5'], /bad --grace "1.5"/],
    [['whoami', '--port', '0', '--drain-delay', 'soon'], /bad --drain-delay "soon"/],
    [['echo', '--port', '0', '--ready-path', '/readyz'], /--ready-path is for the HTTP commands \(hello, whoami-http, ws-echo\); echo serves raw TCP/],
    [['hello', '--port', '0', '--ready-path', 'readyz'], /"readinessPath" must be a path starting with '\/'/],
  ])('io-serve %j exits 2 with the problem', async (args, message) => {
    const child = ioServe(args)
    await until(() => child.exited)
    expect(child.code).toBe(2)
    expect(child.stderr).toMatch(message)
  })
})
