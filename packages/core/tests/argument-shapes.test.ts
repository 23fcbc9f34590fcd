// What bad or unusual arguments get: views over a SharedArrayBuffer are used (they cannot be
// detached), other values are refused with TypeError/RangeError and Node's codes, by the
// TypeScript wrappers before native code runs as much as by native code.
import { expect, it } from 'vitest'
import { BufferRing, MultiplexWatcher, PollTable, constants, sockets } from '@io/core'
import { describeUring, reap, ring, unixPair } from './uring-helpers.js'

const TYPE = expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
const RANGE = expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' })

function pair(): [number, number] {
  const fds = sockets.socketpair(constants.AF_UNIX, constants.SOCK_STREAM | constants.SOCK_NONBLOCK)
  return fds
}

it('sockets read and write through views over a SharedArrayBuffer', () => {
  const [a, b] = pair()
  try {
    const out = new Uint8Array(new SharedArrayBuffer(8), 2, 4)
    out.set([1, 2, 3, 4])
    expect(sockets.write(a, out)).toBe(4)
    expect(sockets.send(a, new DataView(out.buffer, 2, 2))).toBe(2)
    const into = new Uint16Array(new SharedArrayBuffer(6))
    expect(sockets.read(b, into)).toBe(6)
    expect(Array.from(new Uint8Array(into.buffer))).toEqual([1, 2, 3, 4, 1, 2])
    expect(sockets.writev(a, [out, new Uint8Array(new SharedArrayBuffer(1))])).toBe(5)
    expect(sockets.readv(b, [new Uint8Array(new SharedArrayBuffer(5))])).toBe(5)
    const fds = new Int32Array(new SharedArrayBuffer(8))
    expect(() => sockets.acceptBatch(a, fds)).toThrow(expect.objectContaining({ code: 'EINVAL' }))
  } finally {
    sockets.close(a)
    sockets.close(b)
  }
})

it('a bare SharedArrayBuffer is refused with ERR_INVALID_ARG_TYPE (wrap it in a view)', () => {
  const [a, b] = pair()
  try {
    expect(() => sockets.write(a, new SharedArrayBuffer(4) as never)).toThrow(TYPE)
  } finally {
    sockets.close(a)
    sockets.close(b)
  }
})

describeUring('Uring with SharedArrayBuffer views', () => {
  it('sends from and receives into them', () => {
    const r = ring()
    const [a, b] = unixPair()
    const out = new Uint8Array(new SharedArrayBuffer(3))
    out.set([7, 8, 9])
    const into = new Uint8Array(new SharedArrayBuffer(3))
    r.send(a, out, 0, 3, 1)
    r.recv(b, into, 0, 3, 2)
    expect(reap(r, 2).map((c) => c.result)).toEqual([3, 3])
    expect(Array.from(into)).toEqual([7, 8, 9])
  })
})

describeUring('BufferRing arguments', () => {
  it('refuses anything but a Uring before native code', () => {
    expect(() => new BufferRing(undefined as never, { count: 4, size: 64 })).toThrow(TYPE)
    expect(() => new BufferRing({} as never, { count: 4, size: 64 })).toThrow(TYPE)
    expect(() => new BufferRing(ring(), undefined as never)).toThrow(TYPE)
  })

  it('reads each option once', () => {
    const r = ring()
    if (!r.features.bufferRings) return
    let reads = 0
    const options = {
      get count() {
        return ++reads === 1 ? 4 : 4096 // a second read would disagree with what was registered
      },
      size: 64,
    }
    const buffers = new BufferRing(r, options)
    expect(buffers.count).toBe(4)
    expect(reads).toBe(1)
  })
})

it('PollTable refuses a capacity it could not allocate, and indexes out of range', () => {
  expect(() => new PollTable(2 ** 40)).toThrow(RANGE)
  expect(() => new PollTable(-1)).toThrow(RANGE)
  expect(() => new PollTable(1.5)).toThrow(TYPE)
  expect(() => new PollTable('8' as never)).toThrow(TYPE)
  const table = new PollTable(4)
  table.set(5, 1)
  expect(table.fdAt(0)).toBe(5)
  for (const read of ['fdAt', 'eventsAt', 'reventsAt'] as const) {
    expect(() => table[read](1)).toThrow(RANGE) // capacity 4, one entry in use
    expect(() => table[read](-1)).toThrow(RANGE)
    expect(() => table[read](NaN)).toThrow(TYPE)
    expect(() => table[read]({} as never)).toThrow(TYPE)
  }
})

it('MultiplexWatcher refuses anything but a PollTable', () => {
  const watcher = new MultiplexWatcher('poll')
  try {
    const fake = { buffer: new ArrayBuffer(8), count: 1 }
    expect(() => watcher.start(fake as never, () => {})).toThrow(TYPE)
    expect(() => watcher.update(fake as never)).toThrow(TYPE)
    expect(watcher.active).toBe(false)
  } finally {
    watcher.close()
  }
})

it('an integer argument far out of range is reported as it is (it was cast to int64 first, undefined behaviour)', () => {
  // 1e300 does not fit an int64: the old message went through a cast UBSan reports.
  expect(() => sockets.socket(1e300, 1)).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }))
  expect(() => sockets.socket(1e300, 1)).toThrow(/got 1000000000000000052504760255204420248704468581108159154915854115/)
  expect(() => sockets.socket(-(2 ** 70), 1)).toThrow(/got -1180591620717411303424$/)
})
