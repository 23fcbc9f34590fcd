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
import { BoundedLoad, type LoadFailure } from './bounded-load.js'
import { payload } from './helpers.js'

/** A failed exchange: why, the pid that greeted it (if one did before it failed), and its number. */
export interface Failure extends LoadFailure {
  pid: number | null
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

export class ExchangeLoad extends BoundedLoad<Failure> {
  constructor(private readonly options: ExchangeLoadOptions) {
    super(options.maxExchanges)
    this.begin(options.concurrency)
  }

  protected attempt(): Promise<number | Omit<Failure, 'seq'>> {
    const { port, host = '127.0.0.1', size = 64 } = this.options
    return exchange(port, host, payload(size, this.started))
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
