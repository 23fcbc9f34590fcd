import { afterEach, describe, expect, it, vi } from 'vitest'
import { createServer, type Server } from '@io/server'
import { POISON } from '../src/engine/reactor.js'
import { BACKENDS, backendLabel, client, until } from './helpers.js'

let server: Server | null = null
afterEach(async () => {
  vi.unstubAllEnvs()
  await server?.close({ graceMs: 0 })
  server = null
})

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('poisonChunks on %s', (_label, backend) => {
  it.each([
    ['the option', { poisonChunks: true }, undefined],
    ['IO_POISON_CHUNKS=1', {}, '1'],
  ])('with %s, a chunk kept past its data call reads as 0xDB bytes; copies and writes keep theirs', async (_how, options, env) => {
    if (env !== undefined) vi.stubEnv('IO_POISON_CHUNKS', env)
    let kept: Buffer | null = null
    let copy: Buffer | null = null
    server = createServer({ backend, ...options }, {
      data(conn, chunk) {
        kept = chunk // the mistake the switch exposes
        copy = Buffer.from(chunk)
        conn.write(chunk)
      },
    })
    const { port } = await server.listen(0, '127.0.0.1')
    const c = await client(port)
    c.socket.write('secret')
    await until(() => c.bytes === 6)
    expect(c.received().toString()).toBe('secret')
    expect(copy!.toString()).toBe('secret')
    expect([...kept!]).toEqual(new Array(6).fill(POISON))
    c.socket.destroy()
  })

  it('without it, a kept chunk is left as the read wrote it', async () => {
    let kept: Buffer | null = null
    server = createServer({ backend }, {
      data(_conn, chunk) {
        kept = chunk
      },
    })
    const { port } = await server.listen(0, '127.0.0.1')
    const c = await client(port)
    c.socket.write('plain')
    await until(() => kept !== null)
    expect(kept!.toString()).toBe('plain')
    c.socket.destroy()
  })
})
