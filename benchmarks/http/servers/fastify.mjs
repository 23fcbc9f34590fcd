// fastify hello world: one route, no logger; keep-alive connections kept idle for 10 s.
//   node benchmarks/http/servers/fastify.mjs --port P [--host H]
import Fastify from 'fastify'
import { announce, peerOptions } from '../../lib/peer-server.mjs'

const { port, host } = peerOptions()
const app = Fastify({ logger: false, keepAliveTimeout: 10_000 })
app.get('/', (request, reply) => {
  reply.type('text/plain').send('Hello World!')
})
await app.listen({ port, host, backlog: 4096 })
announce(app.server.address().port)
