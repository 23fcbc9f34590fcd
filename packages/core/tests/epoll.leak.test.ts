import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { Epoll, READABLE, sockets } from '@io/core'
import { openFdCount } from './helpers.js'

const gc = (globalThis as { gc?: () => void }).gc!

/** Runs the GC and lets finalizers run, up to `rounds` times or until `done()`. */
async function collect(done: () => boolean, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

describe('Epoll leaks', () => {
  it('closes the epoll fd of an Epoll that was dropped without close()', async () => {
    const before = openFdCount()
    for (let i = 0; i < 500; i++) new Epoll({ maxEvents: 4 })
    expect(openFdCount()).toBeGreaterThan(before)
    await collect(() => openFdCount() === before)
    expect(openFdCount()).toBe(before)
  })

  it('keeps a started Epoll alive when JavaScript drops it, and frees it after stop()', () => {
    // In a plain node child: vitest's own module wrappers can keep a test's last objects alive.
    const script = fileURLToPath(new URL('./fixtures/started-gc.mjs', import.meta.url))
    const out = execFileSync(process.execPath, ['--expose-gc', script], { encoding: 'utf8', timeout: 60_000 })
    expect(JSON.parse(out)).toEqual({ whileStarted: 50, calls: true, afterStop: 0 })
  })

  it('holds heap steady over many wait cycles (no object per event)', () => {
    const ep = new Epoll({ maxEvents: 64 })
    const pairs = Array.from({ length: 64 }, () => sockets.socketpair())
    pairs.forEach(([x, y], i) => {
      ep.add(x, READABLE, i)
      sockets.write(y, Buffer.from('x'))
    })
    for (let i = 0; i < 10_000; i++) ep.wait(0) // warm up
    gc()
    const before = process.memoryUsage().heapUsed
    let total = 0
    for (let i = 0; i < 200_000; i++) total += ep.wait(0)
    gc()
    const grown = process.memoryUsage().heapUsed - before
    expect(total).toBe(200_000 * 64)
    expect(grown).toBeLessThan(1 << 20) // 12.8M events delivered, under 1 MB of heap kept
    ep.close()
    pairs.flat().forEach((fd) => sockets.close(fd))
  })
})
