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
import { BoundedLoad, type LoadFailure } from './bounded-load.js'

/** A failed request: why, the status if one came, and its number. */
export interface HttpFailure extends LoadFailure {
  status: number | null
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

export class HttpLoad extends BoundedLoad<HttpFailure> {
  /** Responses that said `Connection: close`. */
  closing = 0
  /** Connections the clients opened. */
  opened = 0
  private readonly agents: Agent[] = []
  private readonly sockets = new WeakSet<Socket>()

  constructor(private readonly options: HttpLoadOptions) {
    super(options.maxRequests)
    for (let i = 0; i < options.connections; i++) this.agents.push(new Agent({ keepAlive: true, maxSockets: 1 }))
    this.begin(options.connections)
  }

  /** Starts no new request; resolves once those in flight are over, with the sockets closed. */
  override async stop(): Promise<void> {
    await super.stop()
    for (const agent of this.agents) agent.destroy()
  }

  protected attempt(lane: number): Promise<number | Omit<HttpFailure, 'seq'>> {
    return this.send(this.agents[lane])
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
