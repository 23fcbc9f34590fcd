// IoUringSelector beyond the conformance suite (conformance.test.ts runs that on the real ring):
// what happens where io_uring is unavailable, and the ring-specific cases: requests the kernel
// ends, late completions for a reused fd number, files held by polls in flight, idle waits.
import { sockets, Uring } from '@io/core'
import {
  createSelector,
  EpollSelector,
  ERR_IO_URING_UNAVAILABLE,
  EVENT_READ,
  EVENT_WRITE,
  IoUringSelector,
} from '@io/selectors'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { until } from '../../core/tests/helpers.js'
import { expectError, useFixtures } from './fixtures.js'

const support = IoUringSelector.isSupported()
if (!support.supported) console.warn(`IoUringSelector tests on a real ring skipped: ${support.reason}`)

// Counts Uring#wait calls (and fails past `limit`). Installed once for the file: the native
// method cannot be spied on again once a spy on it was restored.
const waits = { count: 0, limit: Infinity }
const realWait = Uring.prototype.wait
vi.spyOn(Uring.prototype, 'wait').mockImplementation(function (this: Uring, ...args) {
  if (++waits.count > waits.limit) throw new Error('select() never stops reaping')
  return realWait.apply(this, args)
})

describe('IoUringSelector where io_uring is unavailable', () => {
  const unavailable = { supported: false, reason: 'disabled by sysctl kernel.io_uring_disabled=2', code: 'EPERM' }
  const probe = () => vi.spyOn(Uring, 'isSupported').mockReturnValue(unavailable)
  afterEach(() => vi.mocked(Uring.isSupported).mockRestore?.())

  it('isSupported() says why, and the constructor throws ERR_IO_URING_UNAVAILABLE with the reason', () => {
    probe()
    expect(IoUringSelector.isSupported()).toEqual(unavailable)
    const error = expectError(() => new IoUringSelector(), Error, ERR_IO_URING_UNAVAILABLE)
    expect(error.message).toContain(unavailable.reason)
  })

  it("the 'uring' backend falls back to epoll with one warning that gives the reason", () => {
    const warnings: string[] = []
    const options = {
      probe: () => ({ ...unavailable, capabilities: [] }),
      warn: (message: string) => warnings.push(message),
    }
    for (let i = 0; i < 3; i++) {
      const sel = createSelector('uring', options)
      expect(sel).toBeInstanceOf(EpollSelector)
      sel.close()
    }
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(unavailable.reason)
    expect(warnings[0]).toContain('using epoll')
    expect(warnings[0]).not.toContain('\n')
  })
})

describe.skipIf(!support.supported)('IoUringSelector on a real ring', () => {
  const fx = useFixtures()

  it('rejects bad options', () => {
    expectError(() => new IoUringSelector(null as never), TypeError, 'ERR_INVALID_ARG_TYPE')
    expectError(() => new IoUringSelector({ entries: 0 }), RangeError, 'ERR_OUT_OF_RANGE')
    expectError(() => new IoUringSelector({ entries: 32769 }), RangeError, 'ERR_OUT_OF_RANGE')
    expectError(() => new IoUringSelector({ entries: '8' as never }), TypeError, 'ERR_INVALID_ARG_TYPE')
    expectError(() => new IoUringSelector({ entries: 64, cqEntries: 32 }), RangeError, 'ERR_OUT_OF_RANGE')
    expectError(() => new IoUringSelector({ cqEntries: 65537 }), RangeError, 'ERR_OUT_OF_RANGE')
    expectError(() => new IoUringSelector({ cqEntries: 4.5 }), RangeError, 'ERR_OUT_OF_RANGE')
    expectError(() => new IoUringSelector({ cqEntries: null as never }), TypeError, 'ERR_INVALID_ARG_TYPE')
    expectError(() => new IoUringSelector({ edgeTriggered: 'yes' as never }), TypeError, 'ERR_INVALID_ARG_TYPE')
  })

  it('an fd that is not open is reported as ready (the kernel answers -EBADF), and unregister succeeds', () => {
    for (const edgeTriggered of [false, true]) {
      const sel = fx.selector(() => new IoUringSelector({ edgeTriggered }))
      const [rd] = fx.pair()
      fx.closeFd(rd)
      const key = sel.register(rd, EVENT_READ)
      expect(sel.select(0)).toEqual([[key, EVENT_READ]])
      // Level: still "ready" (poll(2) says POLLNVAL) until unregistered; edge: reported once.
      expect(sel.select(0)).toEqual(edgeTriggered ? [] : [[key, EVENT_READ]])
      expect(sel.unregister(rd)).toBe(key)
      expect(sel.select(0)).toEqual([])
    }
  })

  it('a late completion for a closed fd is not reported on the file that reuses its number', () => {
    const sel = fx.selector(() => new IoUringSelector())
    const [oldRd, oldWr] = fx.pair()
    sel.register(oldRd, EVENT_READ)
    expect(sel.select(0)).toEqual([]) // the poll is armed in the kernel
    fx.closeFd(oldRd) // the poll request still holds the old socket open
    let reused: number | undefined
    for (let i = 0; i < 64 && reused === undefined; i++) {
      const pair = fx.pair()
      if (pair.includes(oldRd)) reused = oldRd
    }
    expect(reused).toBe(oldRd)
    // Data for the old socket wakes the old poll, whose completion carries the old token.
    expect(sockets.write(oldWr, Buffer.from('x'))).toBe(1)
    sel.unregister(oldRd)
    const key = sel.register(oldRd, EVENT_READ) // the new, idle socket with the same number
    expect(sel.select(0)).toEqual([])
    expect(sel.select(20)).toEqual([])
    expect(sel.getKey(oldRd)).toBe(key)
  })

  it('unregistering an fd closed while its poll was in flight releases the file', () => {
    const sel = fx.selector(() => new IoUringSelector())
    const [rd, wr] = fx.pair()
    sel.register(rd, EVENT_READ)
    expect(sel.select(0)).toEqual([])
    fx.closeFd(rd)
    sockets.setNonBlocking(wr)
    const buf = Buffer.alloc(1)
    expect(sockets.read(wr, buf)).toBe(sockets.WOULD_BLOCK) // the poll still holds rd
    sel.unregister(rd)
    expect(sel.select(0)).toEqual([]) // submits the removal
    expect(sockets.read(wr, buf)).toBe(0)
  })

  it('closing the selector with polls in flight releases the files they hold', () => {
    const sel = new IoUringSelector()
    const [rd, wr] = fx.pair()
    sel.register(rd, EVENT_READ)
    sel.register(wr, EVENT_WRITE)
    expect(sel.select(0)).toHaveLength(1)
    fx.closeFd(rd)
    sel.close()
    sockets.setNonBlocking(wr)
    expect(sockets.read(wr, Buffer.alloc(1))).toBe(0)
  })

  it('re-arms the requests the kernel ends when their completions do not fit the CQ ring', () => {
    // 400 wakeups at once for a 4-entry CQ ring: the kernel ends each multishot request whose
    // completion overflowed (its last completion lacks IORING_CQE_F_MORE). Were they not
    // re-armed, the second round (data on every fd) would go unreported. Edge-triggered, so
    // only the requests report: no level re-check hides a missing one.
    const sel = fx.selector(() => new IoUringSelector({ edgeTriggered: true, entries: 4, cqEntries: 4 }))
    const ends: number[] = []
    for (let i = 0; i < 200; i++) ends.push(...fx.pair())
    for (const fd of ends) sel.register(fd, EVENT_READ | EVENT_WRITE)
    const reported = (mask: number): number => {
      const seen = new Set<number>()
      for (let tries = 0; tries < 100 && seen.size < ends.length; tries++) {
        for (const [key, events] of sel.select(seen.size === 0 ? undefined : 10)) if (events & mask) seen.add(key.fd)
      }
      return seen.size
    }
    expect(reported(EVENT_WRITE)).toBe(ends.length)
    for (const fd of ends) expect(sockets.write(fd, Buffer.from('x'))).toBe(1)
    expect(reported(EVENT_READ)).toBe(ends.length)
  })

  it('select() returns while more fds stay ready than the CQ ring holds', () => {
    // A re-armed request on a ready fd completes at once. Re-arming inside select's reaping loop
    // made it chase its own tail forever once more fds were ready than the CQ ring holds.
    // A bound on the waits turns that hang into a failure.
    waits.limit = waits.count + 10_000
    try {
      const sel = fx.selector(() => new IoUringSelector({ entries: 4, cqEntries: 4 }))
      const ends: number[] = []
      for (let i = 0; i < 25; i++) ends.push(...fx.pair())
      for (const fd of ends) sel.register(fd, EVENT_WRITE)
      const first = sel.select(0)
      expect(first.length).toBeGreaterThan(0)
      expect(first.every(([, events]) => events === EVENT_WRITE)).toBe(true)
      const seen = new Set(first.map(([key]) => key.fd))
      for (let tries = 0; tries < 100 && seen.size < ends.length; tries++) for (const [key] of sel.select(0)) seen.add(key.fd)
      expect(seen.size).toBe(ends.length)
    } finally {
      waits.limit = Infinity
    }
  })

  it('a wait with no request in flight sleeps in the kernel instead of spinning', () => {
    const sel = fx.selector(() => new IoUringSelector())
    // One wait that sleeps (a ring timer stands in for the missing polls), perhaps one more to
    // finish the time left; a loop that spun until the deadline would make thousands.
    const waitsFor = (timeoutMs: number): number => {
      const before = waits.count
      expect(sel.select(timeoutMs)).toEqual([])
      return waits.count - before
    }
    expect(waitsFor(50)).toBeLessThanOrEqual(3) // nothing registered
    const [rd] = fx.pair()
    fx.closeFd(rd)
    sel.register(rd, EVENT_READ)
    sel.select(0) // the failed request (-EBADF) is reported and gone: nothing in flight
    sel.unregister(rd)
    expect(waitsFor(50)).toBeLessThanOrEqual(3)
  })
})
