// SigioSelector against the selector contract of issue 4 (what CPython's test_selectors.py
// covers). @io/selectors' shared conformance suite had not landed on main when this was
// written; once it does, SigioSelector should also run through runSelectorConformance().
import { closeSync, openSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isSystemError, sockets } from '@io/core'
import {
  ERR_ALREADY_REGISTERED,
  ERR_NOT_REGISTERED,
  ERR_SELECTOR_CLOSED,
  EVENT_READ,
  EVENT_WRITE,
  SigioSelector,
  registerSigioBackend,
} from '@io/signal'
import { defer, openFdCount, pair, thrown, until } from './helpers.js'

function selector(): SigioSelector<string> {
  const sel = new SigioSelector<string>()
  defer(() => sel.close())
  return sel
}

const codeOf = (fn: () => unknown) => (thrown(fn) as { code?: string } | undefined)?.code

/** A socketpair whose first end is registered for reading, then both ends closed. */
function registeredThenClosed(sel: SigioSelector<string>): number {
  const [a, b] = sockets.socketpair()
  sel.register(a, EVENT_READ)
  sockets.close(a)
  sockets.close(b)
  return a
}

describe('SigioSelector registrations', () => {
  it('register returns a frozen key; getKey and getMap see it; unregister returns it', () => {
    const sel = selector()
    const [a] = pair()
    const key = sel.register(a, EVENT_READ, 'data')
    expect(key).toEqual({ fileobj: a, fd: a, events: EVENT_READ, data: 'data' })
    expect(Object.isFrozen(key)).toBe(true)
    expect(sel.getKey(a)).toBe(key)
    const map = sel.getMap()
    expect(map.size).toBe(1)
    expect(map.get(a)).toBe(key)
    expect([...map.keys()]).toEqual([a])
    expect(sel.unregister(a)).toBe(key)
    expect(map.size).toBe(0) // a live view
    expect(codeOf(() => sel.getKey(a))).toBe(ERR_NOT_REGISTERED)
  })

  it('accepts objects with fileno() or a numeric fd', () => {
    const sel = selector()
    const [a, b] = pair()
    const withFileno = { fileno: () => a }
    const withFd = { fd: b }
    expect(sel.register(withFileno, EVENT_READ).fd).toBe(a)
    expect(sel.register(withFd, EVENT_WRITE).fd).toBe(b)
    expect(sel.getKey(a).fileobj).toBe(withFileno)
  })

  it('refuses an fd registered twice, even through another object', () => {
    const sel = selector()
    const [a] = pair()
    sel.register(a, EVENT_READ)
    expect(codeOf(() => sel.register(a, EVENT_WRITE))).toBe(ERR_ALREADY_REGISTERED)
    expect(codeOf(() => sel.register({ fileno: () => a }, EVENT_READ))).toBe(ERR_ALREADY_REGISTERED)
  })

  it('refuses bad events and file objects with TypeError/RangeError', () => {
    const sel = selector()
    const [a] = pair()
    expect(() => sel.register(a, 0)).toThrow(RangeError)
    expect(() => sel.register(a, 4)).toThrow(RangeError)
    expect(() => sel.register(a, 1.5)).toThrow(TypeError)
    expect(() => sel.register(-1, EVENT_READ)).toThrow(RangeError)
    expect(() => sel.register({} as never, EVENT_READ)).toThrow(TypeError)
    expect(() => sel.register({ fileno: () => 'x' } as never, EVENT_READ)).toThrow(TypeError)
    expect(sel.getMap().size).toBe(0)
  })

  it('a closed fd or a regular file: the SystemError, nothing registered', () => {
    const sel = selector()
    const [a, b] = sockets.socketpair()
    sockets.close(a)
    sockets.close(b)
    let error: unknown
    try {
      sel.register(a, EVENT_READ)
    } catch (e) {
      error = e
    }
    expect(isSystemError(error, 'EBADF')).toBe(true)
    const file = openSync(join(tmpdir(), `sigio-sel-${process.pid}`), 'w')
    defer(() => closeSync(file))
    expect(() => sel.register(file, EVENT_READ)).toThrow(expect.objectContaining({ code: 'EPERM' }))
    expect(sel.getMap().size).toBe(0)
  })

  it('unregister/modify/getKey of an unknown fd: ERR_NOT_REGISTERED', () => {
    const sel = selector()
    const [a] = pair()
    expect(codeOf(() => sel.unregister(a))).toBe(ERR_NOT_REGISTERED)
    expect(codeOf(() => sel.modify(a, EVENT_READ))).toBe(ERR_NOT_REGISTERED)
    expect(codeOf(() => sel.getKey(a))).toBe(ERR_NOT_REGISTERED)
  })

  it('modify changes events and data, and returns the new key', () => {
    const sel = selector()
    const [a, b] = pair()
    sel.register(a, EVENT_READ, 'one')
    const key = sel.modify(a, EVENT_READ | EVENT_WRITE, 'two')
    expect(key).toMatchObject({ fd: a, events: EVENT_READ | EVENT_WRITE, data: 'two' })
    expect(sel.getKey(a)).toBe(key)
    expect(sel.select(0)).toEqual([[key, EVENT_WRITE]])
    sockets.write(b, Buffer.from('x'))
    expect(sel.select(1000)).toEqual([[key, EVENT_READ | EVENT_WRITE]])
    const dataOnly = sel.modify(a, EVENT_READ | EVENT_WRITE, 'three')
    expect(dataOnly.data).toBe('three')
  })

  it('a failing modify leaves the fd unregistered', () => {
    const sel = selector()
    const a = registeredThenClosed(sel)
    expect(() => sel.modify(a, EVENT_WRITE)).toThrow(expect.objectContaining({ code: 'EBADF' }))
    expect(sel.getMap().has(a)).toBe(false)
  })

  it('unregister succeeds after the fd was closed, and after its number was reused', () => {
    const sel = selector()
    const a = registeredThenClosed(sel)
    expect(sel.unregister(a).fd).toBe(a)

    const c = registeredThenClosed(sel)
    const [e] = pair()
    expect(e).toBe(c)
    expect(sel.unregister(c).fd).toBe(c)
    expect(sel.getMap().size).toBe(0)
  })

  it('any use after close: ERR_SELECTOR_CLOSED; close twice is fine', () => {
    const sel = new SigioSelector()
    const [a] = pair()
    sel.register(a, EVENT_READ)
    sel.close()
    sel.close()
    expect(sel.closed).toBe(true)
    for (const fn of [
      () => sel.register(a, EVENT_READ),
      () => sel.unregister(a),
      () => sel.modify(a, EVENT_READ),
      () => sel.getKey(a),
      () => sel.getMap(),
      () => sel.select(0),
      () => sel.start(() => {}),
    ]) {
      expect(codeOf(fn)).toBe(ERR_SELECTOR_CLOSED)
    }
  })
})

describe('SigioSelector select', () => {
  it('an idle socketpair reports only EVENT_WRITE, every time (level-triggered)', () => {
    const sel = selector()
    const [a] = pair()
    const key = sel.register(a, EVENT_READ | EVENT_WRITE)
    for (let i = 0; i < 3; i++) expect(sel.select(0)).toEqual([[key, EVENT_WRITE]])
  })

  it('an empty selector returns nothing', () => {
    const sel = selector()
    expect(sel.select(0)).toEqual([])
    expect(sel.select(1)).toEqual([])
  })

  it('timeouts: 0 and negative poll once, a positive one waits at least that long', () => {
    const sel = selector()
    const [a] = pair()
    sel.register(a, EVENT_READ)
    expect(sel.select(0)).toEqual([])
    expect(sel.select(-5)).toEqual([])
    const start = performance.now()
    expect(sel.select(30)).toEqual([])
    expect(performance.now() - start).toBeGreaterThanOrEqual(29) // a lower bound, not a speed claim
    expect(() => sel.select(Number.NaN)).toThrow(TypeError)
  })

  it('undefined blocks until something is ready', async () => {
    const sel = selector()
    const [a, b] = pair()
    const key = sel.register(a, EVENT_READ)
    const { Worker } = await import('node:worker_threads')
    const writer = new Worker(
      `const { sockets } = require('@io/core'); setTimeout(() => sockets.write(${b}, Buffer.from('x')), 20)`,
      { eval: true },
    )
    expect(sel.select()).toEqual([[key, EVENT_READ]])
    await writer.terminate()
  })

  it('routes random writes across 12 socketpairs to the right keys', () => {
    const sel = selector()
    const pairs = Array.from({ length: 12 }, () => pair())
    pairs.forEach(([r], i) => sel.register(r, EVENT_READ, `pair${i}`))
    const buf = Buffer.alloc(16)
    let seed = 7
    for (let round = 0; round < 200; round++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      const i = seed % 12
      sockets.write(pairs[i][1], Buffer.from('x'))
      const ready = sel.select(1000)
      expect(ready.map(([key, events]) => [key.data, events])).toEqual([[`pair${i}`, EVENT_READ]])
      sockets.read(pairs[i][0], buf)
    }
  })

  it('reports a hang-up as ready for what was registered', () => {
    const sel = selector()
    const [a, b] = sockets.socketpair()
    defer(() => sockets.close(a))
    const key = sel.register(a, EVENT_READ)
    sockets.close(b)
    expect(sel.select(1000)).toEqual([[key, EVENT_READ]])
  })

  it('handles more than 1024 fds, up to what ulimit -n allows', () => {
    const sel = selector()
    // The fds this process may still open (soft RLIMIT_NOFILE, capped at 20000 to stay
    // bounded), less a margin, go to socketpairs; one end of each is registered.
    const limits = readFileSync('/proc/self/limits', 'utf8')
    const soft = Number(/^Max open files\s+(\d+)/m.exec(limits)?.[1] ?? 1024)
    const count = Math.floor((Math.min(soft, 20000) - openFdCount() - 100) / 2)
    expect(count * 2).toBeGreaterThan(1024)
    const writers: number[] = []
    for (let i = 0; i < count; i++) {
      const [r, w] = sockets.socketpair()
      defer(() => {
        sockets.close(r)
        sockets.close(w)
      })
      sel.register(r, EVENT_READ, String(i))
      writers.push(w)
    }
    expect(sel.getMap().size).toBe(count)
    expect(Math.max(...sel.getMap().keys())).toBeGreaterThan(1024)
    for (const i of [0, count >> 1, count - 1]) sockets.write(writers[i], Buffer.from('x'))
    const got: string[] = []
    for (let tries = 0; got.length < 3 && tries < 10; tries++) got.push(...sel.select(1000).map(([key]) => key.data!))
    expect(new Set(got)).toEqual(new Set(['0', String(count >> 1), String(count - 1)]))
  })
})

describe('SigioSelector inside Node loop', () => {
  it('start() delivers batches as select would; stop() ends it', async () => {
    const sel = selector()
    const [a, b] = pair()
    const key = sel.register(a, EVENT_READ, 'a')
    const batches: Array<Array<[string | undefined, number]>> = []
    sel.start((events) => {
      batches.push(events.map(([k, e]) => [k.data, e]))
      sockets.read(a, Buffer.alloc(16)) // consume, or level-triggered reports it again
    })
    expect(sel.active).toBe(true)
    sockets.write(b, Buffer.from('x'))
    await until(() => batches.length === 1)
    expect(batches[0]).toEqual([['a', EVENT_READ]])
    expect(key.fd).toBe(a)
    sel.stop()
    expect(sel.active).toBe(false)
  })

  it('is the sigio backend for @io/selectors when that package has a backend registry', () => {
    // @io/selectors on main has no registry yet: registering is then a no-op, not an error.
    expect(typeof registerSigioBackend()).toBe('boolean')
  })
})
