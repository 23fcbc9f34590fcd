/**
 * Test helpers for @io/server: a node:net client that collects what it receives, the backends
 * every behaviour test runs against, and the condition waits shared with @io/core's tests.
 */
import { connect, type Socket } from 'node:net'
import { isSystemError, sockets } from '@io/core'
import { resolveServerBackend, type Server, type ServerBackend } from '@io/server'
import { until } from '../../core/tests/helpers.js'

export { until, loopTurn, openFdCount } from '../../core/tests/helpers.js'

/**
 * The backends each behaviour test runs on: whatever 'auto' resolves to (IO_BACKEND, so the
 * suite covers each backend once per pass), and each backend explicitly. A 'uring' request
 * where io_uring is unavailable runs on its fallback, which the reason in the test name shows.
 */
export const BACKENDS: ServerBackend[] = ['auto', 'epoll', 'epoll-et', 'uring']

/** A describe.each label: "uring (-> epoll: reason)" when a fallback applies. */
export function backendLabel(backend: ServerBackend): string {
  const { backend: engine } = resolveServerBackend(backend)
  return backend === engine ? backend : `${backend} -> ${engine}`
}

/** A connected client socket that accumulates what it receives. */
export interface Client {
  socket: Socket
  /** Everything received so far. */
  received(): Buffer
  /** Bytes received so far. */
  readonly bytes: number
  /** True once the server ended its side. */
  readonly ended: boolean
  /** True once the socket is closed. */
  readonly closed: boolean
  /** The error the socket closed with, if any. */
  readonly error: Error | undefined
}

/** Connects to host:port and collects the bytes it receives. */
export function client(port: number, host = '127.0.0.1', options: { allowHalfOpen?: boolean; localAddress?: string } = {}): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host, allowHalfOpen: options.allowHalfOpen ?? false, localAddress: options.localAddress })
    const chunks: Buffer[] = []
    const state = { bytes: 0, ended: false, closed: false, error: undefined as Error | undefined }
    socket.on('data', (chunk) => {
      chunks.push(chunk)
      state.bytes += chunk.length
    })
    socket.on('end', () => (state.ended = true))
    socket.on('close', () => (state.closed = true))
    socket.on('error', (err) => (state.error = err))
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => Buffer.concat(chunks),
        get bytes() {
          return state.bytes
        },
        get ended() {
          return state.ended
        },
        get closed() {
          return state.closed
        },
        get error() {
          return state.error
        },
      }),
    )
    socket.once('error', reject)
  })
}

/** Connects, sends `text`, and returns what the server answers first. */
export async function ask(port: number, text: string): Promise<string> {
  const c = await client(port)
  c.socket.write(text)
  await until(() => c.bytes > 0)
  c.socket.destroy()
  return c.received().toString()
}

/** A pseudo-random, reproducible payload. */
/**
 * A peer that vanishes mid-read: connects to `server`, sends one byte, and once the server holds
 * the connection (and 5 ms more, for its reader to start waiting) resets it with an RST.
 */
export async function connectSendReset(server: Server, port: number): Promise<void> {
  const c = await client(port)
  c.socket.write('x')
  await until(() => server.connections === 1)
  await new Promise((resolve) => setTimeout(resolve, 5))
  c.socket.resetAndDestroy()
}

export function payload(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

/** Opens eventfds into `held` until the process is out of fds (EMFILE or ENFILE). */
export function exhaustFds(held: number[]): void {
  for (;;) {
    try {
      held.push(sockets.eventfd())
    } catch (err) {
      if (isSystemError(err, 'EMFILE') || isSystemError(err, 'ENFILE')) return
      throw err
    }
  }
}
