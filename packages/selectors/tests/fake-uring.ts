/**
 * A stand-in for @io/core's `Uring` with the agreed interface, for testing IoUringSelector's
 * own logic (tokens, re-arming, the level re-check) where the real one is not built or the
 * kernel has no io_uring. Built on poll(2), it models what matters of multishot poll:
 *
 * - requests take effect at `submit()`, not when prepared;
 * - a multishot request posts a completion when its fd gets ready (the ready bits gain a bit
 *   since the last scan) or, for a socket, when more data has arrived (MSG_PEEK shows more
 *   bytes queued): a wakeup, not a level; with IORING_CQE_F_MORE set;
 * - `pollRemove` cancels: the request's last completion is -ECANCELED without F_MORE;
 * - a closed fd ends the request with -EBADF;
 * - `endAll()` ends every multishot request with a final completion lacking F_MORE, as the
 *   kernel does on CQ overflow, so the selector must re-arm.
 */
import { constants as osConstants } from 'node:os'
import { multiplex, PollTable, sockets } from '@io/core'

export const CQE_F_MORE = 1 << 1
const { POLLNVAL } = multiplex
const { ECANCELED, EBADF } = osConstants.errno
const CAPACITY = 512

interface Request {
  fd: number
  mask: number
  last: number
  queued: number
}

const { MSG_PEEK, MSG_DONTWAIT } = sockets.constants
const peekBuffer = Buffer.alloc(1 << 16)

// Bytes waiting to be read on a socket (0 for anything else).
function queuedBytes(fd: number): number {
  try {
    return Math.max(0, sockets.recv(fd, peekBuffer, 0, peekBuffer.length, MSG_PEEK | MSG_DONTWAIT))
  } catch {
    return 0
  }
}

export class FakeUring {
  static isSupported(): { supported: boolean; reason?: string } {
    return { supported: true }
  }

  readonly completionTokens = new Uint32Array(CAPACITY)
  readonly completionResults = new Int32Array(CAPACITY)
  readonly completionFlags = new Uint32Array(CAPACITY)
  readonly #requests = new Map<number, Request>()
  readonly #posted: Array<[number, number, number]> = []
  #prepared: Array<() => void> = []
  #timer: NodeJS.Timeout | undefined
  #closed = false
  submits = 0

  constructor(readonly options: { entries: number }) {}

  pollAdd(fd: number, pollEvents: number, token: number, multishot = false): void {
    if (!multishot) throw new Error('FakeUring models multishot requests only')
    this.#prepared.push(() => this.#requests.set(token, { fd, mask: pollEvents, last: 0, queued: 0 }))
  }

  pollRemove(token: number): void {
    this.#prepared.push(() => {
      if (this.#requests.delete(token)) this.#posted.push([token, -ECANCELED, 0])
    })
  }

  submit(): number {
    this.submits++
    const ops = this.#prepared
    this.#prepared = []
    for (const op of ops) op()
    return ops.length
  }

  wait(minComplete = 0, timeoutMs?: number | null): number {
    const deadline = timeoutMs === undefined || timeoutMs === null ? Infinity : performance.now() + timeoutMs
    this.#scan(0)
    while (this.#posted.length < minComplete) {
      const left = deadline - performance.now()
      if (left <= 0) break
      this.#scan(left === Infinity ? 50 : Math.min(left, 50))
    }
    return this.#copyOut()
  }

  start(onComplete: (count: number) => void): void {
    const tick = () => {
      this.#scan(0)
      const n = this.#copyOut()
      this.#timer = setTimeout(tick, 1)
      if (n > 0) onComplete(n)
    }
    this.stop()
    this.#timer = setTimeout(tick, 1)
  }

  stop(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  close(): void {
    this.stop()
    this.#closed = true
    this.#requests.clear()
  }

  /** Ends every request as a CQ overflow would: a last completion without F_MORE. */
  endAll(): void {
    for (const [token] of this.#requests) this.#posted.push([token, 0, 0])
    this.#requests.clear()
  }

  get liveRequests(): number {
    return this.#requests.size
  }

  #scan(timeoutMs: number): void {
    if (this.#closed || this.#requests.size === 0) return
    const table = new PollTable(this.#requests.size)
    const order: number[] = []
    for (const [token, request] of this.#requests) {
      table.set(request.fd, request.mask)
      order.push(token)
    }
    table.poll(timeoutMs)
    for (let i = 0; i < table.count; i++) {
      const token = order[i]
      const request = this.#requests.get(token)!
      const revents = table.reventsAt(i)
      if (revents & POLLNVAL) {
        this.#requests.delete(token)
        this.#posted.push([token, -EBADF, 0])
        continue
      }
      const queued = revents & multiplex.POLLIN ? queuedBytes(request.fd) : 0
      if (revents & ~request.last || queued > request.queued) this.#posted.push([token, revents, CQE_F_MORE])
      request.last = revents
      request.queued = queued
    }
  }

  #copyOut(): number {
    const n = Math.min(CAPACITY, this.#posted.length)
    for (let i = 0; i < n; i++) {
      const [token, result, flags] = this.#posted[i]
      this.completionTokens[i] = token
      this.completionResults[i] = result
      this.completionFlags[i] = flags
    }
    this.#posted.splice(0, n)
    return n
  }
}
