import { execFileSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer, get } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { Epoll, READABLE, constants, sockets } from '@io/core'
import { loopTurn, until } from './helpers.js'

const cleanup: Array<() => void> = []
afterEach(() => {
  while (cleanup.length) cleanup.pop()!()
})

function setup(): { ep: Epoll; a: number; b: number } {
  const ep = new Epoll()
  const [a, b] = sockets.socketpair(constants.AF_UNIX, constants.SOCK_STREAM | constants.SOCK_NONBLOCK)
  cleanup.push(() => {
    ep.close()
    sockets.close(a)
    sockets.close(b)
  })
  return { ep, a, b }
}

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

describe('Epoll inside Node loop', () => {
  it('calls onReady once per batch with the count, tokens in the ready list', async () => {
    const { ep } = setup()
    const pairs = [0, 1, 2].map(() => sockets.socketpair(constants.AF_UNIX, constants.SOCK_STREAM | constants.SOCK_NONBLOCK))
    cleanup.push(() => pairs.flat().forEach((fd) => sockets.close(fd)))
    pairs.forEach(([x], i) => ep.add(x, READABLE, 10 + i))
    const batches: number[][] = []
    ep.start((count) => {
      batches.push(Array.from(ep.readyTokens.subarray(0, count)))
      for (let i = 0; i < count; i++) sockets.read(pairs[ep.readyTokens[i] - 10][0], Buffer.alloc(16))
    })
    expect(ep.active).toBe(true)
    pairs.forEach(([, y]) => sockets.write(y, Buffer.from('x')))
    await until(() => batches.flat().length >= 3)
    expect(batches[0].length).toBe(3) // all three arrived in one batch, one JS call
    expect(new Set(batches.flat())).toEqual(new Set([10, 11, 12]))
  })

  it('stop() ends callbacks, start() resumes them, wait() still works while stopped', async () => {
    const { ep, a, b } = setup()
    ep.add(a, READABLE, 1)
    let calls = 0
    ep.start(() => {
      calls++
      sockets.read(a, Buffer.alloc(16))
    })
    sockets.write(b, Buffer.from('x'))
    await until(() => calls === 1)
    ep.stop()
    expect(ep.active).toBe(false)
    sockets.write(b, Buffer.from('y'))
    for (let i = 0; i < 5; i++) await loopTurn()
    expect(calls).toBe(1)
    expect(ep.wait(0)).toBe(1) // the data is there; only the loop watching stopped
    ep.start(() => {
      calls++
      sockets.read(a, Buffer.alloc(16))
    })
    await until(() => calls === 2)
  })

  it('lets the callback close the epoll it is called from', async () => {
    const ep = new Epoll()
    const [a, b] = sockets.socketpair()
    cleanup.push(() => {
      sockets.close(a)
      sockets.close(b)
    })
    ep.add(a, READABLE, 1)
    let called = 0
    ep.start(() => {
      called++
      ep.close()
    })
    sockets.write(b, Buffer.from('x'))
    await until(() => ep.closed)
    for (let i = 0; i < 3; i++) await loopTurn()
    expect(called).toBe(1)
  })

  it('keeps timers, fs and http working beside it', async () => {
    const { ep, a, b } = setup()
    ep.add(a, READABLE, 7)
    let events = 0
    ep.start(() => {
      events++
      sockets.read(a, Buffer.alloc(64))
    })
    const server = createServer((_req, res) => res.end('pong'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    cleanup.push(() => server.close())
    const { port } = server.address() as AddressInfo
    const body = await new Promise<string>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path: '/' }, (res) => {
        let text = ''
        res.on('data', (chunk) => (text += chunk))
        res.on('end', () => resolve(text))
      }).on('error', reject)
      sockets.write(b, Buffer.from('during http'))
    })
    expect(body).toBe('pong')
    const self = await readFile(fixture('unref-exit.mjs'), 'utf8')
    expect(self).toContain('unref')
    await new Promise((resolve) => setTimeout(resolve, 1))
    await until(() => events >= 1)
  })

  it('an unref()ed started epoll does not keep the process alive', () => {
    const out = execFileSync(process.execPath, [fixture('unref-exit.mjs'), 'unref'], { encoding: 'utf8', timeout: 30_000 })
    expect(out.trim()).toBe('exit hasRef=false active=true')
  })

  it('a ref()ed started epoll keeps the process alive until closed', () => {
    const out = execFileSync(process.execPath, [fixture('unref-exit.mjs'), 'ref'], { encoding: 'utf8', timeout: 30_000 })
    expect(out.trim().split('\n')).toEqual(['ready 1 token 1', 'exit after close'])
  })

  it('sends an exception thrown by onReady to uncaughtException', () => {
    const out = execFileSync(process.execPath, [fixture('throw-in-callback.mjs')], { encoding: 'utf8', timeout: 30_000 })
    expect(out.trim()).toBe('caught boom from onReady')
  })

  it('rejects a non-function callback', () => {
    const { ep } = setup()
    expect(() => ep.start(undefined as never)).toThrow(TypeError)
    expect(ep.active).toBe(false)
  })
})
