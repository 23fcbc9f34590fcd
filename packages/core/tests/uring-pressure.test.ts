// Nothing lost under pressure: CQ overflow, SQ overflow, provided buffers running out, multishot
// requests ending, fds closed and rings closed with operations in flight.
import { expect, it } from 'vitest'
import {
  BufferRing,
  IORING_CQE_F_BUFFER,
  IORING_CQE_F_MORE,
  READABLE,
  Uring,
  WRITABLE,
  bufferIdOf,
  constants,
  sockets,
} from '@io/core'
import { openFdCount } from './helpers.js'
import { closeQuietly, describeUring, isOpen, later, reap, ring, tcpListener, unixPair } from './uring-helpers.js'

const ECANCELED = 125
const ENOBUFS = 105

describeUring('Uring under pressure', () => {
  it('loses no completion when the CQ ring overflows (more completions than CQ entries)', () => {
    const r = ring({ entries: 4, cqEntries: 4 })
    expect(r.capacity).toBe(4)
    const [a, b] = unixPair()
    sockets.write(b, Buffer.from('x')) // every poll below completes at once
    // 64 completions for a 4-entry CQ: the kernel keeps the rest in its overflow list (NODROP).
    for (let token = 0; token < 64; token++) r.pollAdd(a, READABLE, token)
    r.submit()
    const tokens: number[] = []
    for (let round = 0; round < 100 && tokens.length < 64; round++) {
      const n = r.wait(1, 5000)
      expect(n).toBeLessThanOrEqual(4)
      for (let i = 0; i < n; i++) tokens.push(r.completionTokens[i])
    }
    expect(tokens.sort((x, y) => x - y)).toEqual(Array.from({ length: 64 }, (_, i) => i))
    expect(r.inFlight).toBe(0)
  })

  it('wait() takes every completion the kernel holds, not only its first batch of deferred work', () => {
    // Regression: with DEFER_TASKRUN, Linux >= 6.13 finishes at most 20 deferred completions per
    // io_uring_enter unless asked for more; wait(1) returned 20 of 600 ready polls.
    const r = ring({ entries: 64 })
    const fds = Array.from({ length: 300 }, () => unixPair()).flat()
    fds.forEach((fd, token) => r.pollAdd(fd, WRITABLE, token, true))
    r.submit()
    expect(r.wait(1)).toBe(600)
    expect(new Set(r.completionTokens.subarray(0, 600)).size).toBe(600)
  })

  it('queues more operations than the SQ ring holds and submits them all in order', () => {
    const r = ring({ entries: 2, cqEntries: 8 })
    const [a, b] = unixPair()
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.from(`<${i}>`))
    chunks.forEach((chunk, i) => r.send(b, chunk, 0, chunk.length, i))
    const got = reap(r, 40)
    expect(got.map((c) => c.token)).toEqual(chunks.map((_, i) => i))
    const expected = Buffer.concat(chunks)
    const received = Buffer.alloc(expected.length)
    let n = 0
    while (n < expected.length) n += sockets.read(a, received, n)
    expect(received.equals(expected)).toBe(true)
  })

  it('ENOBUFS from an exhausted buffer ring: recycle, re-arm, and no byte is lost', () => {
    const r = ring()
    if (!r.features.bufferRings) return
    const [a, b] = unixPair()
    const buffers = new BufferRing(r, { count: 2, size: 8 })
    const payload = Buffer.from(Array.from({ length: 200 }, (_, i) => i & 0xff))
    sockets.write(b, payload)
    const received: Buffer[] = []
    let total = 0
    let enobufs = 0
    let armed = false
    for (let round = 0; round < 500 && total < payload.length; round++) {
      if (!armed) {
        r.recvMultishot(a, buffers, 1)
        armed = true
      }
      const n = r.wait(1, 5000)
      const owned: number[] = []
      for (let i = 0; i < n; i++) {
        const result = r.completionResults[i]
        const flags = r.completionFlags[i]
        if (!(flags & IORING_CQE_F_MORE)) armed = false // the request ended: re-arm next round
        if (result === -ENOBUFS) {
          enobufs++
          continue
        }
        expect(result).toBeGreaterThan(0)
        expect(flags & IORING_CQE_F_BUFFER).toBe(IORING_CQE_F_BUFFER)
        const id = bufferIdOf(flags)
        received.push(Buffer.from(buffers.view(id, result)))
        total += result
        owned.push(id)
      }
      owned.forEach((id) => buffers.recycle(id)) // only after reading every completion
    }
    expect(Buffer.concat(received).equals(payload)).toBe(true)
    expect(enobufs).toBeGreaterThan(0) // 200 bytes cannot fit in 2 x 8 without running dry
    r.cancel(1)
  })

  it('a ring given only `provided` buffers at first fills only those, until more are recycled', () => {
    const r = ring()
    if (!r.features.bufferRings) return
    const [a, b] = unixPair()
    const buffers = new BufferRing(r, { count: 8, size: 4, provided: 2 })
    expect([0, 1].map((id) => buffers.isOwned(id))).toEqual([false, false])
    expect([2, 3, 4, 5, 6, 7].every((id) => buffers.isOwned(id))).toBe(true) // yours at first
    sockets.write(b, Buffer.from('abcdefghijklmnop')) // 16 bytes: 4 buffers' worth
    /** Arms one multishot recv and takes what it delivers: [buffer id, bytes] per completion. */
    const take = (): Array<[number, string]> => {
      r.recvMultishot(a, buffers, 1)
      const got: Array<[number, string]> = []
      for (let more = true; more; ) {
        const n = r.wait(1, 5000)
        expect(n).toBeGreaterThan(0)
        for (let i = 0; i < n; i++) {
          const result = r.completionResults[i]
          const flags = r.completionFlags[i]
          more = (flags & IORING_CQE_F_MORE) !== 0
          if (result === -ENOBUFS) expect(more).toBe(false)
          else got.push([bufferIdOf(flags), Buffer.from(buffers.view(bufferIdOf(flags), result)).toString()])
        }
      }
      return got
    }
    expect(take()).toEqual([
      [0, 'abcd'],
      [1, 'efgh'],
    ]) // then ENOBUFS: buffers 2 to 7 were never the kernel's
    buffers.recycle(5) // one of those held back at first
    expect(take()).toEqual([[5, 'ijkl']])
    buffers.recycle(0) // the ring's first buffer again, after 5: in the order recycled
    buffers.recycle(1)
    r.recvMultishot(a, buffers, 1)
    expect(r.wait(1, 5000)).toBe(1)
    const flags = r.completionFlags[0]
    expect(flags & IORING_CQE_F_MORE).toBe(IORING_CQE_F_MORE) // the rest of the data; it waits for more
    expect([bufferIdOf(flags), Buffer.from(buffers.view(bufferIdOf(flags), r.completionResults[0])).toString()]).toEqual([0, 'mnop'])
    r.cancel(1)
  })

  it('a multishot recv that ends without F_MORE (end of stream) is the last one', () => {
    const r = ring()
    if (!r.features.bufferRings) return
    const [a, b] = unixPair()
    const buffers = new BufferRing(r, { count: 4, size: 64 })
    r.recvMultishot(a, buffers, 3)
    sockets.write(b, Buffer.from('last words'))
    const [data] = reap(r, 1)
    expect(Buffer.from(buffers.view(bufferIdOf(data.flags), data.result)).toString()).toBe('last words')
    buffers.recycle(bufferIdOf(data.flags))
    sockets.shutdown(b, constants.SHUT_WR)
    const [end] = reap(r, 1)
    expect(end.result).toBe(0)
    expect(end.flags & IORING_CQE_F_MORE).toBe(0)
    expect(r.inFlight).toBe(0)
  })

  it('a cancelled multishot accept ends without F_MORE; re-arming accepts the next client', () => {
    const r = ring()
    const listener = tcpListener()
    r.accept(listener.fd, 7, { multishot: true })
    r.submit()
    r.cancel(7)
    const [ended] = reap(r, 1)
    expect(ended).toEqual({ token: 7, result: -ECANCELED, flags: 0 })
    r.accept(listener.fd, 8, { multishot: true })
    const client = sockets.socket(constants.AF_INET, constants.SOCK_STREAM)
    later(() => closeQuietly(client))
    sockets.connect(client, '127.0.0.1', listener.port)
    const [accepted] = reap(r, 1)
    expect(accepted.token).toBe(8)
    later(() => closeQuietly(accepted.result))
    expect(accepted.result).toBeGreaterThan(2)
  })

  it('close(fd, token) with operations in flight cancels them, then closes the fd', () => {
    const r = ring()
    const [a, b] = unixPair()
    r.recv(a, Buffer.alloc(16), 0, 16, 1)
    r.pollAdd(a, READABLE, 2, true)
    r.submit()
    r.close(a, 3)
    const got = reap(r, 3)
    expect(got).toContainEqual({ token: 1, result: -ECANCELED, flags: 0 })
    expect(got).toContainEqual({ token: 2, result: -ECANCELED, flags: 0 })
    expect(got).toContainEqual({ token: 3, result: 0, flags: 0 })
    expect(isOpen(a)).toBe(false)
    expect(r.inFlight).toBe(0)
    // The socket itself is gone (no request holds the file any more): the peer sees EPIPE.
    expect(() => sockets.send(b, Buffer.from('to nobody'))).toThrow(expect.objectContaining({ code: 'EPIPE' }))
  })

  it('plain close(2) does not end a recv in flight (the kernel holds the file); cancel(token) does', () => {
    const r = ring()
    const [a] = unixPair()
    r.recv(a, Buffer.alloc(16), 0, 16, 4)
    r.submit()
    sockets.close(a)
    expect(r.wait(0, 0)).toBe(0)
    expect(r.inFlight).toBe(1)
    expect(r.cancel(4)).toBe(1)
    expect(reap(r, 1)).toEqual([{ token: 4, result: -ECANCELED, flags: 0 }])
  })

  it('shutdown of a socket ends its pending recv with end of stream', () => {
    const r = ring()
    const [a] = unixPair()
    r.recv(a, Buffer.alloc(16), 0, 16, 5)
    r.submit()
    sockets.shutdown(a, constants.SHUT_RDWR)
    expect(reap(r, 1)).toEqual([{ token: 5, result: 0, flags: 0 }])
  })

  it('closing the ring with operations in flight reaps them all and leaks no fd', () => {
    const before = openFdCount()
    const listener = tcpListener()
    const [a, b] = unixPair()
    const clients: number[] = []
    for (let round = 0; round < 20; round++) {
      const r = new Uring({ entries: 8 })
      const buffers = r.features.bufferRings ? new BufferRing(r, { count: 4, size: 32 }) : undefined
      r.recv(a, Buffer.alloc(64), 0, 64, 1)
      r.pollAdd(b, READABLE, 2, true)
      r.timeout(60_000, 3)
      r.accept(listener.fd, 4, { multishot: true })
      if (buffers) r.recvMultishot(b, buffers, 5)
      r.send(a, Buffer.alloc(16), 0, 16, 6) // completes, but is never reaped by JavaScript
      r.submit()
      // A connection accepted by the kernel whose completion nobody reads: close() must close it.
      const client = sockets.socket(constants.AF_INET, constants.SOCK_STREAM)
      sockets.connect(client, '127.0.0.1', listener.port)
      clients.push(client)
      r.start(() => {})
      expect(r.inFlight).toBeGreaterThan(0)
      r.close()
      expect(r.inFlight).toBe(0)
      expect(r.closed).toBe(true)
    }
    clients.forEach((fd) => sockets.close(fd))
    sockets.close(a)
    sockets.close(b)
    sockets.close(listener.fd)
    expect(openFdCount()).toBe(before)
  })
})
