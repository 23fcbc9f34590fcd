/**
 * The handler of `io-serve whoami-http`: answers every request with one line saying how the
 * server sees the client, as `io-serve whoami` greets a TCP connection. For checking a
 * deployment: behind a balancer speaking the PROXY protocol the line names the client, not the
 * balancer; the process id tells which backend (or which generation of a restarted one)
 * answered. The default export makes this module usable as an HTTP handler module.
 *
 *     client 203.0.113.7:51234 via 10.0.0.2:40110 pid 4242
 */
import { whoamiLine } from '../tcp/whoami.js'
import type { HttpRequest } from './request.js'
import type { HttpResponse } from './response.js'

/** Answers every request with {@link whoamiLine} and a newline, as text/plain. */
export default function whoamiHttp(req: HttpRequest, res: HttpResponse): void {
  res.setHeader('content-type', 'text/plain')
  res.end(`${whoamiLine(req.conn)}\n`)
}
