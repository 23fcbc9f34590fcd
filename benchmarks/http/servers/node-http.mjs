// node:http hello world, as its documentation writes it; keep-alive connections are kept
// idle for 10 s (uWebSockets.js and Bun.serve close them after 10 s too).
//   node benchmarks/http/servers/node-http.mjs --port P [--host H]
import { createServer } from 'node:http'
import { announce, peerOptions } from '../../lib/peer-server.mjs'

const { port, host } = peerOptions()
const server = createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 12 })
  res.end('Hello World!')
})
server.keepAliveTimeout = 10_000
server.listen({ port, host, backlog: 4096 }, () => announce(server.address().port))
