// Bun.serve WebSocket server for the benchmark: /echo sends every message back as the same
// type; on /broadcast every connection subscribes to one topic and every message is published
// to all of them (server.publish: the sender too). No compression, messages up to 16 MiB,
// up to 64 MiB buffered per connection (its 16 MiB default would drop messages).
//   bun benchmarks/ws/servers/bun.mjs --port P [--host H]
import { announce, peerOptions } from '../../lib/peer-server.mjs'

const { port, host } = peerOptions()
const server = Bun.serve({
  hostname: host,
  port,
  fetch(req, server) {
    const { pathname } = new URL(req.url)
    if ((pathname === '/echo' || pathname === '/broadcast') && server.upgrade(req, { data: { broadcast: pathname === '/broadcast' } })) return
    return new Response('WebSocket upgrade expected on /echo or /broadcast', { status: 426 })
  },
  websocket: {
    perMessageDeflate: false,
    maxPayloadLength: 16 * 1024 * 1024,
    backpressureLimit: 64 * 1024 * 1024,
    open(ws) {
      if (ws.data.broadcast) ws.subscribe('room')
    },
    message(ws, message) {
      // A text message arrives as a string and goes out as text; binary as a Buffer.
      if (ws.data.broadcast) server.publish('room', message)
      else ws.send(message)
    },
  },
})
announce(server.port)
