// systemd socket activation: listen({ systemd }) and `io-serve --systemd`. The variables are
// read as sd_listen_fds(3) reads them (unit tests with a made-up environment), then for real:
// a harness does what systemd does (a listening socket passed as fd 3, LISTEN_FDS, LISTEN_PID
// set to the child's own pid by `exec` from a shell), and, where installed, the real
// `systemd-socket-activate` (Debian package `systemd`) starts io-serve.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { sockets } from '@io/core'
import { readListenFds } from '../src/tcp/systemd.js'
import { client, until } from './helpers.js'
import { IO_SERVE, ioServe, listeningPort, start, type Started } from './processes.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/activated-server.mjs', import.meta.url))
const built = existsSync(IO_SERVE)
const { AF_INET, SOCK_STREAM } = sockets.constants

describe('readListenFds (sd_listen_fds semantics)', () => {
  it.each([
    [{}, 'LISTEN_FDS is not set'],
    [{ LISTEN_FDS: '1' }, 'LISTEN_PID is not set'],
    [{ LISTEN_FDS: '1', LISTEN_PID: '99' }, 'LISTEN_PID=99 names another process (this one is 42)'],
    [{ LISTEN_FDS: '1', LISTEN_PID: '042' }, 'LISTEN_PID="042" is not a process id'],
    [{ LISTEN_FDS: 'two', LISTEN_PID: '42' }, 'LISTEN_FDS="two" is not a count'],
    [{ LISTEN_FDS: '-1', LISTEN_PID: '42' }, 'LISTEN_FDS="-1" is not a count'],
    [{ LISTEN_FDS: '0', LISTEN_PID: '42' }, 'LISTEN_FDS=0'],
    [{ LISTEN_FDS: '2', LISTEN_PID: '42', LISTEN_FDNAMES: 'web' }, 'LISTEN_FDNAMES has 1 names for LISTEN_FDS=2 sockets'],
  ])('%j: none, because %s; the variables are removed', (variables, reason) => {
    const env: Record<string, string | undefined> = { ...variables, OTHER: 'kept' }
    expect(readListenFds(env, 42)).toEqual({ sockets: [], reason })
    expect(env).toEqual({ OTHER: 'kept' })
  })

  it('numbers the sockets from fd 3, with their names ("unknown" without LISTEN_FDNAMES)', () => {
    const env: Record<string, string | undefined> = { LISTEN_FDS: '3', LISTEN_PID: '42', LISTEN_FDNAMES: 'web:admin:web' }
    expect(readListenFds(env, 42).sockets).toEqual([
      { fd: 3, name: 'web' },
      { fd: 4, name: 'admin' },
      { fd: 5, name: 'web' },
    ])
    expect(env).toEqual({})
    expect(readListenFds({ LISTEN_FDS: '1', LISTEN_PID: '42' }, 42).sockets).toEqual([{ fd: 3, name: 'unknown' }])
  })
})

/** Listening sockets made here, as systemd makes them before starting a service. */
const made: number[] = []
afterEach(() => {
  for (const fd of made.splice(0)) sockets.close(fd)
})

function listeningSocket(): { fd: number; port: number } {
  const fd = sockets.socket(AF_INET, SOCK_STREAM)
  made.push(fd)
  sockets.bind(fd, '127.0.0.1', 0)
  sockets.listen(fd, 64)
  return { fd, port: sockets.getsockname(fd).port }
}

/**
 * What systemd does for a service: `fds` become fds 3, 4, ... of a child whose LISTEN_PID is
 * its own pid (a shell sets it, then execs the program in its place, keeping the pid).
 */
function activate(fds: number[], names: string | undefined, command: string[], env: NodeJS.ProcessEnv = {}): Started {
  const variables: NodeJS.ProcessEnv = { ...process.env, ...env, LISTEN_FDS: String(fds.length) }
  if (names !== undefined) variables.LISTEN_FDNAMES = names
  return start('/bin/sh', ['-c', 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"', 'sh', ...command], {
    env: variables,
    stdio: ['ignore', 'pipe', 'pipe', ...fds],
  })
}

async function echoes(port: number, text: string): Promise<void> {
  const c = await client(port)
  c.socket.write(text)
  await until(() => c.bytes === text.length)
  expect(c.received().toString()).toBe(text)
  c.socket.destroy()
}

describe.skipIf(!built)('socket activation, with a harness that does what systemd does', () => {
  it('listen({ systemd: true }) serves on fd 3 and clears the variables', async () => {
    const socket = listeningSocket()
    const child = activate([socket.fd], undefined, [process.execPath, FIXTURE], { IO_TEST_SYSTEMD: 'true' })
    const report = JSON.parse((await child.line(/^\{.*\}\n/m))[0])
    expect(report).toEqual({ port: socket.port, fds: [3], left: [] })
    await echoes(socket.port, 'activated')
  })

  it("listen({ systemd: 'admin' }) picks the socket of that name", async () => {
    const web = listeningSocket()
    const admin = listeningSocket()
    const child = activate([web.fd, admin.fd], 'web:admin', [process.execPath, FIXTURE], { IO_TEST_SYSTEMD: 'admin' })
    const report = JSON.parse((await child.line(/^\{.*\}\n/m))[0])
    expect(report).toEqual({ port: admin.port, fds: [4], left: [] })
    await echoes(admin.port, 'by name')
  })

  it.each([
    ['a name that was not passed', 'web', { IO_TEST_SYSTEMD: 'admin' }, /no socket named "admin" was passed by systemd; passed: web \(fd 3\)/],
    ['two sockets for one server', 'web:admin', { IO_TEST_SYSTEMD: 'true' }, /systemd passed 2 sockets for one listening socket per worker thread \(1\): pick by name/],
  ])('%s: ERR_SOCKET_ACTIVATION', async (_, names, env, message) => {
    const fds = names.split(':').map(() => listeningSocket().fd)
    const child = activate(fds, names, [process.execPath, FIXTURE], env)
    const report = JSON.parse((await child.line(/^\{.*\}\n/m))[0])
    expect(report.code).toBe('ERR_SOCKET_ACTIVATION')
    expect(report.error).toMatch(message)
  })

  it('variables meant for another process (LISTEN_PID) are not taken', async () => {
    const socket = listeningSocket()
    const child = start(process.execPath, [FIXTURE], {
      env: { ...process.env, LISTEN_FDS: '1', LISTEN_PID: String(process.pid), IO_TEST_SYSTEMD: 'true' },
      stdio: ['ignore', 'pipe', 'pipe', socket.fd],
    })
    const report = JSON.parse((await child.line(/^\{.*\}\n/m))[0])
    expect(report).toEqual({ code: 'ERR_SOCKET_ACTIVATION', error: expect.stringMatching(/LISTEN_PID=\d+ names another process/) })
  })

  it('io-serve --systemd, and --systemd with two worker threads (one socket each)', async () => {
    const one = listeningSocket()
    const single = activate([one.fd], undefined, [process.execPath, IO_SERVE, 'echo', '--systemd'])
    expect(await listeningPort(single)).toBe(one.port)
    await echoes(one.port, 'io-serve activated')

    const a = listeningSocket()
    const b = listeningSocket()
    const pool = activate([a.fd, b.fd], 'web:web', [process.execPath, IO_SERVE, 'echo', '--systemd-name', 'web', '--workers', '2'])
    expect(await pool.line(/listening on 127\.0\.0\.1:(\d+) \(backend \S+, 2 workers\)/)).toBeTruthy()
    await echoes(a.port, 'worker a')
    await echoes(b.port, 'worker b')
    pool.child.kill('SIGTERM')
    await until(() => pool.exited)
    expect(pool.code).toBe(0)
  })

  it.each([
    [['echo', '--systemd', '--port', '1'], /give one of --port, --fd and --systemd/],
    [['echo', '--fd', '3', '--systemd'], /give one of --port, --fd and --systemd/],
    [['echo', '--fd', 'x'], /bad --fd "x"/],
    [['echo', '--systemd-name'], /--systemd-name needs a value/],
  ])('io-serve %j exits 2 with the problem', async (args, message) => {
    const child = ioServe(args)
    await until(() => child.exited)
    expect(child.code).toBe(2)
    expect(child.stderr).toMatch(message)
  })

  it('io-serve --systemd without sockets exits 1 with the reason', async () => {
    const child = ioServe(['echo', '--systemd'])
    await until(() => child.exited)
    expect(child.code).toBe(1)
    expect(child.stderr).toMatch(/no sockets were passed by systemd: LISTEN_FDS is not set/)
  })
})

const tool = spawnSync('sh', ['-c', 'command -v systemd-socket-activate'], { encoding: 'utf8' }).stdout.trim()
if (tool === '') console.log('socket-activation.test.ts: systemd-socket-activate is not installed (Debian package systemd): its test is skipped')

describe.skipIf(!built || tool === '')('socket activation by systemd-socket-activate', () => {
  it('starts io-serve --systemd-name on the first connection, which io-serve then serves', async () => {
    // The tool binds a port it is given (it takes no port 0): a free one, tried again if
    // another process takes it first.
    for (let attempt = 0; ; attempt++) {
      const probe = listeningSocket()
      sockets.close(made.pop()!)
      const env = process.env.IO_BACKEND === undefined ? [] : ['-E', `IO_BACKEND=${process.env.IO_BACKEND}`]
      const args = ['-l', `127.0.0.1:${probe.port}`, '--fdname=web', ...env, process.execPath, IO_SERVE, 'echo', '--systemd-name', 'web']
      const activator = start(tool, args)
      await until(() => activator.stderr.includes('Listening on') || activator.exited)
      if (activator.exited && /in use/i.test(activator.stderr) && attempt < 5) continue
      expect(activator.stderr).toContain(`Listening on 127.0.0.1:${probe.port} as 3.`)
      // The first connection makes the tool exec io-serve in its own place, with the socket.
      const c = await client(probe.port)
      c.socket.write('via systemd-socket-activate')
      expect(await listeningPort(activator)).toBe(probe.port)
      await until(() => c.bytes === 27)
      c.socket.destroy()
      activator.child.kill('SIGTERM')
      await until(() => activator.exited)
      expect(activator.code).toBe(0)
      return
    }
  })
})
