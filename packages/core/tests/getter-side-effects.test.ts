// JavaScript that runs while native code reads its arguments (a getter, a setter on a
// prototype) used to change what native code had already checked or pointed at. Each case runs
// in a child process, where a regression would crash it.
import { expect, it } from 'vitest'
import { Uring } from '@io/core'
import { finished, runHostile } from './hostile-child.js'

const uring = Uring.isSupported()
if (!uring.supported) console.warn(`io_uring cases skipped: ${uring.reason}`)

it.skipIf(!uring.supported)('Uring.writev: an element getter that closes the ring gives ERR_URING_CLOSED, not SIGSEGV', () => {
  const outcome = finished(runHostile('uring-writev-getter-closes-ring'))
  expect(outcome).toEqual({
    writev: { ok: false, error: expect.objectContaining({ code: 'ERR_URING_CLOSED' }) },
    closed: true,
  })
})

it('sockets.readv: a getter that detaches an earlier buffer leaves readv(2) only the live one', () => {
  const outcome = finished(runHostile('readv-getter-detaches-earlier-buffer'))
  // The detached buffer has no bytes left: everything read went into the second one.
  expect(outcome).toEqual({ read: { ok: true, value: 16 }, second: new Array(16).fill(0x5a) })
})

it.skipIf(!uring.supported)('registerBufferRing: a setter on Object.prototype runs no JavaScript mid-registration', () => {
  const outcome = finished(runHostile('prototype-setter-closes-ring-in-register'))
  if (outcome.skipped) return console.warn(`skipped: ${outcome.skipped}`)
  expect(outcome).toEqual({ result: 'registered', closed: false })
})
