/**
 * An echo server with @io/server, callback style, with backpressure.
 *
 *   npm run build && npx tsx examples/server-echo.ts [port] [backend]
 *   # in another terminal: nc 127.0.0.1 9000
 */
import { createServer, type ServerBackend } from '@io/server'

const port = Number(process.argv[2] ?? 9000)
const backend = (process.argv[3] ?? 'auto') as ServerBackend

const server = createServer({ backend, idleTimeoutMs: 60_000 }, {
  open(conn) {
    console.log(`open ${conn.remoteAddress}:${conn.remotePort}`)
  },
  data(conn, chunk) {
    // `chunk` is only valid during this call; writing it is fine (what waits is copied).
    if (!conn.write(chunk)) conn.pause()
  },
  drain(conn) {
    conn.resume()
  },
  close(conn, err) {
    console.log(`close ${conn.remotePort}${err ? `: ${err.message}` : ''}`)
  },
})

// (No top-level await: the examples run as CommonJS or ESM alike.)
async function main(): Promise<void> {
  const address = await server.listen({ port, host: '127.0.0.1' })
  console.log(`echo on ${address.address}:${address.port} (${server.backend}: ${server.backendReason})`)
  process.once('SIGINT', () => void server.close({ graceMs: 2000 }))
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
