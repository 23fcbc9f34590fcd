import { describe, expect, it } from 'vitest'
import { READABLE, WRITABLE, sockets } from '@io/core'
import { pair, payload, ready, sio, until } from './helpers.js'

// Level-triggered mode: signals only say which fds to look at; each collect polls those
// candidates, so an fd is reported on every wait while it stays ready, like level-triggered
// epoll (SigioSelector relies on it).
describe('SignalDrivenIO level-triggered mode', () => {
  it('reports unread data again on every wait, and stops once it is read', () => {
    const [a, b] = pair()
    const s = sio({ levelTriggered: true })
    expect(s.levelTriggered).toBe(true)
    s.watch(a, 42)
    expect(s.wait(0)).toBe(0)
    sockets.write(b, payload)
    for (let round = 0; round < 3; round++) {
      expect(s.wait(1000)).toBe(1)
      expect(ready(s, 1)).toEqual([[42, READABLE]])
    }
    expect(sockets.read(a, Buffer.alloc(16))).toBe(payload.length)
    expect(s.wait(0)).toBe(0)
  })

  it('reports data that was only partly read', () => {
    const [a, b] = pair()
    const s = sio({ levelTriggered: true })
    s.watch(a, 1)
    sockets.write(b, Buffer.from('abc'))
    const one = Buffer.alloc(1)
    for (const ch of 'abc') {
      expect(s.wait(1000)).toBe(1)
      expect(sockets.read(a, one)).toBe(1)
      expect(one.toString()).toBe(ch)
    }
    expect(s.wait(0)).toBe(0)
  })

  it('reports an idle socket as writable on every wait', () => {
    const [a] = pair()
    const s = sio({ levelTriggered: true })
    s.watch(a, 9, READABLE | WRITABLE)
    for (let round = 0; round < 3; round++) {
      expect(s.wait(0)).toBe(1)
      expect(ready(s, 1)).toEqual([[9, WRITABLE]])
    }
  })

  it('takes turns when more fds are ready than the ready list holds', () => {
    const s = sio({ levelTriggered: true, maxEvents: 3 })
    for (let i = 0; i < 7; i++) {
      const [a, b] = pair()
      s.watch(a, i)
      sockets.write(b, payload)
    }
    const seen = new Set<number>()
    for (let round = 0; round < 3; round++) {
      expect(s.wait(1000)).toBe(3)
      for (let i = 0; i < 3; i++) seen.add(s.readyTokens[i])
    }
    expect(seen.size).toBe(7) // every fd within three waits, none starved
  })

  it('blocks the full timeout when its candidates turned out not ready', () => {
    const [a, b] = pair()
    const s = sio({ levelTriggered: true })
    s.watch(a, 1)
    sockets.write(b, payload)
    expect(s.wait(1000)).toBe(1)
    sockets.read(a, Buffer.alloc(16))
    expect(s.wait(20)).toBe(0)
  })

  it('keeps calling onReady on later turns while the fd stays ready, like level-triggered epoll', async () => {
    const [a, b] = pair()
    const s = sio({ levelTriggered: true })
    s.watch(a, 5)
    let calls = 0
    s.start(() => {
      if (++calls === 3) sockets.read(a, Buffer.alloc(16)) // consume on the third call
    })
    sockets.write(b, payload)
    await until(() => calls >= 3)
    for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r))
    expect(calls).toBe(3)
  })

  it('still calls onReady for an fd that a wait() while started found ready', async () => {
    // Regression: wait() consumed the signal, so neither the signalfd nor the wake-up eventfd
    // was readable and the loop never heard of the fd, which stayed ready.
    const [a, b] = pair()
    const s = sio({ levelTriggered: true })
    s.watch(a, 3)
    let calls = 0
    s.start(() => calls++)
    sockets.write(b, payload)
    expect(s.wait(1000)).toBe(1)
    await until(() => calls > 0)
  })

  it('drops a candidate whose fd was closed without unwatch()', () => {
    const s = sio({ levelTriggered: true })
    const [a, b] = sockets.socketpair()
    s.watch(a, 1)
    sockets.write(b, payload)
    expect(s.wait(1000)).toBe(1)
    sockets.close(a)
    sockets.close(b)
    expect(s.wait(0)).toBe(0)
    expect(s.watching).toBe(0)
  })
})
