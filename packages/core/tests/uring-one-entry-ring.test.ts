// close(fd, token) queues a cancel and a close, hard-linked. A ring whose submission queue holds
// one entry (entries: 1) could never take the pair: it waited in the backlog forever, the fd
// stayed open, every later operation queued behind it and wait() without a timeout never
// returned.
import { expect, it } from 'vitest'
import { READABLE } from '@io/core'
import { describeUring, isOpen, read, reap, ring, unixPair } from './uring-helpers.js'

describeUring('Uring with a one-entry submission queue', () => {
  it('close(fd, token) closes the fd and completes', () => {
    const r = ring({ entries: 1 })
    expect(r.features.sqEntries).toBe(1)
    const [a] = unixPair()
    r.close(a, 7)
    // One bounded wait: the close completes at once, or (the wedge) never.
    expect(read(r, r.wait(1, 10_000))).toEqual([{ token: 7, result: 0, flags: 0 }])
    expect(isOpen(a)).toBe(false)
    expect(r.inFlight).toBe(0)
  })

  it('cancels an operation on the fd first, then closes it', () => {
    const r = ring({ entries: 1 })
    const [a] = unixPair()
    r.pollAdd(a, READABLE, 1)
    r.submit()
    r.close(a, 2)
    const done = reap(r, 2)
    expect(done).toContainEqual({ token: 2, result: 0, flags: 0 })
    expect(done.find((c) => c.token === 1)?.result).toBeLessThan(0) // -ECANCELED (or -EINVAL before 5.19)
    expect(isOpen(a)).toBe(false)
  })
})
