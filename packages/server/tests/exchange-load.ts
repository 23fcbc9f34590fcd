/**
 * A bounded load of short TCP exchanges against a whoami server (greeting line, then echo),
 * for the restart and load-balancer tests. Each exchange connects, reads the greeting (which
 * names the serving process), sends a payload, reads it back, ends, and waits for the server
 * to close. Anything else (refused, reset, an early end, other bytes) is a failed exchange,
 * counted with what the client had seen by then.
 *
 * Not a benchmark: it proves that no exchange fails while servers come and go. It stops by
 * itself after `maxExchanges`, or when told to.
 */
import { connect, type Socket } from 'node:net'
import { payload } from './helpers.js'

/** A failed exchange: why, the pid that greeted it (if one did before it failed), and its number. */
export interface Failure {
  reason: string
  pid: number | null
  /** 1 for the first exchange the load started, 2 for the next... */
  seq: number
}

/** Options of {@link ExchangeLoad}. */
export interface ExchangeLoadOptions {
  port: number
  host?: string
  /** Exchanges running at the same time. */
  concurrency: number
  /** The load stops by itself after this many exchanges (done or failed). */
  maxExchanges: number
  /** Bytes each exchange sends and expects back. Default 64. */
  size?: number
}

const GREETING = /^client \S+ (?:via \S+ )?pid (\d+)\n/

export class ExchangeLoad {
  /** Exchanges that completed, by the pid that served them. */
  readonly servedBy = new Map<number, number>()
  readonly failures: Failure[] = []
  /** Exchanges that completed. */
  done = 0
  private stopping = false
  private running = 0
  private count = 0
  private readonly finished: Promise<void>
  private finish!: () => void

  constructor(private readonly options: ExchangeLoadOptions) {
    this.finished = new Promise((resolve) => (this.finish = resolve))
    for (let i = 0; i < options.concurrency; i++) this.next()
  }

  /** Exchanges started so far. */
  get started(): number {
    return this.count
  }

  /** Exchanges that failed. */
  get failed(): number {
    return this.failures.length
  }

  /** True once the load has stopped by itself (`maxExchanges` started and finished). */
  get over(): boolean {
    return this.count >= this.options.maxExchanges && this.running === 0
  }

  /** Completed exchanges served by `pid`. */
  served(pid: number): number {
    return this.servedBy.get(pid) ?? 0
  }

  /** Starts no new exchange; resolves once those in flight are over. */
  stop(): Promise<void> {
    this.stopping = true
    if (this.running === 0) this.finish()
    return this.finished
  }

  private next(): void {
    if (this.stopping || this.count >= this.options.maxExchanges) {
      if (this.running === 0) this.finish()
      return
    }
    const seq = ++this.count
    this.running++
    exchange(this.options.port, this.options.host ?? '127.0.0.1', payload(this.options.size ?? 64, seq)).then((result) => {
      this.running--
      if (typeof result === 'number') {
        this.done++
        this.servedBy.set(result, this.served(result) + 1)
      } else this.failures.push({ ...result, seq })
      this.next()
    })
  }
}

/** One exchange: resolves with the serving pid, or why it failed. Never rejects. */
function exchange(port: number, host: string, message: Buffer): Promise<number | Omit<Failure, 'seq'>> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ port, host })
    let received = Buffer.alloc(0)
    let pid: number | null = null
    let greetingLength = -1
    let settled = false
    const fail = (reason: string) => {
      if (settled) return
      settled = true
      socket.destroy()
      resolve({ reason, pid })
    }
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk])
      if (greetingLength < 0) {
        const match = GREETING.exec(received.toString('latin1'))
        if (match === null) return
        pid = Number(match[1])
        greetingLength = match[0].length
        socket.end(message)
      }
      if (received.length > greetingLength + message.length) fail('more bytes than were sent')
    })
    socket.on('end', () => {
      if (greetingLength < 0) return fail('ended before the greeting')
      if (!received.subarray(greetingLength).equals(message)) return fail('ended before the echo was complete')
    })
    socket.on('error', (err: Error & { code?: string }) => fail(err.code ?? err.message))
    socket.on('close', () => {
      if (settled) return
      settled = true
      resolve(pid !== null && received.subarray(greetingLength).equals(message) ? pid : { reason: 'closed early', pid })
    })
  })
}
