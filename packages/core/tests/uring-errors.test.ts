// Bad input for every method: TypeError/RangeError with Node's codes before anything is queued,
// SystemErrors for failing syscalls, kernel failures of an operation as negative results.
import { expect, it } from 'vitest'
import { BufferRing, EDGE_TRIGGERED, READABLE, Uring, completionError, constants, sockets } from '@io/core'
import { describeUring, reap, ring, unixPair } from './uring-helpers.js'

const TYPE = expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
const RANGE = expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' })
const EBADF = 9

/** Asserts that `fn` throws `matcher` and queued nothing. */
function rejects(r: Uring, fn: () => unknown, matcher: unknown): void {
  const before = r.inFlight
  expect(fn).toThrow(matcher as never)
  expect(r.inFlight).toBe(before)
}

describeUring('Uring bad input', () => {
  it('constructor options', () => {
    expect(() => new Uring(null as never)).toThrow(TYPE)
    expect(() => new Uring(5 as never)).toThrow(TYPE)
    expect(() => new Uring({ entries: 0 })).toThrow(RANGE)
    expect(() => new Uring({ entries: 40_000 })).toThrow(RANGE)
    expect(() => new Uring({ entries: 1.5 })).toThrow(TYPE)
    expect(() => new Uring({ entries: '8' as never })).toThrow(TYPE)
    expect(() => new Uring({ entries: 64, cqEntries: 32 })).toThrow(RANGE)
    expect(() => new Uring({ cqEntries: 1 << 20 })).toThrow(RANGE)
  })

  it('fds and tokens of every operation', () => {
    const r = ring()
    const buf = Buffer.alloc(8)
    const ops: Array<[string, (fd: unknown, token: unknown) => unknown]> = [
      ['pollAdd', (fd, t) => r.pollAdd(fd as number, READABLE, t as number)],
      ['accept', (fd, t) => r.accept(fd as number, t as number)],
      ['recv', (fd, t) => r.recv(fd as number, buf, 0, 8, t as number)],
      ['send', (fd, t) => r.send(fd as number, buf, 0, 8, t as number)],
      ['writev', (fd, t) => r.writev(fd as number, [buf], t as number)],
      ['connect', (fd, t) => r.connect(fd as number, '127.0.0.1', 1, t as number)],
      ['shutdown', (fd, t) => r.shutdown(fd as number, constants.SHUT_WR, t as number)],
      ['close', (fd, t) => r.close(fd as number, t as number)],
      ['cancelFd', (fd, t) => r.cancelFd(fd as number, t as number)],
    ]
    for (const [name, op] of ops) {
      rejects(r, () => op(-1, 1), RANGE)
      rejects(r, () => op(2 ** 31, 1), RANGE)
      rejects(r, () => op('3', 1), TYPE)
      rejects(r, () => op(1.5, 1), TYPE)
      rejects(r, () => op(3, -1), RANGE)
      rejects(r, () => op(3, 2 ** 32), RANGE)
      rejects(r, () => op(3, undefined), TYPE)
      rejects(r, () => op(3, NaN), TYPE)
      expect(name).toBeTruthy()
    }
    rejects(r, () => r.timeout(1, -1), RANGE)
    rejects(r, () => r.cancel(2 ** 32), RANGE)
    rejects(r, () => r.pollRemove('1' as never), TYPE)
  })

  it('operation-specific arguments', () => {
    const r = ring()
    const [a] = unixPair()
    const buf = Buffer.alloc(8)
    rejects(r, () => r.pollAdd(a, READABLE | EDGE_TRIGGERED, 1), RANGE)
    rejects(r, () => r.pollAdd(a, 'in' as never, 1), TYPE)
    rejects(r, () => r.accept(a, 1, 5 as never), TYPE)
    rejects(r, () => r.recv(a, 'text' as never, 0, 4, 1), TYPE)
    rejects(r, () => r.recv(a, buf, 9, undefined, 1), RANGE)
    rejects(r, () => r.recv(a, buf, 4, 5, 1), RANGE)
    rejects(r, () => r.recv(a, buf, -1, 1, 1), RANGE)
    rejects(r, () => r.send(a, {} as never, 0, 4, 1), TYPE)
    rejects(r, () => r.send(a, buf, 0, 9, 1), RANGE)
    rejects(r, () => r.send(a, buf, 0, 8, 1, 'zc' as never), TYPE)
    rejects(r, () => r.writev(a, buf as never, 1), TYPE)
    rejects(r, () => r.writev(a, [buf, 'x' as never], 1), TYPE)
    rejects(r, () => r.writev(a, Array.from({ length: 1025 }, () => buf), 1), RANGE)
    rejects(r, () => r.connect(a, 'localhost', 80, 1), expect.objectContaining({ code: 'ERR_INVALID_IP_ADDRESS' }))
    rejects(r, () => r.connect(a, 127 as never, 80, 1), TYPE)
    rejects(r, () => r.connect(a, '127.0.0.1', 70_000, 1), RANGE)
    rejects(r, () => r.shutdown(a, 3, 1), RANGE)
    rejects(r, () => r.close(a, undefined), TYPE)
    rejects(r, () => r.close(r.fd, 1), expect.objectContaining({ code: 'EBADF', errno: -EBADF, syscall: 'close' }))
    rejects(r, () => r.timeout('1' as never, 1), TYPE)
    rejects(r, () => r.timeout(-1, 1), RANGE)
    rejects(r, () => r.timeout(NaN, 1), RANGE)
    rejects(r, () => r.timeout(Infinity, 1), RANGE)
    rejects(r, () => r.recvMultishot(a, {} as never, 1), TYPE)
  })

  it('wait and start arguments', () => {
    const r = ring({ entries: 4, cqEntries: 16 })
    expect(() => r.wait(17)).toThrow(RANGE)
    expect(() => r.wait(-1)).toThrow(RANGE)
    expect(() => r.wait(1.5)).toThrow(TYPE)
    expect(() => r.wait(1, NaN)).toThrow(TYPE)
    expect(() => r.wait(1, '5' as never)).toThrow(TYPE)
    expect(() => r.start(undefined as never)).toThrow(TYPE)
    expect(r.active).toBe(false)
  })

  it('wait returns at once with nothing in flight instead of blocking forever', () => {
    const r = ring()
    expect(r.wait(1)).toBe(0)
    expect(r.wait()).toBe(0)
  })

  it('reports detached completion arrays instead of writing through a stale pointer', () => {
    const r = ring()
    r.timeout(0, 1)
    structuredClone(r.completionTokens.buffer, { transfer: [r.completionTokens.buffer as ArrayBuffer] })
    expect(() => r.wait(1)).toThrow(expect.objectContaining({ code: 'ERR_URING_COMPLETIONS_DETACHED' }))
  })

  it('kernel failures of an operation arrive as negative results, not exceptions', () => {
    const r = ring()
    const [a] = unixPair()
    const unused = 40_000 // above this process's fd limit in tests, never open
    r.recv(unused, Buffer.alloc(4), 0, 4, 1)
    r.accept(a, 2) // not a listening socket
    const got = reap(r, 2)
    expect(got.find((c) => c.token === 1)!.result).toBe(-EBADF)
    const invalid = got.find((c) => c.token === 2)!.result
    expect(invalid).toBeLessThan(0)
    expect(completionError(invalid, 'accept')).toMatchObject({ syscall: 'accept', errno: invalid })
  })

  it('completionError() checks its arguments', () => {
    expect(() => completionError(0)).toThrow(RANGE)
    expect(() => completionError(5)).toThrow(RANGE)
    expect(() => completionError(-1.5)).toThrow(TYPE)
    expect(() => completionError(-9, 7 as never)).toThrow(TYPE)
    expect(completionError(-9)).toMatchObject({ code: 'EBADF', errno: -9, syscall: 'io_uring' })
  })
})

describeUring('BufferRing bad input', () => {
  it('options', () => {
    const r = ring()
    if (!r.features.bufferRings) return
    expect(() => new BufferRing(r, null as never)).toThrow(TYPE)
    expect(() => new BufferRing(r, { count: 3, size: 8 })).toThrow(RANGE)
    expect(() => new BufferRing(r, { count: 0, size: 8 })).toThrow(RANGE)
    expect(() => new BufferRing(r, { count: 65_536, size: 8 })).toThrow(RANGE)
    expect(() => new BufferRing(r, { count: 4, size: 0 })).toThrow(RANGE)
    expect(() => new BufferRing(r, { count: 4, size: '8' as never })).toThrow(TYPE)
    expect(() => new BufferRing(r, { count: 4, size: 8, groupId: 70_000 })).toThrow(RANGE)
    expect(() => new BufferRing(r, { count: 4, size: 8, provided: 5 })).toThrow(RANGE)
    expect(() => new BufferRing(r, { count: 4, size: 8, provided: -1 })).toThrow(RANGE)
    expect(() => new BufferRing(r, { count: 4, size: 8, provided: 1.5 })).toThrow(TYPE)
    expect(() => new BufferRing(r, { count: 4, size: 8, provided: '2' as never })).toThrow(TYPE)
    new BufferRing(r, { count: 4, size: 8, groupId: 3 })
    expect(() => new BufferRing(r, { count: 4, size: 8, groupId: 3 })).toThrow(
      expect.objectContaining({ code: 'EEXIST', syscall: 'io_uring_register' }),
    )
    const closed = new Uring()
    closed.close()
    expect(() => new BufferRing(closed, { count: 4, size: 8 })).toThrow(expect.objectContaining({ code: 'ERR_URING_CLOSED' }))
  })

  it('ids, ownership, foreign rings and closing', () => {
    const r = ring()
    if (!r.features.bufferRings) return
    const [a, b] = unixPair()
    const buffers = new BufferRing(r, { count: 4, size: 8 })
    expect(() => buffers.recycle(4)).toThrow(RANGE)
    expect(() => buffers.recycle(-1)).toThrow(RANGE)
    expect(() => buffers.recycle(0.5)).toThrow(RANGE)
    expect(() => buffers.view(0, 9)).toThrow(RANGE)
    expect(() => buffers.offsetOf(7)).toThrow(RANGE)
    // Every buffer starts with the kernel: recycling one would hand it over twice.
    expect(() => buffers.recycle(0)).toThrow(expect.objectContaining({ code: 'ERR_URING_BUFFER_NOT_OWNED' }))

    const other = ring()
    expect(() => other.recvMultishot(a, buffers, 1)).toThrow(expect.objectContaining({ code: 'ERR_URING_BUFFER_RING_FOREIGN' }))

    r.recvMultishot(a, buffers, 1)
    sockets.write(b, Buffer.from('data'))
    const [c] = reap(r, 1)
    const id = c.flags >>> 16
    buffers.recycle(id)
    expect(() => buffers.recycle(id)).toThrow(expect.objectContaining({ code: 'ERR_URING_BUFFER_NOT_OWNED' }))
    expect(() => buffers.close()).toThrow(expect.objectContaining({ code: 'ERR_URING_BUFFER_RING_BUSY' }))
    r.cancel(1)
    reap(r, 1)
    buffers.close()
    buffers.close()
    expect(() => buffers.recycle(id)).toThrow(expect.objectContaining({ code: 'ERR_URING_BUFFER_RING_CLOSED' }))
    expect(() => r.recvMultishot(a, buffers, 1)).toThrow(expect.objectContaining({ code: 'ERR_URING_BUFFER_RING_CLOSED' }))
    expect(buffers.view(id, 4).length).toBe(4) // the memory stays readable
  })

  it('its memory cannot be transferred away from the kernel', () => {
    const r = ring()
    if (!r.features.bufferRings) return
    const buffers = new BufferRing(r, { count: 2, size: 8 })
    const data = buffers.bytes.buffer as ArrayBuffer
    // Node 20 ignores an untransferable object in a transfer list (copies it); later versions
    // throw DataCloneError. Either way the memory stays attached.
    try {
      structuredClone(data, { transfer: [data] })
    } catch (error) {
      expect((error as Error).name).toBe('DataCloneError')
    }
    expect(data.byteLength).toBe(16)
    expect(buffers.bytes.length).toBe(16)
  })
})
