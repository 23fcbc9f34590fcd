import { describe, expect, it } from 'vitest'
import { ERROR, HANGUP, READABLE, WRITABLE, sockets, WOULD_BLOCK } from '@io/core'
import { pair, pipe, payload, ready, sio, until } from './helpers.js'

describe('SignalDrivenIO readiness with wait()', () => {
  it('reports a socket that receives data, with its token and POLLIN', () => {
    const [a, b] = pair()
    const s = sio()
    s.watch(a, 42)
    expect(s.wait(0)).toBe(0)
    sockets.write(b, payload)
    expect(s.wait(1000)).toBe(1)
    expect(ready(s, 1)).toEqual([[42, READABLE]])
    expect(s.wait(0)).toBe(0) // edge-triggered: reported once per change
  })

  it('reports a pipe that receives data', () => {
    const [r, w] = pipe()
    const s = sio()
    s.watch(r, 5)
    sockets.write(w, payload)
    expect(s.wait(1000)).toBe(1)
    expect(ready(s, 1)).toEqual([[5, READABLE]])
    const buf = Buffer.alloc(16)
    expect(sockets.read(r, buf)).toBe(payload.length)
    expect(sockets.read(r, buf)).toBe(WOULD_BLOCK) // watch() made the read end non-blocking
  })

  it('reports data that was there before watch() (no signal will come for it)', () => {
    const [a, b] = pair()
    sockets.write(b, payload)
    const s = sio()
    s.watch(a, 1)
    expect(s.wait(0)).toBe(1)
    expect(ready(s, 1)).toEqual([[1, READABLE]])
    expect(s.wait(0)).toBe(0)
  })

  it('reports each of many sockets once, with its own token', () => {
    const s = sio()
    const writers: number[] = []
    for (let i = 0; i < 50; i++) {
      const [a, b] = pair()
      s.watch(a, 1000 + i)
      writers.push(b)
    }
    writers.forEach((b) => sockets.write(b, payload))
    const seen: number[] = []
    while (seen.length < 50) {
      const n = s.wait(1000)
      expect(n).toBeGreaterThan(0)
      for (let i = 0; i < n; i++) seen.push(s.readyTokens[i])
    }
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => 1000 + i))
    expect(s.wait(0)).toBe(0)
  })

  it('splits more events than maxEvents across waits without losing any', () => {
    const s = sio({ maxEvents: 4 })
    const writers: number[] = []
    for (let i = 0; i < 10; i++) {
      const [a, b] = pair()
      s.watch(a, i)
      writers.push(b)
    }
    writers.forEach((b) => sockets.write(b, payload))
    const seen = new Set<number>()
    while (seen.size < 10) {
      const n = s.wait(1000)
      expect(n).toBeGreaterThan(0)
      expect(n).toBeLessThanOrEqual(4)
      for (let i = 0; i < n; i++) seen.add(s.readyTokens[i])
    }
    expect(s.wait(0)).toBe(0)
  })

  it('reports writability once at watch() when asked for, then only on a change', () => {
    const [a] = pair()
    const s = sio()
    s.watch(a, 3, READABLE | WRITABLE)
    expect(s.wait(0)).toBe(1)
    expect(ready(s, 1)).toEqual([[3, WRITABLE]])
    expect(s.wait(0)).toBe(0)
  })

  it('reports WRITABLE again after a full send buffer drains', () => {
    const [a, b] = pair()
    const s = sio()
    s.watch(a, 8, WRITABLE)
    expect(s.wait(0)).toBe(1) // initially writable
    const chunk = Buffer.alloc(65536, 1)
    while (sockets.write(a, chunk) !== WOULD_BLOCK);
    expect(s.wait(0)).toBe(0)
    const sink = Buffer.alloc(65536)
    // Drain the peer until the kernel frees enough space to signal POLL_OUT.
    let got = 0
    for (let i = 0; i < 10_000 && got === 0; i++) {
      sockets.read(b, sink)
      got = s.wait(0)
    }
    expect(got).toBe(1)
    expect(s.readyTokens[0]).toBe(8)
    expect(s.readyBands[0] & WRITABLE).toBe(WRITABLE)
  })

  it('masks the bands to the interest: WRITABLE-only ignores incoming data', () => {
    const [a, b] = pair()
    const s = sio()
    s.watch(a, 4, WRITABLE)
    expect(s.wait(0)).toBe(1) // the initial writability
    sockets.write(b, payload)
    expect(s.wait(50)).toBe(0)
  })

  it('reports a peer hang-up as HANGUP (and ERROR, as the kernel reports POLL_HUP)', () => {
    const [a, b] = pair()
    const s = sio()
    s.watch(a, 6)
    sockets.close(b)
    expect(s.wait(1000)).toBe(1)
    expect(s.readyTokens[0]).toBe(6)
    expect(s.readyBands[0] & (READABLE | HANGUP)).not.toBe(0)
    expect(s.readyBands[0] & ~(READABLE | HANGUP | ERROR)).toBe(0)
  })

  it('modify() changes the token and reports newly asked-for readiness', () => {
    const [a, b] = pair()
    const s = sio()
    s.watch(a, 1)
    s.modify(a, 2, READABLE | WRITABLE)
    expect(s.wait(0)).toBe(1)
    expect(ready(s, 1)).toEqual([[2, WRITABLE]])
    sockets.write(b, payload)
    expect(s.wait(1000)).toBe(1)
    expect(ready(s, 1)).toEqual([[2, READABLE]])
  })

  it('wait() with a timeout returns 0 when nothing happens', () => {
    const [a] = pair()
    const s = sio()
    s.watch(a, 1)
    expect(s.wait(20)).toBe(0)
    expect(s.wait(0.5)).toBe(0) // fractions round up to 1 ms
  })
})

describe('SignalDrivenIO inside Node loop (start)', () => {
  // One call per batch, not per event (DESIGN.md decision 2): the 20 signals are all queued
  // before the loop runs again (each write raises its fd's signal at once), so the first wakeup
  // reads them together and delivers them in one call with count 20.
  it('delivers readiness that arrived together in one onReady call with the count, and keeps timers running', async () => {
    const s = sio()
    const writers: number[] = []
    for (let i = 0; i < 20; i++) {
      const [a, b] = pair()
      s.watch(a, i)
      writers.push(b)
    }
    const seen: number[] = []
    const counts: number[] = []
    s.start((count) => {
      counts.push(count)
      for (let i = 0; i < count; i++) seen.push(s.readyTokens[i])
    })
    expect(s.active).toBe(true)
    let timerFired = false
    setTimeout(() => {
      timerFired = true
    }, 1)
    writers.forEach((b) => sockets.write(b, payload))
    await until(() => seen.length === 20 && timerFired, 'all 20 fds were delivered and a timer fired')
    expect(counts).toEqual([20])
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i))
    s.stop()
    expect(s.active).toBe(false)
  })

  it('delivers readiness found at watch() time through the loop', async () => {
    const [a, b] = pair()
    sockets.write(b, payload)
    const s = sio()
    const tokens: number[] = []
    s.start((count) => {
      for (let i = 0; i < count; i++) tokens.push(s.readyTokens[i])
    })
    s.watch(a, 77)
    await until(() => tokens.length === 1)
    expect(tokens).toEqual([77])
    expect(s.stats.wakeups).toBeGreaterThan(0)
  })

  it('echoes 200 rounds through one socketpair', async () => {
    const [a, b] = pair()
    const s = sio()
    s.watch(a, 1)
    s.watch(b, 2)
    const buf = Buffer.alloc(64)
    let rounds = 0
    s.start((count) => {
      for (let i = 0; i < count; i++) {
        const fd = s.readyTokens[i] === 1 ? a : b
        const other = fd === a ? b : a
        while (sockets.read(fd, buf) > 0) {
          if (++rounds < 200) sockets.write(other, Buffer.from('x'))
        }
      }
    })
    sockets.write(b, Buffer.from('x'))
    await until(() => rounds >= 200)
    expect(rounds).toBe(200)
  })

  it('stop() keeps events queued; a later start() delivers them', async () => {
    const [a, b] = pair()
    const s = sio()
    s.watch(a, 9)
    const tokens: number[] = []
    s.start(() => tokens.push(s.readyTokens[0]))
    s.stop()
    sockets.write(b, payload)
    s.start((count) => {
      for (let i = 0; i < count; i++) tokens.push(s.readyTokens[i])
    })
    await until(() => tokens.length === 1)
    expect(tokens).toEqual([9])
  })

  it('close() inside onReady stops delivery', async () => {
    const [a, b] = pair()
    const [c, d] = pair()
    const s = sio({ maxEvents: 1 })
    s.watch(a, 1)
    s.watch(c, 2)
    let calls = 0
    s.start(() => {
      calls++
      s.close()
    })
    sockets.write(b, payload)
    sockets.write(d, payload)
    await until(() => calls === 1)
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
    expect(calls).toBe(1)
    expect(s.closed).toBe(true)
  })
})
