import { describe, expect, it } from 'vitest'
import { sockets } from '@io/core'
import { SignalDrivenIO, readSignalStatus, sigioConstants } from '@io/signal'
import { O_ASYNC, openFdCount, statusFlags } from './helpers.js'

const gc = (globalThis as { gc?: () => void }).gc!

/** Runs the GC and lets finalizers run, up to `rounds` times or until `done()`. */
async function collect(done: () => boolean, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

const claimed = () => readSignalStatus().caught.filter((sig) => sig >= sigioConstants.SIGRTMIN)

// Instances are created inside a plain function so that no register of the test keeps the
// last one alive.
function dropMany(count: number, fd: number): void {
  for (let i = 0; i < count; i++) {
    const s = new SignalDrivenIO({ maxEvents: 4 })
    if (i === 0) s.watch(fd, 1)
  }
}

describe('SignalDrivenIO leaks', () => {
  it('an instance dropped without close() closes its signalfd, releases its signal and restores its fd', async () => {
    const [a, b] = sockets.socketpair()
    const fdsBefore = openFdCount()
    dropMany(20, a)
    expect(claimed().length).toBe(20)
    expect(statusFlags(a) & O_ASYNC).toBe(O_ASYNC)
    await collect(() => claimed().length === 0 && openFdCount() === fdsBefore)
    expect(claimed()).toEqual([])
    expect(openFdCount()).toBe(fdsBefore)
    expect(statusFlags(a) & O_ASYNC).toBe(0)
    expect(readSignalStatus().blocked).not.toContain(sigioConstants.SIGIO)
    sockets.close(a)
    sockets.close(b)
  })

  it('holds heap steady over many collects (no object per event), in both modes', () => {
    for (const levelTriggered of [false, true]) {
      const s = new SignalDrivenIO({ maxEvents: 64, levelTriggered })
      const pairs = Array.from({ length: 64 }, () => sockets.socketpair())
      pairs.forEach(([x], i) => s.watch(x, i))
      const wake = Buffer.from('x')
      const sink = Buffer.alloc(16)
      const cycle = () => {
        pairs.forEach(([, y]) => sockets.write(y, wake))
        const n = s.wait(1000)
        pairs.forEach(([x]) => sockets.read(x, sink))
        return n
      }
      for (let i = 0; i < 500; i++) cycle() // warm up
      gc()
      const before = process.memoryUsage().heapUsed
      let total = 0
      for (let i = 0; i < 5_000; i++) total += cycle()
      gc()
      const grown = process.memoryUsage().heapUsed - before
      expect(total).toBeGreaterThanOrEqual(5_000)
      expect(grown).toBeLessThan(1 << 20)
      s.close()
      pairs.flat().forEach((fd) => sockets.close(fd))
    }
  })
})
