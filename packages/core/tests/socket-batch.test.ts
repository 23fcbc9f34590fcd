// sockets.readBatch and sockets.writeBatch: a wakeup's reads or writes in one native call.
import { afterEach, describe, expect, it } from 'vitest'
import { batchStatus, sockets } from '@io/core'

const { AF_UNIX, SOCK_STREAM, SOCK_NONBLOCK } = sockets.constants
const open: number[] = []
afterEach(() => {
  for (const fd of open.splice(0)) sockets.close(fd)
})

function pair(): [number, number] {
  const fds = sockets.socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK)
  open.push(...fds)
  return fds
}

describe('sockets.readBatch', () => {
  it('reads each fd once into the next free bytes of the arena, with a status per fd', async () => {
    const [a1, a2] = pair()
    const [b1] = pair()
    const [c1, c2] = pair()
    const [d1, d2] = pair()
    sockets.write(a2, Buffer.from('alpha'))
    sockets.write(c2, Buffer.alloc(40, 0x63)) // more than the 16 bytes it may read
    sockets.close(d2)
    open.splice(open.indexOf(d2), 1)
    const fds = Int32Array.from([a1, -1, b1, c1, d1])
    const arena = new Uint8Array(64 * 1024)
    const runs = new Int32Array(fds.length * 3)
    expect(sockets.readBatch(fds, 0, fds.length, arena, runs, 16)).toBe(5)
    const run = (i: number) => [runs[3 * i], runs[3 * i + 1], runs[3 * i + 2]]
    expect(run(0)).toEqual([0, 5, batchStatus.READ])
    expect(Buffer.from(arena.subarray(0, 5)).toString()).toBe('alpha')
    expect(run(1)[2]).toBe(batchStatus.SKIP)
    expect(run(2)).toEqual([5, 0, batchStatus.WOULD_BLOCK])
    expect(run(3)).toEqual([5, 16, batchStatus.FULL]) // filled its room: more may wait
    expect(run(4)[2]).toBe(batchStatus.EOF)
  })

  it('stops when the arena has less room than a read may take, and goes on from there', () => {
    const fds: number[] = []
    for (let i = 0; i < 4; i++) {
      const [x, y] = pair()
      sockets.write(y, Buffer.alloc(20 * 1024, i))
      fds.push(x)
    }
    const list = Int32Array.from(fds)
    const arena = new Uint8Array(40 * 1024) // two 16 KB reads fit, a third would have 8 KB of room
    const runs = new Int32Array(list.length * 3)
    const stop = sockets.readBatch(list, 0, list.length, arena, runs, 16 * 1024)
    expect(stop).toBe(2)
    expect([runs[1], runs[4]]).toEqual([16 * 1024, 16 * 1024])
    expect(sockets.readBatch(list, stop, list.length, arena, runs, 16 * 1024)).toBe(4)
    expect(runs[3 * 2]).toBe(0) // the second round starts at the arena's beginning again
  })

  it('reports a failed read as -errno without throwing', () => {
    const [x] = pair()
    sockets.shutdown(x, sockets.constants.SHUT_RD)
    const notASocket = sockets.eventfd(0, sockets.constants.EFD_NONBLOCK)
    open.push(notASocket)
    const runs = new Int32Array(6)
    // An eventfd read needs 8 bytes; a 4-byte room gives EINVAL.
    sockets.readBatch(Int32Array.from([x, notASocket]), 0, 2, new Uint8Array(4), runs, 4)
    expect(runs[2]).toBe(batchStatus.EOF)
    expect(runs[5]).toBe(-22)
  })

  it('refuses bad arguments with TypeError and RangeError', () => {
    const arena = new Uint8Array(16)
    expect(() => sockets.readBatch([1] as never, 0, 1, arena, new Int32Array(3), 16)).toThrow(TypeError)
    expect(() => sockets.readBatch(new Int32Array(1), 0, 2, arena, new Int32Array(6), 16)).toThrow(RangeError)
    expect(() => sockets.readBatch(new Int32Array(2), 0, 2, arena, new Int32Array(3), 16)).toThrow(RangeError)
    expect(() => sockets.readBatch(new Int32Array(1), 0, 1, arena, new Int32Array(3), 0)).toThrow(RangeError)
  })
})

describe('sockets.writeBatch', () => {
  it('writes each fd its segments in one gathered write, reporting bytes or -errno', () => {
    const [a1, a2] = pair()
    const [b1, b2] = pair()
    const [c1] = pair()
    sockets.shutdown(c1, sockets.constants.SHUT_WR)
    const results = new Int32Array(3)
    sockets.writeBatch(
      Int32Array.from([a1, b1, c1]),
      3,
      Int32Array.from([2, 1, 1]),
      [Buffer.from('ab'), Buffer.from('cd'), Buffer.from('efg'), Buffer.from('x')],
      results,
    )
    expect([...results]).toEqual([4, 3, -32]) // EPIPE, and no SIGPIPE
    const got = Buffer.alloc(8)
    expect(got.subarray(0, sockets.read(a2, got)).toString()).toBe('abcd')
    expect(got.subarray(0, sockets.read(b2, got)).toString()).toBe('efg')
  })

  it('reports a short write, and 0 when the socket takes nothing', () => {
    const [a1] = pair()
    const big = Buffer.alloc(8 * 1024 * 1024)
    const results = new Int32Array(1)
    sockets.writeBatch(Int32Array.from([a1]), 1, Int32Array.from([1]), [big], results)
    expect(results[0]).toBeGreaterThan(0)
    expect(results[0]).toBeLessThan(big.length)
    sockets.writeBatch(Int32Array.from([a1]), 1, Int32Array.from([1]), [big], results)
    expect(results[0]).toBe(0)
  })

  it('skips a negative fd, consuming its segments', () => {
    const [a1, a2] = pair()
    const results = new Int32Array(2)
    sockets.writeBatch(Int32Array.from([-1, a1]), 2, Int32Array.from([1, 1]), [Buffer.from('no'), Buffer.from('yes')], results)
    expect([...results]).toEqual([0, 3])
    const got = Buffer.alloc(8)
    expect(got.subarray(0, sockets.read(a2, got)).toString()).toBe('yes')
  })

  it('refuses segment counts past the buffers, and buffers that are not views', () => {
    const results = new Int32Array(1)
    expect(() => sockets.writeBatch(Int32Array.from([1]), 1, Int32Array.from([2]), [Buffer.from('a')], results)).toThrow(RangeError)
    expect(() => sockets.writeBatch(Int32Array.from([1]), 1, Int32Array.from([1]), ['a' as never], results)).toThrow(TypeError)
  })

  it('with spans, writes ranges of one memory and the next buffers, in span order', () => {
    const [a1, a2] = pair()
    const [b1, b2] = pair()
    const memory = Buffer.from('0123456789')
    const results = new Int32Array(2)
    // a: memory[2, 5), then the first buffer, then memory[8, 10); b: the second buffer, memory[0, 1)
    const spans = Int32Array.from([2, 3, -1, 0, 8, 2, -1, 99, 0, 1])
    sockets.writeBatch(Int32Array.from([a1, b1]), 2, Int32Array.from([3, 2]), [Buffer.from('ab'), Buffer.from('xyz')], results, spans, memory)
    expect([...results]).toEqual([7, 4])
    const got = Buffer.alloc(16)
    expect(got.subarray(0, sockets.read(a2, got)).toString()).toBe('234ab89')
    expect(got.subarray(0, sockets.read(b2, got)).toString()).toBe('xyz0')
  })

  it('with spans, refuses ranges outside the memory, too few spans, and spans past the buffers', () => {
    const [a1, a2] = pair()
    const memory = new Uint8Array(8)
    const results = new Int32Array(1)
    const write = (spans: number[], segments: number, buffers: Uint8Array[] = []) => () =>
      sockets.writeBatch(Int32Array.from([a1]), 1, Int32Array.from([segments]), buffers, results, Int32Array.from(spans), memory)
    expect(write([4, 5], 1)).toThrow(RangeError) // ends past the memory
    expect(write([-2, 1], 1)).toThrow(RangeError)
    expect(write([0, -1], 1)).toThrow(RangeError)
    expect(write([0x7fffffff, 0x7fffffff], 1)).toThrow(RangeError) // no overflow into range
    expect(write([0, 1], 2)).toThrow(RangeError) // two segments, one span
    expect(write([-1, 0, -1, 0], 2, [Buffer.from('a')])).toThrow(RangeError) // two buffers taken, one given
    expect(() =>
      sockets.writeBatch(Int32Array.from([a1]), 1, Int32Array.from([1]), [], results, Int32Array.from([0, 1]), new Uint8Array(new SharedArrayBuffer(8))),
    ).toThrow(TypeError)
    expect(() => sockets.writeBatch(Int32Array.from([a1]), 1, Int32Array.from([1]), [], results, Int32Array.from([0, 1]), 'memory' as never)).toThrow(TypeError)
    const got = Buffer.alloc(8)
    expect(sockets.read(a2, got)).toBe(sockets.WOULD_BLOCK) // nothing was written
  })
})
