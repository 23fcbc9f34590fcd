/**
 * Whoami handlers: each connection is greeted with one line saying how the server sees it,
 * then served as echo. For checking a deployment: behind a balancer speaking the PROXY
 * protocol the line names the client, not the balancer; the process id tells which backend
 * (or which generation of a restarted one) answered. The default export makes this module
 * usable as a handler module (`workers > 1`, `io-serve whoami`).
 *
 *     client 203.0.113.7:51234 via 10.0.0.2:40110 pid 4242
 *     client [2001:db8::7]:51234 pid 4242          (a direct client)
 */
import type { Connection } from '../engine/connection.js'
import type { Handlers } from '../engine/handlers.js'
import { echoHandlers } from './echo.js'

function endpoint(address: string | undefined, port: number | undefined): string {
  return address?.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
}

/** The greeting line for `conn` (without its newline). */
export function whoamiLine(conn: Connection): string {
  const via = conn.proxyAddress === undefined ? '' : ` via ${endpoint(conn.proxyAddress, conn.proxyPort)}`
  return `client ${endpoint(conn.remoteAddress, conn.remotePort)}${via} pid ${process.pid}`
}

/** Handlers that greet each connection with {@link whoamiLine}, then write back what they read. */
export const whoamiHandlers: Handlers = {
  ...echoHandlers,
  open(conn) {
    conn.write(`${whoamiLine(conn)}\n`)
  },
}

export default whoamiHandlers
