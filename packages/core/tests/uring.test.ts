import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { expect, it } from 'vitest'
import {
  BufferRing,
  IORING_CQE_F_BUFFER,
  IORING_CQE_F_MORE,
  IORING_CQE_F_NOTIF,
  READABLE,
  Uring,
  bufferIdOf,
  completionError,
  constants,
  sockets,
} from '@io/core'
import {
  closeQuietly,
  describeUring,
  isOpen,
  later,
  reap,
  readExactly,
  ring,
  support,
  tcpListener,
  tcpPair,
  unixPair,
} from './uring-helpers.js'

const ETIME = 62
const ECANCELED = 125
const ECONNREFUSED = 111

it('isSupported() answers with a boolean and, when false, a reason', () => {
  expect(typeof support.supported).toBe('boolean')
  if (!support.supported) expect(support.reason).toMatch(/io_uring/)
  expect(Uring.isSupported()).toBe(support) // probed once per thread
})

describeUring('Uring setup', () => {
  it('reports the setup flags, kernel features and opcodes it found', () => {
    const r = ring({ entries: 8, cqEntries: 64 })
    const f = r.features
    expect(f.sqEntries).toBe(8)
    expect(f.cqEntries).toBe(64)
    expect(r.capacity).toBe(64)
    expect(f.kernelFeatures).toContain('NODROP')
    expect(f.kernelFeatures).toContain('EXT_ARG')
    for (const op of ['POLL_ADD', 'ACCEPT', 'RECV', 'SEND', 'CONNECT', 'CLOSE', 'SHUTDOWN', 'TIMEOUT', 'ASYNC_CANCEL'])
      expect(f.opcodes).toContain(op)
    // Flags were tried newest first: whatever was granted is one of the documented sets.
    const flags = new Set(f.setupFlags)
    if (flags.has('DEFER_TASKRUN')) expect(flags.has('SINGLE_ISSUER')).toBe(true)
    expect(f.deferTaskrun).toBe(flags.has('DEFER_TASKRUN'))
    expect(r.completionTokens.length).toBe(64)
    expect(Object.isFrozen(f) && Object.isFrozen(f.opcodes)).toBe(true)
    expect(r.fd).toBeGreaterThan(2)
  })

  it('closes idempotently and refuses work afterwards', () => {
    const r = new Uring()
    r.close()
    r.close()
    expect(r.closed).toBe(true)
    expect(r.fd).toBe(-1)
    const closed = expect.objectContaining({ code: 'ERR_URING_CLOSED' })
    const buf = Buffer.alloc(4)
    const calls: Array<() => unknown> = [
      () => r.timeout(1, 1),
      () => r.wait(0),
      () => r.submit(),
      () => r.pollAdd(0, READABLE, 1),
      () => r.pollRemove(1),
      () => r.accept(0, 1),
      () => r.recv(0, buf, 0, 4, 1),
      () => r.send(0, buf, 0, 4, 1),
      () => r.writev(0, [buf], 1),
      () => r.connect(0, '127.0.0.1', 1, 1),
      () => r.shutdown(0, constants.SHUT_WR, 1),
      () => r.close(0, 1),
      () => r.cancel(1),
      () => r.cancelFd(0, 1),
      () => r.start(() => {}),
    ]
    for (const call of calls) expect(call).toThrow(closed)
    expect(r.active).toBe(false)
    r.stop() // harmless on a closed ring, like close()
  })

  it('supports using declarations', () => {
    let fd: number
    {
      using r = new Uring()
      fd = r.fd
      expect(isOpen(fd)).toBe(true)
    }
    expect(isOpen(fd)).toBe(false)
  })
})

describeUring('Uring operations', () => {
  it('timeout completes with -ETIME under its token', () => {
    const r = ring()
    r.timeout(1, 77)
    r.timeout(0.5, 78)
    const got = reap(r, 2)
    expect(got.map((c) => c.token).sort()).toEqual([77, 78])
    expect(got.every((c) => c.result === -ETIME && c.flags === 0)).toBe(true)
  })

  it('wait(min, timeoutMs) interrupted by signals still waits at least timeoutMs', async () => {
    // epoll_wait and io_uring_enter are never restarted after a signal handler (EINTR); the
    // wait goes on with the time left, which used to be computed from whole milliseconds and
    // could end the wait up to 1 ms early. A worker signals this process every 0.3 ms meanwhile.
    const r = ring()
    const [a] = unixPair()
    r.pollAdd(a, READABLE, 1, true) // in flight, never completes: each wait runs to its timeout
    const onSignal = () => {}
    process.on('SIGUSR2', onSignal)
    const signaller = new Worker(`setInterval(() => process.kill(process.pid, 'SIGUSR2'), 0.3)`, { eval: true })
    try {
      await new Promise((resolve) => signaller.once('online', resolve))
      const short: number[] = []
      for (let i = 0; i < 100; i++) {
        const start = performance.now()
        expect(r.wait(1, 2.5)).toBe(0)
        const elapsed = performance.now() - start
        if (elapsed < 2.5) short.push(elapsed)
      }
      expect(short).toEqual([])
    } finally {
      await signaller.terminate()
      process.off('SIGUSR2', onSignal)
    }
  })

  it('submits a whole batch in one submit() and reports how many went', () => {
    const r = ring()
    for (let i = 0; i < 10; i++) r.timeout(0, i)
    expect(r.inFlight).toBe(10)
    expect(r.submit()).toBe(10)
    expect(r.submit()).toBe(0)
    expect(new Set(reap(r, 10).map((c) => c.token)).size).toBe(10)
    expect(r.inFlight).toBe(0)
  })

  it('recv fills the caller buffer at the offset; send sends a slice', () => {
    const r = ring()
    const [a, b] = unixPair()
    const into = Buffer.alloc(16, '.')
    r.recv(a, into, 4, 8, 1)
    r.submit()
    const out = Buffer.from('xxhello worldxx')
    r.send(b, out, 2, 11, 2)
    const got = reap(r, 2)
    expect(got).toContainEqual({ token: 2, result: 11, flags: 0 })
    const recv = got.find((c) => c.token === 1)!
    expect(recv.result).toBe(8)
    expect(into.toString()).toBe('....hello wo....')
    expect(readExactly(a, 3).toString()).toBe('rld')
  })

  it('recv of 0 bytes at end of stream, and accepts TypedArrays and ArrayBuffers', () => {
    const r = ring()
    const [a, b] = unixPair()
    const words = new Uint16Array(4)
    const raw = new ArrayBuffer(2)
    sockets.write(b, Buffer.from([1, 0, 2, 0, 3, 4]))
    r.recv(a, words, 0, 4, 1)
    reap(r, 1)
    r.recv(a, raw, undefined, undefined, 2)
    expect(reap(r, 1)[0].result).toBe(2)
    expect(Array.from(words.subarray(0, 2))).toEqual([1, 2])
    expect(Array.from(new Uint8Array(raw))).toEqual([3, 4])
    sockets.shutdown(b, constants.SHUT_WR)
    r.recv(a, Buffer.alloc(4), 0, 4, 3)
    expect(reap(r, 1)).toEqual([{ token: 3, result: 0, flags: 0 }])
  })

  it('writev gathers several buffers into one write', () => {
    const r = ring()
    const [a, b] = unixPair()
    r.writev(b, [Buffer.from('ab'), new Uint8Array([99, 100]), Buffer.alloc(0), Buffer.from('e')], 5)
    expect(reap(r, 1)).toEqual([{ token: 5, result: 5, flags: 0 }])
    expect(readExactly(a, 5).toString()).toBe('abcde')
  })

  it('accepts one connection, connects, and reports ECONNREFUSED as a negative result', () => {
    const r = ring()
    const listener = tcpListener()
    const client = sockets.socket(constants.AF_INET, constants.SOCK_STREAM | constants.SOCK_NONBLOCK)
    later(() => closeQuietly(client))
    r.accept(listener.fd, 10)
    r.connect(client, '127.0.0.1', listener.port, 11)
    const got = reap(r, 2)
    expect(got.find((c) => c.token === 11)!.result).toBe(0)
    const accepted = got.find((c) => c.token === 10)!
    expect(accepted.result).toBeGreaterThan(2)
    expect(accepted.flags & IORING_CQE_F_MORE).toBe(0)
    later(() => closeQuietly(accepted.result))
    expect(sockets.getpeername(accepted.result).port).toBe(sockets.getsockname(client).port)

    const closed = tcpListener()
    sockets.close(closed.fd)
    const other = sockets.socket(constants.AF_INET, constants.SOCK_STREAM | constants.SOCK_NONBLOCK)
    later(() => closeQuietly(other))
    r.connect(other, '127.0.0.1', closed.port, 12)
    const [refused] = reap(r, 1)
    expect(refused.result).toBe(-ECONNREFUSED)
    const error = completionError(refused.result, 'connect')
    expect(error).toMatchObject({ code: 'ECONNREFUSED', errno: -ECONNREFUSED, syscall: 'connect' })
    expect(error.message).toMatch(/^ECONNREFUSED: .*, connect$/)
  })

  it('connects over IPv6 loopback', () => {
    const r = ring()
    const listener = sockets.socket(constants.AF_INET6, constants.SOCK_STREAM)
    later(() => closeQuietly(listener))
    sockets.bind(listener, '::1', 0)
    sockets.listen(listener)
    const client = sockets.socket(constants.AF_INET6, constants.SOCK_STREAM)
    later(() => closeQuietly(client))
    r.connect(client, '::1', sockets.getsockname(listener).port, 1)
    expect(reap(r, 1)[0].result).toBe(0)
  })

  it('multishot accept completes once per connection with F_MORE', () => {
    const r = ring()
    const listener = tcpListener()
    r.accept(listener.fd, 20, { multishot: true })
    r.submit()
    const clients = [0, 1, 2].map(() => {
      const fd = sockets.socket(constants.AF_INET, constants.SOCK_STREAM)
      later(() => closeQuietly(fd))
      sockets.connect(fd, '127.0.0.1', listener.port)
      return fd
    })
    const got = reap(r, 3)
    for (const c of got) {
      later(() => closeQuietly(c.result))
      expect(c.token).toBe(20)
      expect(c.result).toBeGreaterThan(2)
      if (r.features.multishotAccept) expect(c.flags & IORING_CQE_F_MORE).toBe(IORING_CQE_F_MORE)
    }
    expect(clients).toHaveLength(3)
  })

  it('shutdown(SHUT_WR) ends the peer stream; close(fd, token) closes through the ring', () => {
    const r = ring()
    const [a, b] = unixPair()
    r.shutdown(b, constants.SHUT_WR, 1)
    expect(reap(r, 1)).toEqual([{ token: 1, result: 0, flags: 0 }])
    expect(sockets.read(a, Buffer.alloc(4))).toBe(0)
    r.close(b, 2)
    expect(reap(r, 1)).toEqual([{ token: 2, result: 0, flags: 0 }])
    expect(isOpen(b)).toBe(false)
  })

  it('pollAdd reports the ready events once; multishot keeps reporting with F_MORE', () => {
    const r = ring()
    const [a, b] = unixPair()
    r.pollAdd(a, READABLE, 1)
    r.submit()
    sockets.write(b, Buffer.from('x'))
    expect(reap(r, 1)).toEqual([{ token: 1, result: READABLE, flags: 0 }])
    sockets.read(a, Buffer.alloc(4))

    r.pollAdd(a, READABLE, 2, true)
    r.submit()
    for (let round = 0; round < 3; round++) {
      sockets.write(b, Buffer.from('y'))
      const [c] = reap(r, 1)
      expect(c.token).toBe(2)
      expect(c.result & READABLE).toBe(READABLE)
      if (r.features.multishotPoll) expect(c.flags & IORING_CQE_F_MORE).toBe(IORING_CQE_F_MORE)
      else r.pollAdd(a, READABLE, 2, true)
      sockets.read(a, Buffer.alloc(4))
      r.submit()
    }
    expect(r.pollRemove(2)).toBe(1)
    const last = reap(r, 1)[0]
    expect(last).toEqual({ token: 2, result: -ECANCELED, flags: 0 })
    expect(r.inFlight).toBe(0)
    expect(r.pollRemove(2)).toBe(0)
  })

  it('cancel(token) ends the matching operations with -ECANCELED; others go on', () => {
    const r = ring()
    const [a, b] = unixPair()
    r.recv(a, Buffer.alloc(8), 0, 8, 1)
    r.recv(b, Buffer.alloc(8), 0, 8, 2)
    r.submit()
    expect(r.cancel(1)).toBe(1)
    expect(reap(r, 1)).toEqual([{ token: 1, result: -ECANCELED, flags: 0 }])
    expect(r.inFlight).toBe(1)
    expect(r.cancel(99)).toBe(0)
    sockets.write(a, Buffer.from('hi'))
    expect(reap(r, 1)).toEqual([{ token: 2, result: 2, flags: 0 }])
  })

  it('cancelFd(fd) cancels everything on the fd and reports how many', () => {
    const r = ring()
    if (!r.features.cancelByFd) return
    const [a] = unixPair()
    r.recv(a, Buffer.alloc(8), 0, 8, 1)
    r.pollAdd(a, READABLE, 2)
    r.submit()
    r.cancelFd(a, 3)
    const got = reap(r, 3)
    expect(got).toContainEqual({ token: 3, result: 2, flags: 0 })
    expect(got).toContainEqual({ token: 1, result: -ECANCELED, flags: 0 })
    expect(got).toContainEqual({ token: 2, result: -ECANCELED, flags: 0 })
    r.cancelFd(a, 4)
    expect(reap(r, 1)).toEqual([{ token: 4, result: 0, flags: 0 }]) // none left
  })

  it('zero-copy send completes, then notifies when the kernel lets go of the buffer', () => {
    const r = ring()
    const [client, server] = tcpPair()
    const payload = Buffer.alloc(64 * 1024, 7)
    r.send(client, payload, 0, payload.length, 9, { zeroCopy: true })
    r.submit()
    const echoed = readExactly(server, payload.length)
    expect(echoed.equals(payload)).toBe(true)
    if (!r.features.sendZeroCopy) {
      expect(reap(r, 1)[0]).toEqual({ token: 9, result: payload.length, flags: 0 })
      return
    }
    const got = reap(r, 2)
    expect(got[0]).toEqual({ token: 9, result: payload.length, flags: IORING_CQE_F_MORE })
    expect(got[1].token).toBe(9)
    expect(got[1].flags & IORING_CQE_F_NOTIF).toBe(IORING_CQE_F_NOTIF)
    expect(got[1].flags & IORING_CQE_F_MORE).toBe(0)
    expect(r.inFlight).toBe(0)
  })

  it('multishot recv fills BufferRing buffers and reports their ids', () => {
    const r = ring()
    if (!r.features.bufferRings) return
    const [a, b] = unixPair()
    const buffers = new BufferRing(r, { count: 4, size: 8 })
    expect(buffers.groupId).toBe(0)
    r.recvMultishot(a, buffers, 5)
    r.submit()
    const text: string[] = []
    for (const word of ['one', 'two', 'three', 'four', 'five', 'six']) {
      sockets.write(b, Buffer.from(word))
      const [c] = reap(r, 1)
      expect(c.token).toBe(5)
      expect(c.flags & IORING_CQE_F_BUFFER).toBe(IORING_CQE_F_BUFFER)
      if (r.features.multishotRecv) expect(c.flags & IORING_CQE_F_MORE).toBe(IORING_CQE_F_MORE)
      else r.recvMultishot(a, buffers, 5)
      const id = bufferIdOf(c.flags)
      expect(buffers.isOwned(id)).toBe(true)
      text.push(Buffer.from(buffers.view(id, c.result)).toString())
      expect(Buffer.from(buffers.bytes.subarray(buffers.offsetOf(id), buffers.offsetOf(id) + c.result)).toString()).toBe(
        text.at(-1),
      )
      buffers.recycle(id)
      expect(buffers.isOwned(id)).toBe(false)
      r.submit()
    }
    expect(text).toEqual(['one', 'two', 'three', 'four', 'five', 'six'])
    expect(r.cancel(5)).toBe(1)
    expect(reap(r, 1)[0].result).toBe(-ECANCELED)
    buffers.close()
    const second = new BufferRing(r, { count: 2, size: 16 })
    expect(second.groupId).toBe(0) // the id was freed by close()
  })

  it('single-shot recv from a BufferRing completes once, with or without pollFirst, data there before or after', () => {
    const r = ring()
    if (!r.features.bufferRings) return
    const [a, b] = unixPair()
    const buffers = new BufferRing(r, { count: 4, size: 8 })
    const got: string[] = []
    for (const [pollFirst, before] of [[false, false], [false, true], [true, false], [true, true]] as const) {
      const word = `${pollFirst ? 'p' : 'r'}${before ? 'b' : 'a'}`
      if (before) sockets.write(b, Buffer.from(word))
      r.recvFromRing(a, buffers, 6, { multishot: false, pollFirst })
      r.submit()
      if (!before) sockets.write(b, Buffer.from(word))
      const [c] = reap(r, 1)
      expect(c.token).toBe(6)
      expect(c.flags & IORING_CQE_F_MORE).toBe(0)
      expect(c.flags & IORING_CQE_F_BUFFER).toBe(IORING_CQE_F_BUFFER)
      got.push(Buffer.from(buffers.view(bufferIdOf(c.flags), c.result)).toString())
      buffers.recycle(bufferIdOf(c.flags))
      expect(r.inFlight).toBe(0)
    }
    expect(got).toEqual(['ra', 'rb', 'pa', 'pb'])
    expect(() => r.recvFromRing(a, buffers, 6, { multishot: false, pollFirst: 1 as never })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }),
    )
    expect(() => r.recvFromRing(a, buffers, 6, { multishot: 'no' as never })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    expect(r.inFlight).toBe(0)
  })

  it('recvOnceFromRing queues one single-shot recv per entry, each with its token, in one call', () => {
    const r = ring()
    if (!r.features.bufferRings) return
    const pairs = [unixPair(), unixPair(), unixPair()]
    const buffers = new BufferRing(r, { count: 4, size: 8 })
    // Token 0xFFFFFFF0 is written as its 32 bits and comes back unsigned; the last entry is left out by count.
    const tokens = [7, 0xfffffff0, 9]
    const arms = new Int32Array(3 * 4)
    pairs.forEach(([a], i) => arms.set([a, tokens[i] | 0, i % 2], 3 * i))
    arms.set([pairs[0][0], 99, 0], 9)
    r.recvOnceFromRing(buffers, arms, 3)
    expect(r.inFlight).toBe(3)
    r.submit()
    pairs.forEach(([, b], i) => sockets.write(b, Buffer.from(`w${i}`)))
    const got = new Map<number, string>()
    for (const c of reap(r, 3)) {
      expect(c.flags & IORING_CQE_F_MORE).toBe(0)
      got.set(c.token, Buffer.from(buffers.view(bufferIdOf(c.flags), c.result)).toString())
      buffers.recycle(bufferIdOf(c.flags))
    }
    expect(got).toEqual(new Map([[7, 'w0'], [0xfffffff0, 'w1'], [9, 'w2']]))
    expect(r.inFlight).toBe(0)
  })

  it('recvOnceFromRing checks every entry before it queues any', () => {
    const r = ring()
    if (!r.features.bufferRings) return
    const [a] = unixPair()
    const buffers = new BufferRing(r, { count: 2, size: 8 })
    const arms = Int32Array.of(a, 1, 0, -1, 2, 0)
    expect(() => r.recvOnceFromRing(buffers, arms, 2)).toThrow(RangeError)
    expect(() => r.recvOnceFromRing(buffers, Int32Array.of(a, 1, 0, a, 2, 2), 2)).toThrow(RangeError)
    expect(() => r.recvOnceFromRing(buffers, arms, 3)).toThrow(RangeError)
    expect(() => r.recvOnceFromRing(buffers, [a, 1, 0] as never, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => r.recvOnceFromRing(buffers, Uint32Array.of(a, 1, 0) as never, 1)).toThrow(TypeError)
    expect(() => r.recvOnceFromRing({} as never, arms, 1)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    expect(r.inFlight).toBe(0)
    r.recvOnceFromRing(buffers, arms, 0)
    expect(r.inFlight).toBe(0)
  })
})
