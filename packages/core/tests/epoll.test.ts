import { openSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import {
  EDGE_TRIGGERED,
  EXCLUSIVE,
  Epoll,
  ONESHOT,
  READABLE,
  READ_HANGUP,
  WOULD_BLOCK,
  WRITABLE,
  constants,
  sockets,
} from '@io/core'
import { openFdCount } from './helpers.js'

const cleanup: Array<() => void> = []
afterEach(() => {
  while (cleanup.length) cleanup.pop()!()
})

function pair(): [number, number] {
  const fds = sockets.socketpair(constants.AF_UNIX, constants.SOCK_STREAM | constants.SOCK_NONBLOCK)
  cleanup.push(() => fds.forEach((fd) => sockets.close(fd)))
  return fds
}

function epoll(maxEvents?: number): Epoll {
  const ep = new Epoll({ maxEvents })
  cleanup.push(() => ep.close())
  return ep
}

/** The (token, events) pairs of the last wait, read from the ready list. */
function ready(ep: Epoll, count: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (let i = 0; i < count; i++) out.push([ep.readyTokens[i], ep.readyEvents[i]])
  return out
}

const payload = Buffer.from('hello')

describe('Epoll level-triggered', () => {
  it('reports unread data again on every wait', () => {
    const [a, b] = pair()
    const ep = epoll()
    ep.add(a, READABLE, 42)
    expect(ep.wait(0)).toBe(0)
    sockets.write(b, payload)
    for (let round = 0; round < 3; round++) {
      expect(ep.wait(0)).toBe(1)
      expect(ready(ep, 1)).toEqual([[42, READABLE]])
    }
    const buf = Buffer.alloc(16)
    expect(sockets.read(a, buf)).toBe(payload.length)
    expect(ep.wait(0)).toBe(0)
  })

  it('still reports data that was only partly read', () => {
    const [a, b] = pair()
    const ep = epoll()
    ep.add(a, READABLE, 1)
    sockets.write(b, Buffer.from('abcdef'))
    const one = Buffer.alloc(1)
    for (const ch of 'abcdef') {
      expect(ep.wait(0)).toBe(1)
      expect(sockets.read(a, one)).toBe(1)
      expect(one.toString()).toBe(ch)
    }
    expect(ep.wait(0)).toBe(0)
  })

  it('reports a writable socket and both interests in one event', () => {
    const [a, b] = pair()
    const ep = epoll()
    ep.add(a, READABLE | WRITABLE, 9)
    expect(ep.wait(0)).toBe(1)
    expect(ready(ep, 1)).toEqual([[9, WRITABLE]])
    sockets.write(b, payload)
    expect(ep.wait(0)).toBe(1)
    expect(ready(ep, 1)).toEqual([[9, READABLE | WRITABLE]])
  })
})

describe('Epoll edge-triggered', () => {
  it('reports data once until drained, and again only on new data', () => {
    const [a, b] = pair()
    const ep = epoll()
    ep.add(a, READABLE | EDGE_TRIGGERED, 5)
    sockets.write(b, payload)
    expect(ep.wait(0)).toBe(1)
    expect(ready(ep, 1)).toEqual([[5, READABLE]])
    // Not drained, but no new edge: silent.
    expect(ep.wait(0)).toBe(0)
    expect(ep.wait(0)).toBe(0)
    // New data is a new edge.
    sockets.write(b, payload)
    expect(ep.wait(0)).toBe(1)
    // Drain until WOULD_BLOCK, then silence until the next write.
    const buf = Buffer.alloc(64)
    expect(sockets.read(a, buf)).toBe(2 * payload.length)
    expect(sockets.read(a, buf)).toBe(WOULD_BLOCK)
    expect(ep.wait(0)).toBe(0)
    sockets.write(b, payload)
    expect(ep.wait(0)).toBe(1)
    expect(ready(ep, 1)).toEqual([[5, READABLE]])
  })

  it('accepts the EPOLLET bit (2^31) as an unsigned interest', () => {
    expect(EDGE_TRIGGERED).toBe(2 ** 31)
  })
})

describe('Epoll oneshot', () => {
  it('disarms after one event and needs modify() to re-arm', () => {
    const [a, b] = pair()
    const ep = epoll()
    ep.add(a, READABLE | ONESHOT, 3)
    sockets.write(b, payload)
    expect(ep.wait(0)).toBe(1)
    expect(ep.wait(0)).toBe(0) // disarmed although the data is still unread
    sockets.write(b, payload)
    expect(ep.wait(0)).toBe(0) // even new data does not wake it
    ep.modify(a, READABLE | ONESHOT, 4)
    expect(ep.wait(0)).toBe(1)
    expect(ready(ep, 1)).toEqual([[4, READABLE]])
    expect(ep.wait(0)).toBe(0)
  })
})

describe('Epoll exclusive', () => {
  it('is accepted on add and refused (EINVAL) on modify', () => {
    const [a, b] = pair()
    const ep1 = epoll()
    const ep2 = epoll()
    ep1.add(a, READABLE | EXCLUSIVE, 1)
    ep2.add(a, READABLE | EXCLUSIVE, 2)
    sockets.write(b, payload)
    // Both still see it when each asks (exclusive limits wake-ups of blocked waiters).
    expect(ep1.wait(0) + ep2.wait(0)).toBeGreaterThanOrEqual(1)
    expect(() => ep1.modify(a, READABLE | EXCLUSIVE, 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }))
    expect(() => ep1.modify(a, READABLE, 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }))
  })
})

describe('Epoll read hang-up', () => {
  it('reports READ_HANGUP when the peer half-closes, over TCP', () => {
    const server = sockets.socket(constants.AF_INET, constants.SOCK_STREAM)
    cleanup.push(() => sockets.close(server))
    sockets.bind(server, '127.0.0.1', 0)
    sockets.listen(server, 8)
    const { port } = sockets.getsockname(server)
    const client = sockets.socket(constants.AF_INET, constants.SOCK_STREAM)
    cleanup.push(() => sockets.close(client))
    sockets.connect(client, '127.0.0.1', port)
    const conn = sockets.accept(server)
    cleanup.push(() => sockets.close(conn))
    const ep = epoll()
    ep.add(conn, READABLE | READ_HANGUP, 11)
    expect(ep.wait(0)).toBe(0)
    sockets.shutdown(client, constants.SHUT_WR)
    expect(ep.wait(1000)).toBe(1)
    expect(ep.readyTokens[0]).toBe(11)
    expect(ep.readyEvents[0] & READ_HANGUP).toBe(READ_HANGUP)
    expect(sockets.read(conn, Buffer.alloc(8))).toBe(0) // end of file
    // The other direction still works: a half-closed peer can still read.
    expect(sockets.send(conn, payload)).toBe(payload.length)
    expect(sockets.read(client, Buffer.alloc(8))).toBe(payload.length)
  })
})

describe('Epoll tokens', () => {
  it('tells a stale event for a closed and reused fd apart by its token', () => {
    const ep = epoll()
    const [a, b] = sockets.socketpair(constants.AF_UNIX, constants.SOCK_STREAM | constants.SOCK_NONBLOCK)
    ep.add(a, READABLE, 100)
    sockets.write(b, payload)
    expect(ep.wait(0)).toBe(1)
    expect(ep.readyTokens[0]).toBe(100)
    // The handler of this batch closes `a`; the next socket reuses its number.
    sockets.close(a)
    sockets.close(b)
    const [c, d] = pair()
    expect(c).toBe(a)
    // The batch still holds token 100 for fd number `a`: a caller whose map no longer has 100 drops it.
    expect(ep.readyTokens[0]).toBe(100)
    ep.add(c, READABLE, 200)
    sockets.write(d, payload)
    expect(ep.wait(0)).toBe(1)
    expect(ready(ep, 1)).toEqual([[200, READABLE]])
  })

  it('carries the full unsigned 32-bit range', () => {
    const [a, b] = pair()
    const ep = epoll()
    ep.add(a, READABLE, 0xffffffff)
    sockets.write(b, payload)
    expect(ep.wait(0)).toBe(1)
    expect(ep.readyTokens[0]).toBe(0xffffffff)
    ep.modify(a, READABLE, 0)
    expect(ep.wait(0)).toBe(1)
    expect(ep.readyTokens[0]).toBe(0)
  })

  it('fills at most maxEvents entries per wait and reports the rest next time', () => {
    const ep = epoll(2)
    const fds = [pair(), pair(), pair()]
    fds.forEach(([a, b], i) => {
      ep.add(a, READABLE, i)
      sockets.write(b, payload)
    })
    expect(ep.readyTokens.length).toBe(2)
    expect(ep.wait(0)).toBe(2)
    const first = ready(ep, 2).map(([t]) => t)
    expect(ep.wait(0)).toBe(2)
    const seen = new Set([...first, ...ready(ep, 2).map(([t]) => t)])
    expect(seen).toEqual(new Set([0, 1, 2])) // the kernel rotates through the ready fds
  })
})

describe('Epoll wait timeouts', () => {
  it('returns 0 after a positive timeout with nothing ready', () => {
    const ep = epoll()
    const [a] = pair()
    ep.add(a, READABLE, 1)
    expect(ep.wait(1)).toBe(0)
    expect(ep.wait(0.2)).toBe(0) // a fraction rounds up to 1 ms rather than polling
  })

  it('a wait interrupted by signals (EINTR) still lasts its whole timeout', async () => {
    // Regression: epoll_wait is never restarted after a signal handler; the retry used a
    // deadline truncated to whole ms and could end up to 1 ms early. A worker signals this
    // process every 0.3 ms, so every one of the 100 waits below is interrupted several times.
    const ep = epoll()
    const [a] = pair()
    ep.add(a, READABLE, 1) // never readable: each wait runs to its timeout
    const onSignal = () => {}
    process.on('SIGUSR2', onSignal)
    const signaller = new Worker(`setInterval(() => process.kill(process.pid, 'SIGUSR2'), 0.3)`, { eval: true })
    try {
      await new Promise((resolve) => signaller.once('online', resolve))
      const short: number[] = []
      for (let i = 0; i < 100; i++) {
        const start = performance.now()
        expect(ep.wait(2.5)).toBe(0)
        const elapsed = performance.now() - start
        if (elapsed < 2.5) short.push(elapsed)
      }
      expect(short).toEqual([])
    } finally {
      await signaller.terminate()
      process.off('SIGUSR2', onSignal)
    }
  })

  it('rejects a NaN or non-number timeout', () => {
    const ep = epoll()
    expect(() => ep.wait(Number.NaN)).toThrow(TypeError)
    expect(() => ep.wait('5' as never)).toThrow(TypeError)
  })
})

describe('Epoll bad input', () => {
  it('rejects non-integer, negative and out-of-range fds before any syscall', () => {
    const ep = epoll()
    expect(() => ep.add(1.5, READABLE, 1)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => ep.add('3' as never, READABLE, 1)).toThrow(TypeError)
    expect(() => ep.add(undefined as never, READABLE, 1)).toThrow(TypeError)
    expect(() => ep.add(-1, READABLE, 1)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }))
    expect(() => ep.add(2 ** 31, READABLE, 1)).toThrow(RangeError)
    expect(() => ep.delete(-5)).toThrow(RangeError)
  })

  it('rejects tokens outside 0..2^32-1 and unknown interest bits', () => {
    const ep = epoll()
    const [a] = pair()
    expect(() => ep.add(a, READABLE, -1)).toThrow(RangeError)
    expect(() => ep.add(a, READABLE, 2 ** 32)).toThrow(RangeError)
    expect(() => ep.add(a, READABLE, 0.5)).toThrow(TypeError)
    expect(() => ep.add(a, READABLE, Number.NaN)).toThrow(TypeError)
    expect(() => ep.add(a, 1 << 20, 1)).toThrow(RangeError)
    expect(() => ep.add(a, -1, 1)).toThrow(RangeError)
    // None of those registered anything.
    expect(() => ep.delete(a)).toThrow(expect.objectContaining({ code: 'ENOENT' }))
  })

  it('throws EBADF for a closed fd, EPERM for a regular file', () => {
    const ep = epoll()
    const [a, b] = sockets.socketpair()
    sockets.close(a)
    sockets.close(b)
    const err = (() => {
      try {
        ep.add(a, READABLE, 1)
      } catch (e) {
        return e as NodeJS.ErrnoException
      }
    })()
    expect(err).toMatchObject({ code: 'EBADF', errno: -9, syscall: 'epoll_ctl' })
    expect(err?.message).toMatch(/^EBADF: .*, epoll_ctl$/)
    const file = join(tmpdir(), `io-epoll-${process.pid}.txt`)
    const fd = openSync(file, 'w')
    try {
      expect(() => ep.add(fd, READABLE, 1)).toThrow(expect.objectContaining({ code: 'EPERM', syscall: 'epoll_ctl' }))
    } finally {
      closeSync(fd)
    }
  })

  it('throws EEXIST when adding twice and ENOENT for modify/delete of an fd never added', () => {
    const ep = epoll()
    const [a, b] = pair()
    ep.add(a, READABLE, 1)
    expect(() => ep.add(a, READABLE, 2)).toThrow(expect.objectContaining({ code: 'EEXIST' }))
    expect(() => ep.modify(b, READABLE, 1)).toThrow(expect.objectContaining({ code: 'ENOENT' }))
    expect(() => ep.delete(b)).toThrow(expect.objectContaining({ code: 'ENOENT' }))
    ep.delete(a)
    expect(() => ep.delete(a)).toThrow(expect.objectContaining({ code: 'ENOENT' }))
  })

  it('rejects bad options', () => {
    expect(() => new Epoll({ maxEvents: 0 })).toThrow(RangeError)
    expect(() => new Epoll({ maxEvents: 2 ** 21 })).toThrow(RangeError)
    expect(() => new Epoll({ maxEvents: 1.5 })).toThrow(TypeError)
    expect(() => new Epoll(null as never)).toThrow(TypeError)
  })

  it('throws ERR_EPOLL_CLOSED for any call after close, and close twice is harmless', () => {
    const ep = new Epoll()
    const [a] = pair()
    ep.close()
    ep.close()
    expect(ep.closed).toBe(true)
    for (const call of [
      () => ep.add(a, READABLE, 1),
      () => ep.modify(a, READABLE, 1),
      () => ep.delete(a),
      () => ep.wait(0),
      () => ep.start(() => {}),
    ]) {
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_EPOLL_CLOSED' }))
    }
  })

  it('refuses to write into a ready list that JavaScript detached', () => {
    const ep = epoll()
    structuredClone(ep.readyBuffer, { transfer: [ep.readyBuffer] })
    expect(() => ep.wait(0)).toThrow(expect.objectContaining({ code: 'ERR_READY_LIST_DETACHED' }))
  })

  it('leaks no fd over many create/add/error/close cycles', () => {
    const before = openFdCount()
    for (let i = 0; i < 200; i++) {
      const ep = new Epoll({ maxEvents: 8 })
      const [a, b] = sockets.socketpair()
      ep.add(a, READABLE, i)
      try {
        ep.add(a, READABLE, i)
      } catch {}
      using _ = ep
      sockets.close(a)
      sockets.close(b)
    }
    expect(openFdCount()).toBe(before)
  })
})
