// listen({ fd }): adopting a listening socket the process was given. The sockets here are made
// in this process (as a parent would before passing them on); what is checked is that the
// server serves on them, owns and closes them, refuses what is not a listening TCP socket
// while leaving it open, and gives each worker thread its own.
import { existsSync } from 'node:fs'
import { createServer as createNetServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { isSystemError, sockets } from '@io/core'
import { createServer, echoHandlers, WorkerPool, type IoServer } from '@io/server'
import { ask, BACKENDS, backendLabel, client, until } from './helpers.js'
import { refused } from './socket-probes.js'

const { AF_INET, AF_INET6, SOCK_STREAM, SOCK_DGRAM, SOCK_NONBLOCK, SOL_SOCKET, SO_TYPE } = sockets.constants

/** A listening TCP socket on a free loopback port, as a parent process would make it. */
function listeningSocket(host = '127.0.0.1', backlog = 16): { fd: number; port: number } {
  const fd = sockets.socket(host.includes(':') ? AF_INET6 : AF_INET, SOCK_STREAM)
  sockets.bind(fd, host, 0)
  sockets.listen(fd, backlog)
  return { fd, port: sockets.getsockname(fd).port }
}

/** True when `fd` is open (asked with a syscall: listing /proc/self/fd would open an fd itself). */
function isOpen(fd: number): boolean {
  try {
    sockets.getsockopt(fd, SOL_SOCKET, SO_TYPE)
    return true
  } catch (err) {
    return !isSystemError(err, 'EBADF')
  }
}

function ownAll(...fds: number[]): void {
  for (const fd of fds) owned.add(fd)
}

/** The test's own fds: closed after each test, unless a server took them over (`adopted`). */
const owned = new Set<number>()
function adopted(...fds: number[]): void {
  for (const fd of fds) owned.delete(fd)
}


const servers: IoServer[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close({ graceMs: 0 })))
  for (const fd of owned) sockets.close(fd)
  owned.clear()
})

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('listen({ fd }) on %s', (_, backend) => {
  it.each(['127.0.0.1', '::1'])('serves on an inherited %s socket, reports its address, and closes it on close()', async (host) => {
    const { fd, port } = listeningSocket(host)
    ownAll(fd)
    const server = createServer({ backend }, echoHandlers)
    servers.push(server)
    const address = await server.listen({ fd })
    adopted(fd)
    expect(address).toEqual({ address: host, family: host.includes(':') ? 'IPv6' : 'IPv4', port })
    expect(server.listenerFds()).toEqual([fd])
    const c = await client(port, host)
    c.socket.write('inherited')
    await until(() => c.bytes === 9)
    c.socket.destroy()
    await server.close()
    expect(server.listenerFds()).toEqual([])
    expect(await refused(port)).toBe(true)
  })
})

describe('listen({ fd }) refuses what is not a listening TCP socket, and leaves it open', () => {
  async function refusal(fd: number): Promise<unknown> {
    const server = createServer({}, echoHandlers)
    servers.push(server)
    const error = await server.listen({ fd }).catch((err: unknown) => err)
    expect(isOpen(fd), `fd ${fd} is still the caller's`).toBe(true)
    return error
  }

  it('an fd that is not open: EBADF', async () => {
    const fd = 19_999
    expect(isOpen(fd)).toBe(false)
    const server = createServer({}, echoHandlers)
    servers.push(server)
    const error = await server.listen({ fd }).catch((err: unknown) => err)
    expect(isSystemError(error, 'EBADF')).toBe(true)
    expect((error as Error).message).toMatch(/^fd 19999: EBADF/)
  })

  it('a pipe: ENOTSOCK', async () => {
    const [readEnd, writeEnd] = sockets.pipe2()
    ownAll(readEnd, writeEnd)
    expect(isSystemError(await refusal(readEnd), 'ENOTSOCK')).toBe(true)
  })

  it('a UDP socket', async () => {
    const fd = sockets.socket(AF_INET, SOCK_DGRAM)
    ownAll(fd)
    sockets.bind(fd, '127.0.0.1', 0)
    expect(await refusal(fd)).toMatchObject({ code: 'ERR_INVALID_FD_TYPE', message: expect.stringMatching(/is not a stream socket/) })
  })

  it('a TCP socket that is bound but not listening', async () => {
    const fd = sockets.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK)
    ownAll(fd)
    sockets.bind(fd, '127.0.0.1', 0)
    expect(await refusal(fd)).toMatchObject({ code: 'ERR_INVALID_FD_TYPE', message: expect.stringMatching(/not listening/) })
  })

  it('a listening Unix-domain socket', async () => {
    const path = join(tmpdir(), `io-inherit-${process.pid}.sock`)
    const unix = createNetServer()
    await new Promise<void>((resolve) => unix.listen(path, resolve))
    onTestFinished(() => void unix.close())
    const fd = (unix as unknown as { _handle: { fd: number } })._handle.fd
    expect(await refusal(fd)).toMatchObject({ code: 'ERR_INVALID_FD_TYPE', message: expect.stringMatching(/unix address/) })
  })

  it.each([
    [{ fd: -1 }, RangeError, /"fd" must be >= 0/],
    [{ fd: 3.5 }, TypeError, /"fd" must be an integer/],
    [{ fd: '3' }, TypeError, /"fd" must be an integer/],
    [{ fd: [] }, TypeError, /non-empty array/],
    [{ fd: [3, 3] }, TypeError, /distinct/],
    [{ fd: [3, undefined] }, TypeError, /"fd\[1\]" must be an integer/],
    [{ fd: 3, port: 80 }, TypeError, /either an inherited socket \(fd\) or port/],
    [{ fd: 3, host: '::' }, TypeError, /or host, not both/],
    [{ fd: 3, systemd: true }, TypeError, /or systemd, not both/],
    [{ systemd: 3 }, TypeError, /"systemd" must be true or a socket name/],
    [{ systemd: '' }, TypeError, /"systemd" must be true or a socket name/],
  ])('rejects %j', async (options, type, message) => {
    const server = createServer({}, echoHandlers)
    servers.push(server)
    const error = await server.listen(options as never).catch((err: unknown) => err)
    expect(error).toBeInstanceOf(type)
    expect((error as Error).message).toMatch(message)
  })

  it('a server without workers takes exactly one socket', async () => {
    const a = listeningSocket()
    const b = listeningSocket()
    ownAll(a.fd, b.fd)
    const server = createServer({}, echoHandlers)
    servers.push(server)
    await expect(server.listen({ fd: [a.fd, b.fd] })).rejects.toThrow(/"fd" must be one listening socket per worker thread \(1\)/)
    await server.listen({ fd: [a.fd] })
    adopted(a.fd)
  })
})

const built = existsSync(fileURLToPath(new URL('../dist/worker.js', import.meta.url)))
const fixture = new URL('./fixtures/worker-handlers.mjs', import.meta.url)

describe.skipIf(!built)('listen({ fd }) with worker threads', () => {
  /** Two workers, each on its own inherited socket. */
  async function poolOnTwoSockets(): Promise<{ pool: WorkerPool; a: { fd: number; port: number }; b: { fd: number; port: number } }> {
    const a = listeningSocket()
    const b = listeningSocket()
    ownAll(a.fd, b.fd)
    const pool = createServer({ workers: 2 }, fixture) as WorkerPool
    servers.push(pool)
    await pool.listen({ fd: [a.fd, b.fd] })
    adopted(a.fd, b.fd)
    return { pool, a, b }
  }

  it('gives each worker one of the sockets; one socket for two workers is refused', async () => {
    const single = listeningSocket()
    ownAll(single.fd)
    const refusedPool = createServer({ workers: 2 }, fixture)
    servers.push(refusedPool)
    await expect(refusedPool.listen({ fd: single.fd })).rejects.toThrow(/one listening socket per worker thread \(2\)/)

    const { pool, a, b } = await poolOnTwoSockets()
    expect(pool.listenerFds().sort()).toEqual([a.fd, b.fd].sort())
    const [threadA, threadB] = [await ask(a.port, 'whoami'), await ask(b.port, 'whoami')]
    expect(threadA).not.toBe(threadB)
    expect(pool.threadIds.map(String).sort()).toEqual([threadA, threadB].sort())
    await pool.close()
    expect(await refused(a.port)).toBe(true)
    expect(await refused(b.port)).toBe(true)
  })

  it('keeps a dead worker’s inherited socket open: its replacement adopts it, and clients that came meanwhile are served', async () => {
    const { pool, a } = await poolOnTwoSockets()
    const before = await ask(a.port, 'whoami')
    let restarted = 0
    let exited = 0
    pool.on('workerExit', () => exited++)
    pool.on('workerRestart', () => restarted++)
    const crash = await client(a.port)
    crash.socket.write('crash')
    await until(() => exited === 1)
    // The worker is gone; the socket is not: this client waits in its queue.
    const waiting = await client(a.port)
    waiting.socket.write('whoami')
    await until(() => restarted === 1 && waiting.bytes > 0)
    expect(waiting.received().toString()).not.toBe(before)
    expect(await ask(a.port, 'whoami')).toBe(waiting.received().toString())
    crash.socket.destroy()
    waiting.socket.destroy()
  })
})
