/**
 * A Python-style echo server over a started selector, the way the selectors docs teach it:
 * each connection is registered for EVENT_READ; when a send falls short it switches to
 * EVENT_WRITE (stop reading: backpressure) and back to EVENT_READ once its output is flushed.
 *
 * Its clients are the other ends of socketpairs, pumped by the test (not through the selector
 * under test). Each client's whole message fits in its socket buffer, so it is all sent at
 * once: after that, data left unread on the server side brings no new wakeup, and only the
 * selector's level-triggered reporting moves it. The first connection is fast (its client
 * reads everything it can, and its server side has the default send buffer), so it stays
 * registered for EVENT_READ and is reported again and again while it has data left; the
 * others are slow (a small server send buffer, a client that reads a little per turn), so
 * they toggle READ -> WRITE -> READ all the time and their reports arrive in between.
 *
 * On a level-triggered selector the server reads once per report and relies on the selector to
 * report the fd again while data is left; on an edge-triggered one it drains until the call
 * would block, as edge-triggering requires.
 */
import { constants, sockets, WOULD_BLOCK } from '@io/core'
import { type BaseSelector, EVENT_READ, EVENT_WRITE } from '@io/selectors'
import { seededRandom } from './fixtures.js'

/** The shape of the echo. */
export interface TogglingEchoOptions {
  /** Connections, the first one fast and the others slow (at least 2). */
  connections: number
  /** Bytes each client sends and must get back; at most 128 KiB, so that it is sent at once. */
  bytes: number
  /** The selector reports changes, not levels: the server drains each fd. */
  edgeTriggered: boolean
}

/** The echo in progress. */
export interface TogglingEcho {
  /** Moves the clients on (send what fits, read what their pace allows); true once every echo is complete. */
  pump(): boolean
  /** Per connection, how often its interest switched to EVENT_WRITE (a send fell short). */
  readonly toggles: readonly number[]
  /** Per connection: what it sent, and what came back so far. */
  transcripts(): Array<{ sent: Buffer; received: Buffer }>
  /** Bytes echoed back so far, per connection, for a failure message. */
  progress(): string
}

interface ServerSide {
  index: number
  fd: number
  out: Buffer[]
}

interface ClientSide {
  fd: number
  /** Most bytes read per pump. */
  pace: number
  sent: Buffer
  written: number
  received: Buffer
  read: number
}

// The server reads this much per report: a message takes many reports.
const SERVER_READ = 4096
// A slow connection's server-side send buffer (the kernel doubles it) and its client's pace.
const SLOW_SEND_BUFFER = 8192
const SLOW_CLIENT_PACE = 2048
// Room for a whole message in the client's send buffer (the kernel caps it at wmem_max).
const CLIENT_SEND_BUFFER = 1 << 20
const MAX_BYTES = 128 * 1024

/** A byte pattern that differs per connection, so a mix-up between connections shows. */
function pattern(size: number, seed: number): Buffer {
  const random = seededRandom(seed)
  const out = Buffer.allocUnsafe(size)
  for (let i = 0; i < size; i++) out[i] = (random() * 256) | 0
  return out
}

/**
 * Registers `connections` socketpairs (from `pair`, which owns and closes them) with `sel`,
 * starts it with the echo handler, and returns the clients' side.
 */
export function startTogglingEcho(
  sel: BaseSelector<ServerSide>,
  pair: () => [number, number],
  options: TogglingEchoOptions,
): TogglingEcho {
  if (options.connections < 2 || options.bytes > MAX_BYTES) throw new RangeError('2+ connections of at most 128 KiB')
  const { SOL_SOCKET, SO_SNDBUF } = constants
  const chunk = Buffer.allocUnsafe(SERVER_READ)
  const clients: ClientSide[] = []
  const toggles: number[] = []

  // Sends queued output until it is gone or the socket is full; true when it is all sent.
  const flush = (conn: ServerSide): boolean => {
    while (conn.out.length > 0) {
      const head = conn.out[0]
      const n = sockets.write(conn.fd, head)
      if (n === WOULD_BLOCK) return false
      if (n < head.length) conn.out[0] = head.subarray(n)
      else conn.out.shift()
    }
    return true
  }

  const onReadable = (conn: ServerSide): void => {
    do {
      const n = sockets.read(conn.fd, chunk)
      if (n === WOULD_BLOCK || n === 0) return
      conn.out.push(Buffer.from(chunk.subarray(0, n)))
      if (!flush(conn)) {
        sel.modify(conn.fd, EVENT_WRITE, conn)
        toggles[conn.index]++
        return
      }
    } while (options.edgeTriggered)
  }

  for (let index = 0; index < options.connections; index++) {
    const [serverFd, clientFd] = pair()
    const slow = index > 0
    sockets.setNonBlocking(serverFd)
    sockets.setNonBlocking(clientFd)
    sockets.setsockopt(clientFd, SOL_SOCKET, SO_SNDBUF, CLIENT_SEND_BUFFER)
    if (slow) sockets.setsockopt(serverFd, SOL_SOCKET, SO_SNDBUF, SLOW_SEND_BUFFER)
    sel.register(serverFd, EVENT_READ, { index, fd: serverFd, out: [] })
    toggles.push(0)
    clients.push({
      fd: clientFd,
      pace: slow ? SLOW_CLIENT_PACE : options.bytes,
      sent: pattern(options.bytes, index + 1),
      written: 0,
      received: Buffer.alloc(options.bytes),
      read: 0,
    })
  }

  sel.start((events) => {
    for (const [key, ready] of events) {
      const conn = key.data
      // Back to reading once the output is gone. What arrived meanwhile must be reported by
      // the selector now, in either mode: a new interest is checked against the fd's state.
      if (ready & EVENT_WRITE && flush(conn)) sel.modify(conn.fd, EVENT_READ, conn)
      if (ready & EVENT_READ) onReadable(conn)
    }
  })

  return {
    pump() {
      let done = true
      for (const c of clients) {
        while (c.written < c.sent.length) {
          const n = sockets.write(c.fd, c.sent, c.written, c.sent.length - c.written)
          if (n === WOULD_BLOCK) break
          c.written += n
        }
        if (c.read < c.received.length) {
          const n = sockets.read(c.fd, c.received, c.read, Math.min(c.pace, c.received.length - c.read))
          if (n !== WOULD_BLOCK) c.read += n
        }
        if (c.read < c.received.length) done = false
      }
      return done
    },
    toggles,
    transcripts() {
      return clients.map((c) => ({ sent: c.sent, received: c.received.subarray(0, c.read) }))
    },
    progress() {
      return clients.map((c) => `${c.read}/${c.sent.length}`).join(', ')
    },
  }
}
