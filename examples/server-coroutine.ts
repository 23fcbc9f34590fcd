/**
 * A line-based server in the coroutine style: one async function per connection, `for await`
 * to read and `await conn.write()` to write with backpressure. Each line comes back reversed.
 *
 *   npm run build && npx tsx examples/server-coroutine.ts [port]
 *   # in another terminal: nc 127.0.0.1 9001
 */
import { createServer, type AsyncConnection } from '@io/server'

const port = Number(process.argv[2] ?? 9001)

const server = createServer({}, async (conn: AsyncConnection) => {
  let pending = ''
  for await (const chunk of conn) {
    pending += chunk.toString('utf8')
    let newline: number
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline)
      pending = pending.slice(newline + 1)
      await conn.write(`${[...line].reverse().join('')}\n`)
    }
  }
  // Returning ends the connection after its output.
})

// (No top-level await: the examples run as CommonJS or ESM alike.)
async function main(): Promise<void> {
  const { port: bound } = await server.listen({ port, host: '127.0.0.1' })
  console.log(`reversing lines on 127.0.0.1:${bound}`)
  process.once('SIGINT', () => void server.close())
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
