/**
 * One non-blocking echo connection, for the examples that wait for readiness (and the one that
 * busy-checks): what it reads it writes back, and what the socket would not take yet waits in
 * `pending`; while anything is pending it reads nothing more (backpressure).
 */
import { WOULD_BLOCK, sockets } from '@io/core'

/** A peer that vanished mid-call: the connection ends, the server goes on. */
const peerGone = (error: unknown) => ['ECONNRESET', 'EPIPE'].includes((error as { code?: string }).code ?? '')

/** A non-blocking socket that echoes; the owner closes it once `ended` is true. */
export class EchoConnection {
  /** Bytes read but not yet written back. */
  pending: Buffer | null = null
  /** The peer finished (or vanished): unregister the fd, then `close()`. */
  ended = false

  constructor(readonly fd: number) {}

  /** One read(2) and its echo. False when there was nothing to read (or the peer left). */
  readOnce(buffer: Buffer): boolean {
    const n = this.#call(() => sockets.read(this.fd, buffer))
    if (n === WOULD_BLOCK) return false
    if (n === 0) {
      this.ended = true
      return false
    }
    this.#echo(buffer, n)
    return true
  }

  /** Reads and echoes until a read would block, the peer leaves or a write falls short. */
  drain(buffer: Buffer): void {
    while (this.pending === null && !this.ended && this.readOnce(buffer)) {}
  }

  /** Writes what is pending; true when nothing is left. */
  flush(): boolean {
    const data = this.pending
    if (data === null) return true
    this.pending = null
    this.#echo(data, data.length)
    return this.pending === null
  }

  close(): void {
    sockets.close(this.fd)
  }

  #echo(data: Buffer, length: number): void {
    const sent = this.#call(() => sockets.send(this.fd, data, 0, length))
    if (this.ended) return
    const written = sent === WOULD_BLOCK ? 0 : sent
    if (written < length) this.pending = Buffer.from(data.subarray(written, length))
  }

  #call(syscall: () => number): number {
    try {
      return syscall()
    } catch (error) {
      if (!peerGone(error)) throw error
      this.ended = true
      return 0
    }
  }
}
