import { afterEach, describe, expect, it, vi } from 'vitest'
import { createServer, echoHandlers, type Server } from '@io/server'
import { sockets } from '@io/core'
import { exhaustFds, openFdCount } from './helpers.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close({ graceMs: 0 })))
})

const typeError = { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }
const rangeError = { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }

describe('createServer arguments', () => {
  it.each([
    [{ backend: 'kqueue' }, rangeError],
    [{ backend: 7 }, typeError],
    [{ workers: 0 }, rangeError],
    [{ workers: 1.5 }, typeError],
    [{ idleTimeoutMs: -1 }, rangeError],
    [{ idleTimeoutMs: '10' }, typeError],
    [{ highWaterMark: 0 }, rangeError],
    [{ readBufferSize: 10 }, rangeError],
    [{ maxEvents: 0 }, rangeError],
    [{ allowHalfOpen: 'yes' }, typeError],
    [{ noDelay: 1 }, typeError],
    ['options', typeError],
  ])('rejects options %j', (options, error) => {
    expect(() => createServer(options as never, echoHandlers)).toThrow(expect.objectContaining(error))
  })

  it.each([
    [null],
    [42],
    [{ data: 'not a function' }],
    [{ connection: 5 }],
  ])('rejects handlers %j', (handlers) => {
    expect(() => createServer({}, handlers as never)).toThrow(expect.objectContaining(typeError))
  })

  it('rejects a misspelt option by name, with the option it resembles', () => {
    expect(() => createServer({ higWaterMark: 1024 } as never, echoHandlers)).toThrow(
      expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('unknown server option "higWaterMark" (did you mean "highWaterMark"?)') }),
    )
    expect(() => createServer({ zzz: true } as never, echoHandlers)).toThrow(/unknown server option "zzz"; known: backend/)
  })

  it('says what it got when an argument is missing, once', () => {
    expect(() => createServer({}, undefined as never)).toThrow(expect.objectContaining({ message: expect.stringMatching(/got undefined$/) }))
  })

  it('requires a module for workers > 1 (functions cannot cross threads)', () => {
    expect(() => createServer({ workers: 2 }, echoHandlers)).toThrow(/module path or URL when workers > 1/)
  })
})

describe('listen arguments and failures', () => {
  it.each([
    [{ port: -1 }, rangeError],
    [{ port: 70000 }, rangeError],
    [{ port: '80' }, typeError],
    [{ backlog: 0 }, rangeError],
    [{ host: '' }, typeError],
    [{ host: 5 }, typeError],
  ])('rejects %j', async (options, error) => {
    const server = createServer({}, echoHandlers) as Server
    servers.push(server)
    await expect(server.listen(options as never)).rejects.toMatchObject(error)
  })

  it('EADDRINUSE is a SystemError and leaks no fd', async () => {
    const first = createServer({}, echoHandlers) as Server
    servers.push(first)
    const { port } = await first.listen({ port: 0, host: '127.0.0.1' })
    const before = openFdCount()
    const second = createServer({}, echoHandlers) as Server
    servers.push(second)
    await expect(second.listen({ port, host: '127.0.0.1' })).rejects.toMatchObject({
      code: 'EADDRINUSE',
      errno: -98,
      syscall: 'bind',
    })
    expect(openFdCount()).toBe(before)
  })

  it('a reactor that cannot start leaks no fd and leaves no timer (regression: the idle-sweep interval leaked)', async () => {
    const server = createServer({ idleTimeoutMs: 1000 }, echoHandlers) as Server
    servers.push(server)
    // The sweep interval is unref'ed (invisible to getActiveResourcesInfo): watch it being made.
    const intervals = new Set<unknown>()
    const { setInterval: realSet, clearInterval: realClear } = globalThis
    const set = vi.spyOn(globalThis, 'setInterval').mockImplementation(((...args: Parameters<typeof realSet>) => {
      const timer = realSet(...args)
      intervals.add(timer)
      return timer
    }) as typeof realSet)
    const clear = vi.spyOn(globalThis, 'clearInterval').mockImplementation((timer) => {
      intervals.delete(timer)
      realClear(timer)
    })
    const fds = openFdCount()
    // Leave exactly one fd free: the listening socket gets it, the engine (epoll or ring) cannot.
    const held: number[] = []
    exhaustFds(held)
    sockets.close(held.pop()!)
    try {
      await expect(server.listen({ port: 0, host: '127.0.0.1' })).rejects.toMatchObject({
        code: 'EMFILE',
        syscall: expect.stringMatching(/^(epoll_create1|io_uring_setup)$/),
      })
    } finally {
      for (const fd of held) sockets.close(fd)
      set.mockRestore()
      clear.mockRestore()
    }
    expect(openFdCount()).toBe(fds)
    expect(intervals.size).toBe(0)
  })

  it('listen(port, host) as node:net takes it, and unknown listen or close options are rejected by name', async () => {
    const server = createServer({}, echoHandlers)
    servers.push(server)
    await expect(server.listen({ prot: 80 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE', message: expect.stringContaining('did you mean "port"') })
    const address = await server.listen(0, '127.0.0.1')
    expect(address).toMatchObject({ address: '127.0.0.1', family: 'IPv4' })
    expect(address.port).toBeGreaterThan(0)
    await expect(server.close({ grace: 0 } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' })
  })

  it('a listen that failed with EADDRINUSE can be tried again once the port is free', async () => {
    const first = createServer({}, echoHandlers)
    servers.push(first)
    const { port } = await first.listen(0, '127.0.0.1')
    const second = createServer({}, echoHandlers)
    servers.push(second)
    await expect(second.listen(port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' })
    await first.close()
    await expect(second.listen(port, '127.0.0.1')).resolves.toMatchObject({ port })
  })

  it('an unresolvable host name rejects with the resolver error', async () => {
    const server = createServer({}, echoHandlers) as Server
    servers.push(server)
    await expect(server.listen({ host: 'no-such-host.invalid' })).rejects.toMatchObject({ code: 'ENOTFOUND' })
  })

  it('listen twice, and listen after close, are errors', async () => {
    const server = createServer({}, echoHandlers) as Server
    servers.push(server)
    await server.listen({ port: 0, host: '127.0.0.1' })
    await expect(server.listen({ port: 0 })).rejects.toMatchObject({ code: 'ERR_SERVER_ALREADY_LISTEN' })
    await server.close()
    await expect(server.listen({ port: 0 })).rejects.toMatchObject({ code: 'ERR_SERVER_CLOSED' })
    expect(server.address()).toBeNull()
  })

  it('close() is idempotent and works before listen()', async () => {
    const server = createServer({}, echoHandlers) as Server
    const a = server.close()
    expect(server.close()).toBe(a)
    await a
    await expect(server.close({ graceMs: -1 } as never)).resolves.toBeUndefined() // already closed: same promise
  })

  it('close() rejects a bad grace period', async () => {
    const server = createServer({}, echoHandlers) as Server
    servers.push(server)
    await expect(server.close({ graceMs: -5 })).rejects.toMatchObject(rangeError)
    await expect(server.close({ graceMs: 'x' as never })).rejects.toMatchObject(typeError)
  })
})

describe('connection arguments', () => {
  it('write() rejects what is not bytes or a string, and write after end() throws', async () => {
    const errors: unknown[] = []
    const server = createServer({}, {
      open(conn) {
        for (const bad of [42, null, {}, [1, 2]]) {
          try {
            conn.write(bad as never)
          } catch (err) {
            errors.push(err)
          }
        }
        conn.end()
        try {
          conn.write('late')
        } catch (err) {
          errors.push(err)
        }
      },
    }) as Server
    servers.push(server)
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const { client, until } = await import('./helpers.js')
    const c = await client(port)
    await until(() => errors.length === 5)
    expect(errors.slice(0, 4)).toEqual(Array(4).fill(expect.objectContaining(typeError)))
    expect(errors[4]).toMatchObject({ code: 'ERR_STREAM_WRITE_AFTER_END' })
    c.socket.destroy()
  })
})
