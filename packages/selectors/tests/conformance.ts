/**
 * The selector conformance suite: what every selector must do, whatever syscall is under it
 * (the role of CPython's BaseSelectorTestCase). Run it against a selector with
 * `runSelectorConformance(name, factory, options)`, or inside your own `describe.each` with
 * `selectorConformanceTests(factory, options)`. @io/signal runs it against SigioSelector.
 *
 * Tests never depend on timing: waits are bounded loops, and the one timing assertion is a
 * lower bound ("a timeout waits at least that long"), which is part of the contract.
 */
import { performance } from 'node:perf_hooks'
import { sockets } from '@io/core'
import {
  type BaseSelector,
  ERR_ALREADY_REGISTERED,
  ERR_NOT_REGISTERED,
  ERR_SELECTOR_CLOSED,
  EVENT_READ,
  EVENT_WRITE,
  type SelectorEvent,
} from '@io/selectors'
import { describe, expect, it } from 'vitest'
import { loopTurn, openFdCount, until } from '../../core/tests/helpers.js'
import { expectError, openFileLimit, seededRandom, useFixtures, writeFromWorker } from './fixtures.js'
import { startTogglingEcho } from './toggling-echo.js'

export interface ConformanceOptions {
  /** The selector cannot watch fds at or above this (SelectSelector: FD_SETSIZE, 1024). */
  fdLimit?: number
  /** The selector reports changes, not levels: an fd left ready is not reported again. */
  edgeTriggered?: boolean
}

/** Makes the selector under test. */
export type ConformanceFactory = () => BaseSelector<any>

/** At most this many socketpairs in the many-fds test (about 18000 fds with the ulimit here). */
const MAX_PAIRS = 9000
const MESSAGE = Buffer.from(' This is a test.')

function fdsWith(events: SelectorEvent[], mask: number): number[] {
  return events.filter(([, ev]) => (ev & mask) !== 0).map(([key]) => key.fd)
}

function sendByte(fd: number): void {
  expect(sockets.write(fd, Buffer.from('x'))).toBe(1)
}

/** Defines the conformance tests in the current describe block. */
export function selectorConformanceTests(factory: ConformanceFactory, options: ConformanceOptions = {}): void {
  const fx = useFixtures()
  const make = () => fx.selector(factory)
  const edge = options.edgeTriggered === true

  describe('registration', () => {
    it('register returns a frozen key that getKey finds, for fds and file objects', () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      const key = sel.register(rd, EVENT_READ, 'data')
      expect(key).toEqual({ fileobj: rd, fd: rd, events: EVENT_READ, data: 'data' })
      expect(Object.isFrozen(key)).toBe(true)
      expect(sel.getKey(rd)).toBe(key)

      const withFileno = { fileno: () => wr }
      const key2 = sel.register(withFileno, EVENT_READ | EVENT_WRITE)
      expect(key2).toMatchObject({ fileobj: withFileno, fd: wr, events: EVENT_READ | EVENT_WRITE })
      expect(key2.data).toBeUndefined()
      expect(sel.getKey(withFileno)).toBe(key2)
      expect(sel.getKey(wr)).toBe(key2)
    })

    it('register accepts an object with a numeric fd property', () => {
      const sel = make()
      const [rd] = fx.pair()
      const handle = { fd: rd }
      expect(sel.register(handle, EVENT_READ).fd).toBe(rd)
      expect(sel.unregister(handle).fileobj).toBe(handle)
    })

    it('register rejects bad events and fds before any syscall, leaving nothing registered', () => {
      const sel = make()
      const [rd] = fx.pair()
      const cases: Array<[unknown, unknown, new () => Error, string]> = [
        [rd, 0, RangeError, 'ERR_OUT_OF_RANGE'],
        [rd, 4, RangeError, 'ERR_OUT_OF_RANGE'],
        [rd, EVENT_READ | 8, RangeError, 'ERR_OUT_OF_RANGE'],
        [rd, -1, RangeError, 'ERR_OUT_OF_RANGE'],
        [rd, 1.5, RangeError, 'ERR_OUT_OF_RANGE'],
        [rd, '1', TypeError, 'ERR_INVALID_ARG_TYPE'],
        [rd, undefined, TypeError, 'ERR_INVALID_ARG_TYPE'],
        [-1, EVENT_READ, RangeError, 'ERR_OUT_OF_RANGE'],
        [1.5, EVENT_READ, RangeError, 'ERR_OUT_OF_RANGE'],
        [2 ** 31, EVENT_READ, RangeError, 'ERR_OUT_OF_RANGE'],
        ['3', EVENT_READ, TypeError, 'ERR_INVALID_ARG_TYPE'],
        [null, EVENT_READ, TypeError, 'ERR_INVALID_ARG_TYPE'],
        [{}, EVENT_READ, TypeError, 'ERR_INVALID_ARG_TYPE'],
        [{ fileno: () => -1 }, EVENT_READ, RangeError, 'ERR_OUT_OF_RANGE'],
        [{ fileno: () => 'x' }, EVENT_READ, TypeError, 'ERR_INVALID_ARG_TYPE'],
        [{ fd: -1 }, EVENT_READ, RangeError, 'ERR_OUT_OF_RANGE'],
      ]
      for (const [fileobj, events, type, code] of cases) {
        expectError(() => sel.register(fileobj as number, events as number), type, code)
      }
      expect(sel.getMap().size).toBe(0)
    })

    it('registering an fd twice throws ERR_ALREADY_REGISTERED, even through another object', () => {
      const sel = make()
      const [rd] = fx.pair()
      const key = sel.register(rd, EVENT_READ)
      expectError(() => sel.register(rd, EVENT_READ), Error, ERR_ALREADY_REGISTERED)
      expectError(() => sel.register({ fileno: () => rd }, EVENT_WRITE), Error, ERR_ALREADY_REGISTERED)
      expect(sel.getKey(rd)).toBe(key)
      expect(sel.getMap().size).toBe(1)
    })

    it('unregister returns the old key; unknown fds throw ERR_NOT_REGISTERED', () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      const key = sel.register(rd, EVENT_READ)
      expect(sel.unregister(rd)).toBe(key)
      expect(sel.getMap().size).toBe(0)
      expectError(() => sel.unregister(rd), Error, ERR_NOT_REGISTERED)
      expectError(() => sel.getKey(rd), Error, ERR_NOT_REGISTERED)
      expectError(() => sel.modify(wr, EVENT_READ), Error, ERR_NOT_REGISTERED)
      // Registering again after unregister works.
      expect(sel.register(rd, EVENT_WRITE).events).toBe(EVENT_WRITE)
    })

    it('unregister succeeds after the fd was closed', () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      let open = true
      const socketLike = { fileno: () => (open ? wr : -1) } // answers -1 once closed, as sockets do
      sel.register(rd, EVENT_READ)
      sel.register(socketLike, EVENT_WRITE)
      fx.closeFd(rd)
      fx.closeFd(wr)
      open = false
      expect(sel.unregister(rd).fd).toBe(rd)
      expect(sel.unregister(socketLike).fd).toBe(wr)
      expect(sel.getMap().size).toBe(0)
    })

    it('unregister succeeds after the fd was closed and its number reused', () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      sel.register(rd, EVENT_READ)
      sel.register(wr, EVENT_WRITE)
      fx.closeFd(rd)
      fx.closeFd(wr)
      // The kernel hands out the lowest free number: a few new pairs take the old numbers back.
      const fresh: number[] = []
      for (let i = 0; i < 64 && !(fresh.includes(rd) && fresh.includes(wr)); i++) fresh.push(...fx.pair())
      expect(fresh).toContain(rd)
      expect(fresh).toContain(wr)
      sel.unregister(rd)
      sel.unregister(wr)
      expect(sel.getMap().size).toBe(0)
      // The reused numbers register cleanly, and nothing stale is reported for them.
      sel.register(rd, EVENT_READ)
      expect(sel.select(0)).toEqual([])
    })

    it('modify changes events and data and returns the new key', () => {
      const sel = make()
      const [rd] = fx.pair()
      const first = sel.register(rd, EVENT_READ, 'a')
      const second = sel.modify(rd, EVENT_WRITE, 'b')
      expect(second).toEqual({ fileobj: rd, fd: rd, events: EVENT_WRITE, data: 'b' })
      expect(first.events).toBe(EVENT_READ) // keys never change under their holder
      expect(sel.getKey(rd)).toBe(second)
      const third = sel.modify(rd, EVENT_WRITE, 'c') // data only
      expect(third).toEqual({ fileobj: rd, fd: rd, events: EVENT_WRITE, data: 'c' })
      expect(sel.getKey(rd)).toBe(third)
      // The new interest is what the kernel now watches: an idle socket is writable, not readable.
      expect(sel.select(0)).toEqual([[third, EVENT_WRITE]])
    })

    it('modify with bad events throws before any change', () => {
      const sel = make()
      const [rd] = fx.pair()
      const key = sel.register(rd, EVENT_READ)
      expectError(() => sel.modify(rd, 0), RangeError, 'ERR_OUT_OF_RANGE')
      expectError(() => sel.modify(rd, 'x' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE')
      expect(sel.getKey(rd)).toBe(key)
    })

    it('a modify that fails leaves the fd unregistered', () => {
      const sel = make()
      const [rd] = fx.pair()
      sel.register(rd, EVENT_READ)
      fx.closeFd(rd)
      let failed = false
      try {
        sel.modify(rd, EVENT_WRITE)
      } catch {
        failed = true
      }
      // Selectors that tell the kernel at once (epoll) refuse a closed fd; those that keep the
      // list themselves (select, poll) accept it. Either way nothing is left half-registered.
      if (failed) expectError(() => sel.getKey(rd), Error, ERR_NOT_REGISTERED)
      else expect(sel.getKey(rd).events).toBe(EVENT_WRITE)
    })

    it('getMap is a live, read-only view of the registrations', () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      const map = sel.getMap()
      expect(map.size).toBe(0)
      const k1 = sel.register(rd, EVENT_READ)
      const k2 = sel.register(wr, EVENT_WRITE)
      expect(map.size).toBe(2)
      expect(map.get(rd)).toBe(k1)
      expect(map.has(wr)).toBe(true)
      expect(map.has(12345)).toBe(false)
      expect(new Map(map)).toEqual(new Map([[rd, k1], [wr, k2]]))
      expect([...map.keys()].sort()).toEqual([rd, wr].sort())
      sel.unregister(rd)
      expect(map.size).toBe(1)
      expect('set' in map).toBe(false)
      expect('delete' in map).toBe(false)
    })
  })

  describe('close', () => {
    it('any use after close throws ERR_SELECTOR_CLOSED; close is idempotent', () => {
      const sel = make()
      const [rd] = fx.pair()
      sel.register(rd, EVENT_READ)
      const map = sel.getMap()
      sel.close()
      sel.close()
      expect(sel.closed).toBe(true)
      expect(map.size).toBe(0)
      for (const use of [
        () => sel.register(rd, EVENT_READ),
        () => sel.unregister(rd),
        () => sel.modify(rd, EVENT_WRITE),
        () => sel.getKey(rd),
        () => sel.getMap(),
        () => sel.select(0),
        () => sel.start(() => {}),
      ]) {
        expectError(use, Error, ERR_SELECTOR_CLOSED)
      }
      sel.stop() // stopping a closed selector is harmless
    })

    it('Symbol.dispose closes the selector', () => {
      const sel = make()
      sel[Symbol.dispose]()
      expect(sel.closed).toBe(true)
    })

    it('close releases every fd the selector opened, also after start/stop', () => {
      const before = openFdCount()
      const sel = factory()
      const [rd] = fx.pair()
      sel.register(rd, EVENT_READ)
      sel.start(() => {})
      sel.stop()
      sel.start(() => {})
      sel.close()
      expect(openFdCount()).toBe(before + 2) // only the pair is left
    })
  })

  describe('select', () => {
    it('an idle socketpair reports only EVENT_WRITE', () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      const krd = sel.register(rd, EVENT_READ | EVENT_WRITE)
      const kwr = sel.register(wr, EVENT_READ | EVENT_WRITE)
      const ready = sel.select(0).sort(([a], [b]) => a.fd - b.fd)
      expect(ready).toEqual(
        [
          [krd, EVENT_WRITE],
          [kwr, EVENT_WRITE],
        ].sort(([a], [b]) => (a as { fd: number }).fd - (b as { fd: number }).fd),
      )
    })

    it('reports EVENT_READ when data arrives, masked to the registered events', () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      const [rd2, wr2] = fx.pair()
      const key = sel.register(rd, EVENT_READ | EVENT_WRITE, 'both')
      const writeOnly = sel.register(rd2, EVENT_WRITE, 'write only')
      sendByte(wr)
      sendByte(wr2)
      const ready = sel.select()
      expect(ready).toContainEqual([key, EVENT_READ | EVENT_WRITE])
      expect(ready).toContainEqual([writeOnly, EVENT_WRITE])
      expect(ready).toHaveLength(2)
    })

    it('reports a hang-up as ready for what was registered', () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      const key = sel.register(rd, EVENT_READ)
      fx.closeFd(wr)
      expect(sel.select()).toEqual([[key, EVENT_READ]])
    })

    it('routes random writes across 12 socketpairs to the right reader', () => {
      const sel = make()
      const random = seededRandom(12)
      const readerOf = new Map<number, number>()
      const writers = new Set<number>()
      for (let i = 0; i < 12; i++) {
        const [rd, wr] = fx.pair()
        sel.register(rd, EVENT_READ)
        sel.register(wr, EVENT_WRITE)
        readerOf.set(wr, rd)
        writers.add(wr)
      }
      const received: Buffer[] = []
      const writable = new Set<number>() // an edge-triggered selector reports each writer once
      while (writers.size > 0) {
        for (const fd of fdsWith(sel.select(edge && writable.size > 0 ? 0 : undefined), EVENT_WRITE)) writable.add(fd)
        const candidates = [...writable].filter((fd) => writers.has(fd))
        expect(candidates.length).toBeGreaterThan(0)
        const wr = candidates[Math.floor(random() * candidates.length)]
        expect(sockets.write(wr, MESSAGE)).toBe(MESSAGE.length)

        let readers: number[] = []
        for (let tries = 0; tries < 100 && readers.length === 0; tries++) readers = fdsWith(sel.select(100), EVENT_READ)
        const rd = readerOf.get(wr)!
        expect(readers).toEqual([rd])
        const buf = Buffer.alloc(MESSAGE.length)
        expect(sockets.read(rd, buf)).toBe(MESSAGE.length)
        received.push(buf)
        sel.unregister(rd)
        sel.unregister(wr)
        writers.delete(wr)
        writable.delete(wr)
      }
      expect(received).toEqual(Array(12).fill(MESSAGE))
    })

    it('returns an empty list when nothing is registered', () => {
      const sel = make()
      expect(sel.select(0)).toEqual([])
      expect(sel.select(1)).toEqual([])
    })

    it('timeout 0 and negative timeouts poll once', () => {
      const sel = make()
      const [rd] = fx.pair()
      sel.register(rd, EVENT_READ)
      expect(sel.select(0)).toEqual([])
      expect(sel.select(-1)).toEqual([])
      expect(sel.select(-Infinity)).toEqual([])
    })

    it('a positive timeout waits at least that long, fractions rounded up', () => {
      const sel = make()
      const [rd] = fx.pair()
      sel.register(rd, EVENT_READ)
      for (const timeout of [30, 2.5]) {
        const start = performance.now()
        expect(sel.select(timeout)).toEqual([])
        expect(performance.now() - start).toBeGreaterThanOrEqual(timeout)
      }
    })

    it('no timeout (undefined or null) blocks until an fd is ready', async () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      const key = sel.register(rd, EVENT_READ)
      for (const timeout of [undefined, null]) {
        const writer = writeFromWorker(wr, 20)
        expect(sel.select(timeout)).toEqual([[key, EVENT_READ]])
        await writer
        expect(sockets.read(rd, Buffer.alloc(1))).toBe(1)
      }
    })

    it('rejects timeouts that are not numbers', () => {
      const sel = make()
      expectError(() => sel.select('1' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE')
      expectError(() => sel.select(NaN), TypeError, 'ERR_INVALID_ARG_TYPE')
    })

    if (edge) {
      it('edge-triggered: reports data once, then again only when more arrives', () => {
        const sel = make()
        const [rd, wr] = fx.pair()
        const key = sel.register(rd, EVENT_READ)
        sendByte(wr)
        expect(sel.select()).toEqual([[key, EVENT_READ]])
        expect(sel.select(0)).toEqual([])
        sendByte(wr)
        expect(sel.select()).toEqual([[key, EVENT_READ]])
      })
    } else {
      it('level-triggered: reports an fd on every select while it stays ready', () => {
        const sel = make()
        const [rd, wr] = fx.pair()
        const key = sel.register(rd, EVENT_READ)
        sendByte(wr)
        expect(sel.select()).toEqual([[key, EVENT_READ]])
        expect(sel.select(0)).toEqual([[key, EVENT_READ]])
        expect(sockets.read(rd, Buffer.alloc(8))).toBe(1)
        expect(sel.select(0)).toEqual([])
      })
    }
  })

  describe('many fds', () => {
    const limit = options.fdLimit
    const pairs = Math.min(MAX_PAIRS, Math.floor((openFileLimit() - openFdCount() - 256) / 2))

    it.skipIf(limit !== undefined || pairs * 2 <= 1100)(
      `watches more than 1024 fds (up to ${pairs} socketpairs, within ulimit -n)`,
      () => {
        const sel = make()
        const all: Array<[number, number]> = []
        let highest = 0
        for (let i = 0; i < pairs; i++) {
          const [rd, wr] = fx.pair()
          sel.register(rd, EVENT_READ)
          sel.register(wr, EVENT_WRITE)
          all.push([rd, wr])
          highest = Math.max(highest, rd, wr)
        }
        expect(highest).toBeGreaterThan(1024)
        const chosen = [all[0], all[pairs >> 1], all[pairs - 1]]
        for (const [, wr] of chosen) sendByte(wr)
        const busy = chosen.map(([rd]) => rd)
        const ready = sel.select()
        expect(fdsWith(ready, EVENT_WRITE)).toHaveLength(pairs)
        expect(fdsWith(ready, EVENT_READ).sort((a, b) => a - b)).toEqual(busy.sort((a, b) => a - b))
      },
      120_000,
    )

    if (limit !== undefined) {
      it(`refuses fds >= ${limit} with a RangeError before any syscall`, () => {
        const sel = make()
        let high = -1
        while (high < limit) high = Math.max(high, ...fx.pair())
        expectError(() => sel.register(high, EVENT_READ), RangeError, 'ERR_OUT_OF_RANGE')
        expect(sel.getMap().size).toBe(0)
        expect(sel.select(0)).toEqual([])
      })
    }
  })

  describe("start: waiting inside Node's loop", () => {
    it('delivers batches while timers keep running', async () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      const key = sel.register(rd, EVENT_READ)
      const batches: SelectorEvent[][] = []
      sel.start((events) => batches.push(events))
      expect(sel.active).toBe(true)
      let timerTurns = 0
      await until(() => ++timerTurns >= 5) // setTimeout callbacks run: the loop is not blocked
      expect(batches).toEqual([])
      sendByte(wr)
      await until(() => batches.length > 0)
      expect(batches[0]).toEqual([[key, EVENT_READ]])
      sel.stop()
      expect(sel.active).toBe(false)
    })

    it('follows registrations changed while started', async () => {
      const sel = make()
      const [rd1, wr1] = fx.pair()
      const [rd2, wr2] = fx.pair()
      sel.register(rd1, EVENT_READ)
      const seen: SelectorEvent[] = []
      sel.start((events) => seen.push(...events))
      await loopTurn()
      const k2 = sel.register(rd2, EVENT_READ, 'late')
      sendByte(wr2)
      await until(() => seen.some(([key]) => key === k2))
      expect(sockets.read(rd2, Buffer.alloc(8))).toBe(1)
      sel.unregister(rd2)
      seen.length = 0
      sendByte(wr2) // unregistered: must never be reported
      const k1 = sel.modify(rd1, EVENT_READ | EVENT_WRITE)
      await until(() => seen.some(([key, ev]) => key === k1 && ev === EVENT_WRITE))
      expect(seen.every(([key]) => key.fd !== rd2)).toBe(true)
      sendByte(wr1)
      await until(() => seen.some(([key, ev]) => key === k1 && ev & EVENT_READ))
      expect(seen.every(([key]) => key.fd !== rd2)).toBe(true)
    })

    it('stop ends delivery and start resumes it', async () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      const key = sel.register(rd, EVENT_READ)
      const batches: SelectorEvent[][] = []
      sel.start((events) => batches.push(events))
      sel.stop()
      sel.stop()
      sendByte(wr)
      for (let i = 0; i < 20; i++) await loopTurn()
      expect(batches).toEqual([])
      sel.start((events) => batches.push(events))
      await until(() => batches.length > 0)
      expect(batches[0]).toEqual([[key, EVENT_READ]])
    })

    it('close-then-unregister while started releases the file (the peer sees end of file)', async () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      sel.register(rd, EVENT_READ)
      sel.start(() => {})
      await loopTurn()
      fx.closeFd(rd)
      sel.unregister(rd)
      sockets.setNonBlocking(wr)
      const buf = Buffer.alloc(1)
      await until(() => sockets.read(wr, buf) === 0) // WOULD_BLOCK while anything holds rd open
    })

    it('close while started stops it', async () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      sel.register(rd, EVENT_READ)
      let calls = 0
      sel.start(() => calls++)
      sel.close()
      expect(sel.active).toBe(false)
      sendByte(wr)
      for (let i = 0; i < 20; i++) await loopTurn()
      expect(calls).toBe(0)
    })

    it('select still works while started, and unregistering inside onReady is safe', async () => {
      const sel = make()
      const [rd, wr] = fx.pair()
      const key = sel.register(rd, EVENT_READ)
      let batches = 0
      sel.start((events) => {
        batches++
        for (const [k] of events) sel.unregister(k.fileobj)
      })
      sendByte(wr)
      if (!edge) expect(sel.select()).toEqual([[key, EVENT_READ]])
      await until(() => batches > 0)
      expect(sel.getMap().size).toBe(0)
    })

    if (!edge) {
      it('level-triggered: an fd left ready is delivered again on later loop turns', async () => {
        const sel = make()
        const [rd, wr] = fx.pair()
        sel.register(rd, EVENT_READ)
        let batches = 0
        sel.start(() => batches++)
        sendByte(wr)
        await until(() => batches >= 3)
        sel.stop()
      })
    }

    // A Python-style echo inside Node's loop (see toggling-echo.ts): while the slow connections
    // toggle READ -> WRITE -> READ, their reports arrive between a report of the fast one and
    // its level re-check. A selector that forgets the fast one there leaves its data unread
    // for good, since its client sent everything long ago and no new wakeup will come.
    it('echoes on several connections at once while the slow ones toggle READ -> WRITE -> READ', async () => {
      const sel = make()
      const echo = startTogglingEcho(sel, () => fx.pair(), { connections: 4, bytes: 128 * 1024, edgeTriggered: edge })
      await until(() => echo.pump(), 'every client got its bytes echoed').catch((error: Error) => {
        throw new Error(`${error.message}; echoed so far: ${echo.progress()}`)
      })
      for (const { sent, received } of echo.transcripts()) expect(received.equals(sent)).toBe(true)
      // The slow connections' sends did fall short: their interest toggled.
      expect(echo.toggles.slice(1).every((n) => n > 0)).toBe(true)
    })

    it('start validates its callbacks', () => {
      const sel = make()
      expectError(() => sel.start(undefined as never), TypeError, 'ERR_INVALID_ARG_TYPE')
      expectError(() => sel.start(() => {}, 5 as never), TypeError, 'ERR_INVALID_ARG_TYPE')
      expect(sel.active).toBe(false)
    })
  })
}

/** Runs the conformance suite against `factory` in a describe block called `name`. */
export function runSelectorConformance(name: string, factory: ConformanceFactory, options: ConformanceOptions = {}): void {
  describe(name, () => selectorConformanceTests(factory, options))
}
