import { describe, expect, it } from 'vitest'
import { sockets } from '@io/core'
import type { SignalDrivenIO } from '@io/signal'
import { pair, payload, ready, sio } from './helpers.js'

// A signal names its fd by number (si_fd). Each case queues a signal for one file, then makes
// the number name another file, and checks the queued event is never reported as the new one.

/**
 * Watches a socket with token 1, queues a signal for it (data that is not read), closes it
 * (after unwatch() when asked) and opens a socketpair whose first end takes the same number.
 */
function queueThenReuse(s: SignalDrivenIO, unwatchFirst: boolean): [number, number] {
  const [a, b] = sockets.socketpair()
  s.watch(a, 1)
  sockets.write(b, payload) // queued, not read yet
  if (unwatchFirst) s.unwatch(a)
  sockets.close(a)
  sockets.close(b)
  const [c, d] = pair()
  expect(c).toBe(a) // the lowest free number is reused
  return [c, d]
}

describe('SignalDrivenIO stale events', () => {
  it('drops an event queued for an fd that was unwatched, closed and reused', () => {
    const s = sio()
    const [c, d] = queueThenReuse(s, true)
    s.watch(c, 2)
    expect(s.wait(0)).toBe(0)
    expect(s.stats.staleEvents).toBeGreaterThan(0)
    sockets.write(d, payload)
    expect(s.wait(1000)).toBe(1)
    expect(ready(s, 1)).toEqual([[2, 1]])
  })

  it('drops it when the fd was closed without unwatch() and reused by another watched file', () => {
    const s = sio()
    const [c, d] = queueThenReuse(s, false) // no unwatch: the registration is still there
    s.watch(c, 2) // recognised as another file (not ERR_SIGIO_ALREADY_WATCHED)
    expect(s.watching).toBe(1)
    expect(s.wait(0)).toBe(0)
    sockets.write(d, payload)
    expect(s.wait(1000)).toBe(1)
    expect(ready(s, 1)).toEqual([[2, 1]])
  })

  it('drops it when the fd was closed without unwatch() and reused by a file it does not watch', () => {
    const s = sio()
    const [, d] = queueThenReuse(s, false)
    sockets.write(d, payload) // the new file is readable, but not watched
    expect(s.wait(0)).toBe(0)
    expect(s.stats.staleEvents).toBe(1)
  })

  it('forgets an fd closed without unwatch() when its event is read', () => {
    const s = sio()
    const [a, b] = sockets.socketpair()
    s.watch(a, 1)
    sockets.write(b, payload)
    sockets.close(a)
    sockets.close(b)
    expect(s.wait(0)).toBe(0)
    expect(s.watching).toBe(0)
  })

  it('drops the readiness remembered at watch() when the fd is unwatched before delivery', () => {
    const s = sio()
    const [a, b] = pair()
    sockets.write(b, payload)
    s.watch(a, 1) // already readable: remembered for the next wait
    s.unwatch(a)
    s.watch(a, 2)
    expect(s.wait(0)).toBe(1)
    expect(ready(s, 1)).toEqual([[2, 1]]) // only the new registration's report
  })
})
