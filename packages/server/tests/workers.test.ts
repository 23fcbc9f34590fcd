// Worker threads run the built entry (dist/worker.js): `npm run build` first (npm install does).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type Server, type WorkerPool } from '@io/server'
import { ask, client, openFdCount, until } from './helpers.js'

const fixture = new URL('./fixtures/worker-handlers.mjs', import.meta.url)
const built = existsSync(fileURLToPath(new URL('../dist/worker.js', import.meta.url)))

let pool: WorkerPool | Server | null = null
afterEach(async () => {
  await pool?.close({ graceMs: 0 })
  pool = null
})

describe.skipIf(!built)('workers', () => {
  it('runs n worker threads sharing one port (SO_REUSEPORT), each serving connections', async () => {
    pool = createServer({ workers: 2 }, fixture) as WorkerPool
    const { port } = await pool.listen({ port: 0, host: '127.0.0.1' })
    expect(pool.running).toBe(2)
    const threads = new Set(pool.threadIds.map(String))
    const seen = new Set<string>()
    for (let i = 0; i < 40 && seen.size < 2; i++) seen.add(await ask(port, 'whoami'))
    expect(seen).toEqual(threads)
    expect(await ask(port, 'echo me')).toBe('echo me')
  })

  it('restarts a worker that crashes, and keeps serving', async () => {
    pool = createServer({ workers: 2 }, fixture) as WorkerPool
    const events: string[] = []
    pool.on('workerExit', (i: number, code: number) => events.push(`exit ${i} ${code}`))
    pool.on('workerRestart', (i: number) => events.push(`restart ${i}`))
    pool.on('workerError', (i: number, err: Error) => events.push(`error ${i} ${err.message}`))
    const { port } = await pool.listen({ port: 0, host: '127.0.0.1' })
    const before = pool.threadIds
    const fds = openFdCount()
    const c = await client(port)
    c.socket.write('crash')
    await until(() => events.some((e) => e.startsWith('restart')))
    const index = Number(events.find((e) => e.startsWith('exit'))!.split(' ')[1])
    expect(events).toEqual([`error ${index} worker crash`, `exit ${index} 1`, `restart ${index}`])
    expect(pool.running).toBe(2)
    expect(pool.threadIds).not.toEqual(before)
    // Regression: fds belong to the process, so a dead worker's listener and connections
    // stayed open (the client hung, the kernel kept routing connections to the dead listener).
    await until(() => c.closed)
    expect(openFdCount()).toBe(fds)
    for (let i = 0; i < 20; i++) expect(await ask(port, 'still alive')).toBe('still alive')
  })

  it('close() is forwarded: every worker closes and exits, the port is released', async () => {
    pool = createServer({ workers: 3 }, fixture) as WorkerPool
    const { port } = await pool.listen({ port: 0, host: '127.0.0.1' })
    const open = await client(port)
    await pool.close({ graceMs: 1000 })
    expect(pool.running).toBe(0)
    await until(() => open.closed)
    const again = createServer({}, fixture) as Server
    await expect(again.listen({ port, host: '127.0.0.1' })).resolves.toMatchObject({ port })
    await again.close()
  })

  it('a handler module that cannot load fails listen(), leaving no worker', async () => {
    pool = createServer({ workers: 2 }, new URL('./fixtures/missing.mjs', import.meta.url)) as WorkerPool
    await expect(pool.listen({ port: 0, host: '127.0.0.1' })).rejects.toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' })
    expect(pool.running).toBe(0)
  })

  it('workers: 1 also takes a handler module, loaded in this thread', async () => {
    pool = createServer({}, fixture) as Server
    const { port } = await pool.listen({ port: 0, host: '127.0.0.1' })
    expect(await ask(port, 'ping')).toBe('ping')
  })
})
