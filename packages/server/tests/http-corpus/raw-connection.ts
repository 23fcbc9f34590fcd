/**
 * A raw TCP client for the conformance drivers (HTTP corpus and WebSocket suite): it writes
 * bytes exactly as given, keeps every byte it receives, and lets a driver wait for a condition
 * on what arrived. Nothing is decided by a clock: a wait ends when its condition holds or the
 * connection ends. The only timer is a guard against a server that goes silent, so that a hang
 * becomes a readable failure instead of a stuck run; it restarts whenever bytes arrive.
 */
import { connect, type Socket } from 'node:net'

/** Where the server under test listens. */
export interface ServerAddress {
  host: string
  port: number
}

/** How long a wait may see no progress at all before it fails (default 5 s). */
export const DEFAULT_SILENCE_GUARD_MS = 5_000

/** The server said nothing more for the whole guard period while the driver was waiting. */
export class SilenceError extends Error {
  override name = 'SilenceError'
}

/** A connected socket that accumulates what it receives. */
export class RawConnection {
  private storage = Buffer.alloc(4096)
  private length = 0
  private waiters = new Set<() => void>()
  /** The peer ended its side (FIN) or the socket closed. */
  ended = false
  /** The connection was reset or failed (ECONNRESET, EPIPE): also an end, with a cause. */
  error: Error | undefined

  private constructor(
    readonly socket: Socket,
    readonly silenceGuardMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.append(chunk)
      this.wake()
    })
    socket.on('end', () => this.finish())
    socket.on('close', () => this.finish())
    socket.on('error', (err) => {
      this.error ??= err
      this.finish()
    })
  }

  /** Connects with Nagle off, so that split writes leave as separate segments. */
  static open(address: ServerAddress, silenceGuardMs = DEFAULT_SILENCE_GUARD_MS): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: address.host, port: address.port, allowHalfOpen: true, noDelay: true })
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.off('error', reject)
        resolve(new RawConnection(socket, silenceGuardMs))
      })
    })
  }

  /** Everything received so far. */
  received(): Buffer {
    return this.storage.subarray(0, this.length)
  }

  /**
   * Writes bytes and resolves once the kernel took them. A write the server refused by closing
   * (EPIPE, ECONNRESET) resolves too: servers are allowed to stop reading a bad request, and
   * what they answered before is still read.
   */
  write(bytes: Uint8Array): Promise<void> {
    if (this.socket.destroyed || this.socket.writableEnded) return Promise.resolve()
    return new Promise((resolve) => this.socket.write(bytes, () => resolve()))
  }

  /** Half-closes: sends FIN, keeps reading. */
  end(): void {
    if (!this.socket.destroyed) this.socket.end()
  }

  /** Closes the socket at once. */
  destroy(): void {
    this.socket.destroy()
    this.finish()
  }

  /**
   * Waits until `condition()` is true, checking after every arrival and at the end of the
   * connection. Resolves true when the condition held, false when the connection ended first.
   * Rejects with SilenceError when nothing arrived for `silenceGuardMs` while waiting.
   */
  waitFor(condition: () => boolean, waitingFor: string): Promise<boolean> {
    if (condition()) return Promise.resolve(true)
    if (this.ended) return Promise.resolve(false)
    return new Promise((resolve, reject) => {
      let timer = this.startGuard(waitingFor, reject, () => this.waiters.delete(check))
      const check = () => {
        clearTimeout(timer)
        let done: boolean
        try {
          done = condition()
        } catch (err) {
          this.waiters.delete(check)
          reject(err)
          return
        }
        if (done || this.ended) {
          this.waiters.delete(check)
          resolve(done)
          return
        }
        timer = this.startGuard(waitingFor, reject, () => this.waiters.delete(check))
      }
      this.waiters.add(check)
    })
  }

  /** Waits for the end of the connection. */
  async waitForEnd(waitingFor: string): Promise<void> {
    await this.waitFor(() => this.ended, waitingFor)
  }

  private startGuard(waitingFor: string, reject: (err: Error) => void, forget: () => void): NodeJS.Timeout {
    return setTimeout(() => {
      forget()
      reject(new SilenceError(`waiting for ${waitingFor}: the server sent nothing and kept the connection open for ${this.silenceGuardMs} ms`))
    }, this.silenceGuardMs)
  }

  private append(chunk: Buffer): void {
    if (this.length + chunk.length > this.storage.length) {
      const grown = Buffer.alloc(Math.max(this.storage.length * 2, this.length + chunk.length))
      this.storage.copy(grown, 0, 0, this.length)
      this.storage = grown
    }
    chunk.copy(this.storage, this.length)
    this.length += chunk.length
  }

  private finish(): void {
    if (this.ended) return
    this.ended = true
    this.wake()
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter()
  }
}
