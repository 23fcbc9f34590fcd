/**
 * Helpers of the HTTP tests: a raw connection that reads whole responses (the corpus driver's
 * connection and response parser), and a server started on a chosen engine.
 */
import { afterEach } from 'vitest'
import { createHttpServer, type HttpHandler, type HttpServerOptions, type Server } from '@io/server'
import { RawConnection } from './http-corpus/raw-connection.js'
import { parseResponse, type ParsedResponse } from './http-corpus/response-parser.js'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close({ graceMs: 0 })))
})

/** Starts an HTTP server on 127.0.0.1 (closed after the test); resolves with it and its port. */
export async function httpServer(options: HttpServerOptions & { workers?: 1 }, handler: HttpHandler): Promise<{ server: Server; port: number }> {
  const server = createHttpServer(options, handler)
  servers.push(server)
  const { port } = await server.listen(0, '127.0.0.1')
  return { server, port }
}

/** A raw HTTP client connection that reads responses off the wire, in order. */
export class HttpClient {
  private offset = 0
  private constructor(readonly raw: RawConnection) {}

  static async open(port: number): Promise<HttpClient> {
    return new HttpClient(await RawConnection.open({ host: '127.0.0.1', port }))
  }

  /** Writes `text` (latin1) as it is. */
  send(text: string | Buffer): Promise<void> {
    return this.raw.write(typeof text === 'string' ? Buffer.from(text, 'latin1') : text)
  }

  /** The next response (`head`: it answers a HEAD request). */
  async response(head = false): Promise<ParsedResponse> {
    let parsed: ParsedResponse | undefined
    await this.raw.waitFor(() => {
      parsed = parseResponse(this.raw.received(), this.offset, { head, eof: this.raw.ended })
      return parsed !== undefined
    }, 'a response')
    if (parsed === undefined) throw new Error(`the connection ended before a response; got ${JSON.stringify(this.raw.received().subarray(this.offset).toString('latin1'))}`)
    this.offset += parsed.size
    return parsed
  }

  /** Resolves once the server has closed the connection (with nothing more sent). */
  async closed(): Promise<string> {
    await this.raw.waitForEnd('the server to close the connection')
    return this.raw.received().subarray(this.offset).toString('latin1')
  }

  destroy(): void {
    this.raw.destroy()
  }
}

/** A header of a parsed response (first value), or undefined. */
export function header(res: ParsedResponse, name: string): string | undefined {
  return res.headers.find(([n]) => n === name)?.[1]
}

/** `GET path` with a Host. */
export function get(path = '/', extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: test\r\n${extra}\r\n`
}
