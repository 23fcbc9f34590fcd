// Bun.serve hello world; run with Bun (the binary of the npm package @oven/bun-linux-x64).
//   bun benchmarks/http/servers/bun.mjs --port P [--host H]
import { announce, peerOptions } from '../../lib/peer-server.mjs'

const { port, host } = peerOptions()
const server = Bun.serve({
  hostname: host,
  port,
  fetch: () => new Response('Hello World!', { headers: { 'Content-Type': 'text/plain' } }),
})
announce(server.port)
