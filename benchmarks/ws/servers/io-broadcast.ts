/**
 * The broadcast server of the WebSocket benchmark on @io/server: every connection to
 * /broadcast subscribes to one topic, and every message is published to all of them (the
 * sender too), framed once. The same behaviour as the peers' /broadcast.
 *
 *   node --import tsx benchmarks/ws/servers/io-broadcast.ts --port P [--host H] [--backend B]
 *
 * Prints `io-broadcast listening on 127.0.0.1:P (backend B, 1 worker)` once ready, the line
 * `io-serve` prints; exits with status 3 and a reason when @io/server has no HTTP server with
 * WebSockets (the harness then reports the row as not available).
 */
import { parseArgs } from 'node:util'

/** The slice of the @io/server HTTP and WebSocket API this server uses. */
interface WebSocketApi {
  createHttpServer(options: { backend?: string; workers?: number }): {
    ws(
      pattern: string,
      behaviour: {
        maxPayloadLength?: number
        open?(ws: { subscribe(topic: string): unknown }): void
        message?(ws: unknown, data: ArrayBuffer | Uint8Array, isBinary: boolean): void
      },
    ): unknown
    publish(topic: string, data: ArrayBuffer | Uint8Array, isBinary?: boolean): unknown
    listen(options: { port: number; host: string; backlog?: number }): Promise<{ address: string; port: number }>
    readonly backend: string
  }
}

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    backend: { type: 'string', default: 'auto' },
  },
})

const io = (await import('@io/server')) as unknown as Partial<WebSocketApi>
if (typeof io.createHttpServer !== 'function') {
  process.stderr.write('io-broadcast: @io/server has no createHttpServer (HTTP and WebSocket server) yet\n')
  process.exit(3)
}
const server = io.createHttpServer({ backend: values.backend, workers: 1 })
server.ws('/broadcast', {
  maxPayloadLength: 16 * 1024 * 1024,
  open(ws) {
    ws.subscribe('room')
  },
  message(ws, data, isBinary) {
    server.publish('room', data, isBinary)
  },
})
const address = await server.listen({ port: Number(values.port), host: values.host!, backlog: 4096 })
process.stdout.write(`io-broadcast listening on ${address.address}:${address.port} (backend ${server.backend}, 1 worker)\n`)
