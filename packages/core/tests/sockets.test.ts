import { afterEach, describe, expect, it } from 'vitest'
import { WOULD_BLOCK, constants as k, isSystemError, sockets } from '@io/core'
import { openFdCount } from './helpers.js'

const cleanup: Array<() => void> = []
afterEach(() => {
  while (cleanup.length) cleanup.pop()!()
})
function track<T extends number | number[]>(fds: T): T {
  cleanup.push(() => {
    for (const fd of ([] as number[]).concat(fds)) {
      try {
        sockets.close(fd)
      } catch {}
    }
  })
  return fds
}

function listener(host = '127.0.0.1'): { fd: number; port: number } {
  const fd = track(sockets.socket(host.includes(':') ? k.AF_INET6 : k.AF_INET, k.SOCK_STREAM | k.SOCK_NONBLOCK))
  sockets.setsockopt(fd, k.SOL_SOCKET, k.SO_REUSEADDR, 1)
  sockets.bind(fd, host, 0)
  sockets.listen(fd, 64)
  return { fd, port: sockets.getsockname(fd).port }
}

function connected(host = '127.0.0.1'): { server: number; client: number; conn: number } {
  const { fd: server, port } = listener(host)
  const client = track(sockets.socket(host.includes(':') ? k.AF_INET6 : k.AF_INET, k.SOCK_STREAM))
  expect(sockets.connect(client, host, port)).toBe(true) // blocking socket: connected at once
  const conn = track(sockets.accept(server))
  expect(conn).toBeGreaterThan(0)
  return { server, client, conn }
}

describe('sockets: TCP', () => {
  it('listens, connects, accepts and moves bytes both ways over IPv4', () => {
    const { client, conn } = connected()
    expect(sockets.send(client, Buffer.from('ping'))).toBe(4)
    const buf = Buffer.alloc(16)
    expect(sockets.recv(conn, buf)).toBe(4)
    expect(buf.subarray(0, 4).toString()).toBe('ping')
    expect(sockets.write(conn, Buffer.from('xxpongxx'), 2, 4)).toBe(4)
    expect(sockets.read(client, buf, 3, 10)).toBe(4)
    expect(buf.subarray(3, 7).toString()).toBe('pong')
  })

  it('works over IPv6 and reports addresses', () => {
    const { client, conn } = connected('::1')
    expect(sockets.getpeername(conn)).toMatchObject({ family: 'IPv6', address: '::1' })
    expect(sockets.getsockname(client)).toMatchObject({ family: 'IPv6', address: '::1' })
    expect(sockets.getpeername(client).port).toBe(sockets.getsockname(conn).port)
  })

  it('returns WOULD_BLOCK instead of throwing EAGAIN, and 0 at end of file', () => {
    const { client, conn } = connected()
    const buf = Buffer.alloc(8)
    expect(sockets.read(conn, buf)).toBe(WOULD_BLOCK)
    expect(sockets.recv(conn, buf)).toBe(WOULD_BLOCK)
    sockets.shutdown(client, k.SHUT_WR)
    expect(sockets.read(conn, buf)).toBe(0)
  })

  it('accepts nothing (WOULD_BLOCK) on an empty queue, and a batch in one call', () => {
    const { fd, port } = listener()
    expect(sockets.accept(fd)).toBe(WOULD_BLOCK)
    const out = new Int32Array(8)
    expect(sockets.acceptBatch(fd, out)).toBe(0)
    for (let i = 0; i < 5; i++) {
      const c = track(sockets.socket(k.AF_INET, k.SOCK_STREAM))
      sockets.connect(c, '127.0.0.1', port)
    }
    const n = sockets.acceptBatch(fd, out)
    track(Array.from(out.subarray(0, n)))
    expect(n).toBe(5)
    expect(new Set(out.subarray(0, n)).size).toBe(5)
  })

  it('stops a batch when the array is full and leaves the rest queued', () => {
    const { fd, port } = listener()
    for (let i = 0; i < 3; i++) sockets.connect(track(sockets.socket(k.AF_INET, k.SOCK_STREAM)), '127.0.0.1', port)
    const out = new Int32Array(2)
    expect(sockets.acceptBatch(fd, out)).toBe(2)
    track(Array.from(out))
    const last = sockets.accept(fd)
    track(last)
    expect(last).toBeGreaterThan(0)
  })

  it('connects without blocking: false while in progress, SO_ERROR 0 once done', () => {
    const { fd, port } = listener()
    const c = track(sockets.socket(k.AF_INET, k.SOCK_STREAM | k.SOCK_NONBLOCK))
    const done = sockets.connect(c, '127.0.0.1', port)
    expect(typeof done).toBe('boolean')
    expect(sockets.getsockopt(c, k.SOL_SOCKET, k.SO_ERROR)).toBe(0)
    track(sockets.accept(fd))
  })

  it('throws ECONNREFUSED from a blocking connect to a closed port', () => {
    const { fd, port } = listener()
    sockets.close(fd)
    const c = track(sockets.socket(k.AF_INET, k.SOCK_STREAM))
    expect(() => sockets.connect(c, '127.0.0.1', port)).toThrow(expect.objectContaining({ code: 'ECONNREFUSED', syscall: 'connect' }))
  })

  it('gathers and scatters with writev/readv', () => {
    const { client, conn } = connected()
    expect(sockets.writev(client, [Buffer.from('ab'), Buffer.from('cde'), Buffer.from('f')])).toBe(6)
    const x = Buffer.alloc(4)
    const y = Buffer.alloc(4)
    expect(sockets.readv(conn, [x, y])).toBe(6)
    expect(x.toString() + y.subarray(0, 2).toString()).toBe('abcdef')
  })

  it('sets and reads socket options', () => {
    const { client } = connected()
    sockets.setsockopt(client, k.IPPROTO_TCP, k.TCP_NODELAY, 1)
    expect(sockets.getsockopt(client, k.IPPROTO_TCP, k.TCP_NODELAY)).toBe(1)
    sockets.setsockopt(client, k.SOL_SOCKET, k.SO_KEEPALIVE, 1)
    expect(sockets.getsockopt(client, k.SOL_SOCKET, k.SO_KEEPALIVE)).toBe(1)
    sockets.setsockopt(client, k.SOL_SOCKET, k.SO_RCVBUF, 65536)
    expect(sockets.getsockopt(client, k.SOL_SOCKET, k.SO_RCVBUF)).toBe(2 * 65536) // the kernel doubles it
    const fd = track(sockets.socket(k.AF_INET, k.SOCK_STREAM))
    sockets.setsockopt(fd, k.SOL_SOCKET, k.SO_REUSEPORT, 1)
    expect(sockets.getsockopt(fd, k.SOL_SOCKET, k.SO_REUSEPORT)).toBe(1)
  })

  it('send() to a reset peer gives EPIPE/ECONNRESET, never SIGPIPE', () => {
    const { client, conn } = connected()
    sockets.close(conn)
    const big = Buffer.alloc(1 << 16)
    let error: unknown
    try {
      for (let i = 0; i < 100; i++) sockets.send(client, big)
    } catch (e) {
      error = e
    }
    expect(isSystemError(error)).toBe(true)
    expect(['EPIPE', 'ECONNRESET']).toContain((error as NodeJS.ErrnoException).code)
  })
})

describe('sockets: pipes, socketpairs, eventfd', () => {
  it('pipe2 moves bytes and reports WOULD_BLOCK when empty (O_NONBLOCK)', () => {
    const [r, w] = track(sockets.pipe2(k.O_NONBLOCK))
    expect(sockets.read(r, Buffer.alloc(4))).toBe(WOULD_BLOCK)
    expect(sockets.write(w, Buffer.from('abc'))).toBe(3)
    const buf = Buffer.alloc(4)
    expect(sockets.read(r, buf)).toBe(3)
  })

  it('writev to a pipe falls back from sendmsg to writev', () => {
    const [r, w] = track(sockets.pipe2())
    expect(sockets.writev(w, [Buffer.from('x'), Buffer.from('yz')])).toBe(3)
    const buf = Buffer.alloc(3)
    expect(sockets.read(r, buf)).toBe(3)
    expect(buf.toString()).toBe('xyz')
  })

  it('eventfd counts writes and reads them as one 8-byte value', () => {
    const fd = track(sockets.eventfd(0, k.EFD_NONBLOCK))
    const eight = Buffer.alloc(8)
    expect(sockets.read(fd, eight)).toBe(WOULD_BLOCK)
    eight.writeBigUInt64LE(3n)
    sockets.write(fd, eight)
    sockets.write(fd, eight)
    expect(sockets.read(fd, eight)).toBe(8)
    expect(eight.readBigUInt64LE()).toBe(6n)
  })

  it('setNonBlocking toggles O_NONBLOCK', () => {
    const [a] = track(sockets.socketpair())
    sockets.setNonBlocking(a, true)
    expect(sockets.read(a, Buffer.alloc(1))).toBe(WOULD_BLOCK)
  })
})

describe('sockets: bad input', () => {
  it('throws TypeError/RangeError for bad arguments before any syscall', () => {
    const [a] = track(sockets.socketpair())
    expect(() => sockets.read(a, 'text' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }))
    expect(() => sockets.read(a, Buffer.alloc(4), 5)).toThrow(RangeError)
    expect(() => sockets.read(a, Buffer.alloc(4), 2, 3)).toThrow(RangeError)
    expect(() => sockets.write(a, Buffer.alloc(4), -1)).toThrow(RangeError)
    expect(() => sockets.read(-1, Buffer.alloc(4))).toThrow(RangeError)
    expect(() => sockets.read(0.5, Buffer.alloc(4))).toThrow(TypeError)
    expect(() => sockets.bind(a, 'not-an-ip', 80)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_IP_ADDRESS' }))
    expect(() => sockets.bind(a, '127.0.0.1', 70000)).toThrow(RangeError)
    expect(() => sockets.writev(a, [Buffer.alloc(1), 'x' as never])).toThrow(TypeError)
    expect(() => sockets.writev(a, 'x' as never)).toThrow(TypeError)
    expect(() => sockets.acceptBatch(a, new Uint32Array(2) as never)).toThrow(TypeError)
    expect(() => sockets.shutdown(a, 7)).toThrow(RangeError)
  })

  it('throws a Node-style SystemError for a closed fd', () => {
    const [a, b] = sockets.socketpair()
    sockets.close(a)
    sockets.close(b)
    for (const call of [() => sockets.read(a, Buffer.alloc(1)), () => sockets.send(a, Buffer.alloc(1)), () => sockets.close(a)]) {
      expect(call).toThrow(expect.objectContaining({ code: 'EBADF', errno: -9 }))
    }
  })

  it('throws ENOTSOCK for socket calls on a pipe, and leaks nothing on failures', () => {
    const before = openFdCount()
    const [r, w] = sockets.pipe2()
    expect(() => sockets.listen(r)).toThrow(expect.objectContaining({ code: 'ENOTSOCK', syscall: 'listen' }))
    expect(() => sockets.getsockname(r)).toThrow(expect.objectContaining({ code: 'ENOTSOCK' }))
    sockets.close(r)
    sockets.close(w)
    expect(() => sockets.socket(9999, k.SOCK_STREAM)).toThrow(expect.objectContaining({ code: 'EAFNOSUPPORT' }))
    expect(openFdCount()).toBe(before)
  })

  it('handles zero-length and empty-array transfers', () => {
    const { client, conn } = connected()
    expect(sockets.send(client, Buffer.alloc(0))).toBe(0)
    expect(sockets.writev(client, [])).toBe(0)
    expect(sockets.read(conn, Buffer.alloc(0))).toBe(0)
  })
})

describe('socket constants', () => {
  it('are typed by name: the list the types know is exactly what the addon exports', async () => {
    const { SOCKET_CONSTANT_NAMES } = await import('../src/sockets.js')
    expect([...SOCKET_CONSTANT_NAMES].sort()).toEqual(Object.keys(sockets.constants).sort())
    // @ts-expect-error a misspelt constant is a compile error (npm test type-checks the tests)
    expect(sockets.constants.TCP_NODELAYY).toBeUndefined()
  })
})
