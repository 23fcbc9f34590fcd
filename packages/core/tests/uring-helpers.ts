// Shared by the uring*.test.ts files: the probe gate, reaping into plain objects (fine in tests,
// never on a hot path), and socket pairs that clean up after themselves.
import { afterEach, describe } from 'vitest'
import { Uring, constants, sockets } from '@io/core'

export const support = Uring.isSupported()
if (!support.supported) console.warn(`io_uring tests skipped: ${support.reason}`)

/** `describe` that skips, saying why, where io_uring is unavailable. */
export function describeUring(name: string, body: () => void): void {
  describe.skipIf(!support.supported)(name, body)
}

export interface Completion {
  token: number
  result: number
  flags: number
}

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()!()
})

/** Runs `fn` after the current test. */
export function later(fn: () => void): void {
  cleanups.push(fn)
}

/** A ring closed after the test. */
export function ring(options?: ConstructorParameters<typeof Uring>[0]): Uring {
  const r = new Uring(options)
  later(() => r.close())
  return r
}

/** The completions of the last wait, as objects. */
export function read(r: Uring, count: number): Completion[] {
  const out: Completion[] = []
  for (let i = 0; i < count; i++) {
    out.push({ token: r.completionTokens[i], result: r.completionResults[i], flags: r.completionFlags[i] })
  }
  return out
}

/**
 * Waits until `count` completions arrived and returns them in arrival order. Bounded: each wait
 * gives up after a few seconds, so a missing completion fails the test instead of hanging it.
 */
export function reap(r: Uring, count: number): Completion[] {
  const out: Completion[] = []
  for (let round = 0; out.length < count && round < count + 10; round++) {
    const n = r.wait(1, 5000)
    out.push(...read(r, n))
    if (n === 0 && r.inFlight === 0) break
  }
  if (out.length < count) throw new Error(`expected ${count} completions, got ${JSON.stringify(out)}`)
  return out
}

/** A connected AF_UNIX stream pair, closed after the test. */
export function unixPair(): [number, number] {
  const fds = sockets.socketpair(constants.AF_UNIX, constants.SOCK_STREAM)
  later(() => fds.forEach((fd) => closeQuietly(fd)))
  return fds
}

/** A listening TCP socket on 127.0.0.1 and its port, closed after the test. */
export function tcpListener(): { fd: number; port: number } {
  const fd = sockets.socket(constants.AF_INET, constants.SOCK_STREAM)
  later(() => closeQuietly(fd))
  sockets.setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1)
  sockets.bind(fd, '127.0.0.1', 0)
  sockets.listen(fd, 64)
  return { fd, port: sockets.getsockname(fd).port }
}

/** A connected TCP pair over loopback: [client, server], closed after the test. */
export function tcpPair(): [number, number] {
  const listener = tcpListener()
  const client = sockets.socket(constants.AF_INET, constants.SOCK_STREAM)
  later(() => closeQuietly(client))
  sockets.connect(client, '127.0.0.1', listener.port)
  const server = sockets.accept(listener.fd, 0)
  later(() => closeQuietly(server))
  return [client, server]
}

/** close(2) that ignores EBADF: for cleanups of fds a test may have closed itself. */
export function closeQuietly(fd: number): void {
  try {
    sockets.close(fd)
  } catch {
    // already closed by the test
  }
}

/** True while `fd` is an open descriptor. */
export function isOpen(fd: number): boolean {
  try {
    sockets.getsockopt(fd, constants.SOL_SOCKET, constants.SO_TYPE)
    return true
  } catch (error) {
    return (error as { code?: string }).code !== 'EBADF'
  }
}

/** Reads exactly `length` bytes from a blocking fd. */
export function readExactly(fd: number, length: number): Buffer {
  const out = Buffer.alloc(length)
  let got = 0
  while (got < length) {
    const n = sockets.read(fd, out, got, length - got)
    if (n <= 0) break
    got += n
  }
  return out.subarray(0, got)
}
