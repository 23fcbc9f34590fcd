// IoUringSelector's own logic (tokens, re-arming, the level re-check, batching of submits)
// against FakeUring, a poll(2)-based model of multishot poll with the agreed Uring interface.
// The real ring joins conformance.test.ts once @io/core has it (gated on Uring.isSupported()).
import { EVENT_READ, EVENT_WRITE, IoUringSelector, ERR_IO_URING_UNAVAILABLE } from '@io/selectors'
import { sockets } from '@io/core'
import { describe, expect, it, vi } from 'vitest'
import { selectorConformanceTests } from './conformance.js'
import { CQE_F_MORE, FakeUring } from './fake-uring.js'
import { expectError, useFixtures } from './fixtures.js'

const binding = vi.hoisted(() => ({ current: undefined as unknown }))

vi.mock('../src/uring-binding.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/uring-binding.js')>()
  return {
    ...original,
    loadUring: () => (binding.current === undefined ? original.loadUring() : binding.current),
  }
})

function useFake(): void {
  binding.current = { Uring: FakeUring, cqeFMore: CQE_F_MORE }
}

// FakeUring that remembers the last instance made, so a test can inspect the selector's ring.
let lastRing: FakeUring | undefined
class RecordingUring extends FakeUring {
  constructor(options: { entries: number }) {
    super(options)
    lastRing = this
  }
}

function makeRecorded(options?: { entries: number }): [IoUringSelector, FakeUring] {
  binding.current = { Uring: RecordingUring, cqeFMore: CQE_F_MORE }
  const sel = new IoUringSelector(options)
  return [sel, lastRing!]
}

describe('IoUringSelector where @io/core has no usable Uring', () => {
  it('isSupported() says why, and the constructor throws ERR_IO_URING_UNAVAILABLE', () => {
    binding.current = { reason: 'no Uring in this build' }
    expect(IoUringSelector.isSupported()).toEqual({ supported: false, reason: 'no Uring in this build' })
    const error = expectError(() => new IoUringSelector(), Error, ERR_IO_URING_UNAVAILABLE)
    expect(error.message).toContain('no Uring in this build')
    binding.current = { Uring: { isSupported: () => ({ supported: false, reason: 'io_uring_disabled=2' }) }, cqeFMore: 2 }
    expectError(() => new IoUringSelector(), Error, ERR_IO_URING_UNAVAILABLE)
  })
})

describe('IoUringSelector over FakeUring', () => {
  describe('conformance (level-triggered)', () => {
    useFake()
    selectorConformanceTests(() => {
      useFake()
      return new IoUringSelector()
    })
  })

  describe('conformance (edge-triggered)', () => {
    selectorConformanceTests(
      () => {
        useFake()
        return new IoUringSelector({ edgeTriggered: true })
      },
      { edgeTriggered: true },
    )
  })

  describe('ring handling', () => {
    const fx = useFixtures()

    it('re-arms a request the kernel ended (no IORING_CQE_F_MORE), under a new token', () => {
      const [sel, ring] = makeRecorded()
      fx.selector(() => sel)
      const [rd, wr] = fx.pair()
      const key = sel.register(rd, EVENT_READ)
      expect(sel.select(0)).toEqual([])
      ring.endAll() // as on CQ overflow
      expect(sel.select(0)).toEqual([]) // the final completion carries no readiness
      expect(ring.liveRequests).toBe(1) // re-armed
      sockets.write(wr, Buffer.from('x'))
      expect(sel.select()).toEqual([[key, EVENT_READ]])
    })

    it('submits a burst of registrations once, and at the latest when the SQ is full', () => {
      const [sel, ring] = makeRecorded({ entries: 4 })
      fx.selector(() => sel)
      for (let i = 0; i < 3; i++) sel.register(fx.pair()[0], EVENT_WRITE)
      expect(ring.submits).toBe(0)
      sel.register(fx.pair()[0], EVENT_WRITE)
      expect(ring.submits).toBe(1) // the 4th SQE filled the queue
      sel.register(fx.pair()[0], EVENT_WRITE)
      expect(sel.select(0)).toHaveLength(5)
      expect(ring.submits).toBe(2)
    })

    it('reports a request that failed (closed fd) once, and unregister still succeeds', () => {
      useFake()
      const sel = fx.selector(() => new IoUringSelector())
      const [rd] = fx.pair()
      const key = sel.register(rd, EVENT_READ)
      fx.closeFd(rd)
      expect(sel.select(0)).toEqual([[key, EVENT_READ]])
      expect(sel.unregister(rd)).toBe(key)
    })

    it('rejects bad options', () => {
      useFake()
      expectError(() => new IoUringSelector(null as never), TypeError, 'ERR_INVALID_ARG_TYPE')
      expectError(() => new IoUringSelector({ entries: 0 }), RangeError, 'ERR_OUT_OF_RANGE')
      expectError(() => new IoUringSelector({ entries: '8' as never }), TypeError, 'ERR_INVALID_ARG_TYPE')
      expectError(() => new IoUringSelector({ edgeTriggered: 'yes' as never }), TypeError, 'ERR_INVALID_ARG_TYPE')
    })
  })
})
