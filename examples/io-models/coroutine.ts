/**
 * coroutine: blocking-style code on a multiplexed loop (async/await, as gevent does in Python).
 *
 * The kettle picture: one cook and many kettles, but the recipe is written as if the cook
 * stood at each kettle in turn ("wait for it to boil, then pour"). Each `await` is where the
 * recipe says "wait": the function is set aside, cheaply, and the cook (the one JavaScript
 * thread) goes on with other kettles until epoll (or io_uring) reports this one. The code reads
 * like blocking-threads.ts, and it runs like epoll.ts: one thread, so one core, however many
 * connections.
 *
 * @io/server runs the loop; this file only says what one connection does. `IO_BACKEND=epoll`
 * (or uring, epoll-et...) picks the engine.
 *
 *   npm run build && npx tsx examples/io-models/coroutine.ts --port 9000
 */
import { createServer } from '@io/server'
import { announce, portOption } from './common/command-line.js'

const server = createServer({}, async (conn) => {
  // Reads like a blocking loop: wait for bytes, write them back, wait until they are taken.
  for await (const chunk of conn) await conn.write(chunk)
  // Returning ends the connection once its output is written.
})

// (No top-level await: the examples run as CommonJS or ESM alike.)
async function main(): Promise<void> {
  const { port } = await server.listen({ port: portOption(), host: '127.0.0.1' })
  announce('coroutine', port, `@io/server on ${server.backend}`)
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void server.close())
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
