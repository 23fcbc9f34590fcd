/**
 * A bounded keep-alive HTTP load for the restart and load-balancer tests: `connections` clients
 * (node:http, each with an Agent of its own holding at most one keep-alive socket) each send
 * GET requests one after the other. A response that is not 2xx, a body that does not arrive
 * whole, or a socket error (a reset, a refused connection) is a failed request, counted with
 * why. A response saying `Connection: close` is not a failure: the client opens a new
 * connection for its next request, as any HTTP client does.
 *
 * Not a benchmark: it proves that no request fails while servers come and go. It stops by
 * itself after `maxRequests`, or when told to.
 */
import { Agent, request, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'

/** A failed request: why, the status if one came, and its number. */
export interface HttpFailure {
  reason: string
  status: number | null
  /** 1 for the first request the load started, 2 for the next... */
  seq: number
}

/** Options of {@link HttpLoad}. */
export interface HttpLoadOptions {
  port: number
  host?: string
  /** Keep-alive connections, each sending one request at a time. */
  connections: number
  /** The load stops by itself after this many requests (done or failed). */
  maxRequests: number
  /** Path requested. Default '/'. */
  path?: string
}

/** A body naming the process that served it ("... pid 4242"), as io-serve whoami-http answers. */
const PID = /pid (\d+)\n?$/

export class HttpLoad {
  /** Requests answered 2xx, by the pid their body names (0 when it names none). */
  readonly servedBy = new Map<number, number>()
  readonly failures: HttpFailure[] = []
  /** Requests answered 2xx. */
  done = 0
  /** Responses that said `Connection: close`. */
  closing = 0
  /** Connections the clients opened. */
  opened = 0
  private stopping = false
  private running = 0
  private count = 0
  private readonly agents: Agent[] = []
  private readonly sockets = new WeakSet<Socket>()
  private readonly finished: Promise<void>
  private finish!: () => void

  constructor(private readonly options: HttpLoadOptions) {
    this.finished = new Promise((resolve) => (this.finish = resolve))
    for (let i = 0; i < options.connections; i++) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      this.agents.push(agent)
      this.next(agent)
    }
  }

  /** Requests started so far. */
  get started(): number {
    return this.count
  }

  /** Requests that failed. */
  get failed(): number {
    return this.failures.length
  }

  /** True once the load has stopped by itself (`maxRequests` started and finished). */
  get over(): boolean {
    return this.count >= this.options.maxRequests && this.running === 0
  }

  /** Requests answered by `pid`. */
  served(pid: number): number {
    return this.servedBy.get(pid) ?? 0
  }

  /** Starts no new request; resolves once those in flight are over, with the sockets closed. */
  async stop(): Promise<void> {
    this.stopping = true
    if (this.running === 0) this.finish()
    await this.finished
    for (const agent of this.agents) agent.destroy()
  }

  private next(agent: Agent): void {
    if (this.stopping || this.count >= this.options.maxRequests) {
      if (this.running === 0) this.finish()
      return
    }
    const seq = ++this.count
    this.running++
    this.send(agent).then((result) => {
      this.running--
      if (typeof result === 'number') {
        this.done++
        this.servedBy.set(result, this.served(result) + 1)
      } else this.failures.push({ ...result, seq })
      this.next(agent)
    })
  }

  /** One request: resolves with the pid its body names (or 0), or why it failed. Never rejects. */
  private send(agent: Agent): Promise<number | Omit<HttpFailure, 'seq'>> {
    return new Promise((resolve) => {
      let settled = false
      const settle = (result: number | Omit<HttpFailure, 'seq'>) => {
        if (settled) return
        settled = true
        resolve(result)
      }
      const req = request({ agent, host: this.options.host ?? '127.0.0.1', port: this.options.port, path: this.options.path ?? '/' })
      req.on('socket', (socket: Socket) => {
        if (this.sockets.has(socket)) return
        this.sockets.add(socket)
        this.opened++
      })
      req.on('error', (err: Error & { code?: string }) => settle({ reason: err.code ?? err.message, status: null }))
      req.on('response', (res: IncomingMessage) => {
        const status = res.statusCode ?? 0
        let body = ''
        res.setEncoding('latin1')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('error', (err: Error & { code?: string }) => settle({ reason: err.code ?? err.message, status }))
        res.on('aborted', () => settle({ reason: 'response aborted', status }))
        res.on('end', () => {
          if (res.headers.connection === 'close') this.closing++
          if (status < 200 || status > 299) return settle({ reason: `status ${status}`, status })
          settle(Number(PID.exec(body)?.[1] ?? 0))
        })
      })
      req.end()
    })
  }
}
