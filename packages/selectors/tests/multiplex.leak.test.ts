// Leak checks for the select/poll machinery: helper threads and eventfds come and go with the
// selectors that use them, dropped watchers are collected, and selecting keeps heap flat.
import { readFileSync } from 'node:fs'
import { MultiplexWatcher, multiplex, PollTable, sockets } from '@io/core'
import { EVENT_READ, PollSelector, SelectSelector } from '@io/selectors'
import { describe, expect, it } from 'vitest'
import { openFdCount } from '../../core/tests/helpers.js'
import { multiplexThreadCount as threadCount } from './fixtures.js'

const gc = (globalThis as { gc?: () => void }).gc!

async function collect(done: () => boolean, rounds = 20): Promise<void> {
  for (let i = 0; i < rounds && !done(); i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

// In a plain function, so no local of the caller keeps the last watcher alive.
function dropWatchers(count: number, started: boolean, fd: number): void {
  for (let i = 0; i < count; i++) {
    const table = new PollTable()
    table.set(fd, multiplex.POLLIN)
    const watcher = new MultiplexWatcher(i % 2 ? 'select' : 'poll')
    if (started) {
      watcher.start(table, () => {})
      watcher.stop()
    }
  }
}

describe('select/poll leaks', () => {
  it('collects dropped watchers (never started, and started then stopped): eventfds and threads go', async () => {
    const [a, b] = sockets.socketpair()
    const fds = openFdCount()
    const threads = threadCount()
    dropWatchers(100, false, a)
    dropWatchers(50, true, a)
    expect(openFdCount()).toBeGreaterThan(fds)
    await collect(() => openFdCount() === fds && threadCount() === threads)
    expect(openFdCount()).toBe(fds)
    expect(threadCount()).toBe(threads)
    sockets.close(a)
    sockets.close(b)
  })

  it.each([
    ['PollSelector', () => new PollSelector()],
    ['SelectSelector', () => new SelectSelector()],
  ])('%s: 300 start/stop/close cycles leave fd and thread counts where they were', (_name, make) => {
    const [a, b] = sockets.socketpair()
    const fds = openFdCount()
    const threads = threadCount()
    const ownName = readFileSync('/proc/thread-self/comm', 'utf8')
    for (let i = 0; i < 300; i++) {
      const sel = make()
      sel.register(a, EVENT_READ)
      sel.start(() => {})
      if (i === 0) {
        expect(threadCount()).toBe(threads + 1) // the watcher's helper thread is counted
        expect(readFileSync('/proc/thread-self/comm', 'utf8')).toBe(ownName) // and this thread's name is back
      }
      sel.stop()
      sel.start(() => {})
      sel.close()
    }
    expect(openFdCount()).toBe(fds)
    expect(threadCount()).toBe(threads)
    sockets.close(a)
    sockets.close(b)
  })

  it('holds heap steady over many select() calls', () => {
    const sel = new PollSelector()
    const pairs = Array.from({ length: 32 }, () => sockets.socketpair())
    for (const [x, y] of pairs) {
      sel.register(x, EVENT_READ)
      sockets.write(y, Buffer.from('x'))
    }
    for (let i = 0; i < 5_000; i++) sel.select(0)
    gc()
    const before = process.memoryUsage().heapUsed
    let total = 0
    for (let i = 0; i < 100_000; i++) total += sel.select(0).length
    gc()
    expect(total).toBe(100_000 * 32)
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(1 << 20)
    sel.close()
    pairs.flat().forEach((fd) => sockets.close(fd))
  })
})
