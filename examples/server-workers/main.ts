/**
 * @io/server with worker threads: each worker runs its own reactor and SO_REUSEPORT listener on
 * the same port; this thread supervises them (restarts one that crashes) and forwards close().
 * Handlers come from a module, since functions cannot be sent to another thread.
 *
 *   npm run build && npx tsx examples/server-workers/main.ts [port] [workers]
 *   # then: nc 127.0.0.1 9002 (a few times: different worker threads answer)
 */
import { createServer } from '@io/server'

const port = Number(process.argv[2] ?? 9002)
const workers = Number(process.argv[3] ?? 2)

const pool = createServer({ workers }, new URL('./handlers.mjs', import.meta.url))
pool.on('workerRestart', (index: number) => console.log(`worker ${index} restarted`))
// (No top-level await: the examples run as CommonJS or ESM alike.)
async function main(): Promise<void> {
  const address = await pool.listen({ port, host: '127.0.0.1' })
  console.log(`echo on ${address.address}:${address.port} with ${workers} worker threads`)
  process.once('SIGINT', () => void pool.close({ graceMs: 2000 }))
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
