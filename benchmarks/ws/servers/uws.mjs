// uWebSockets.js WebSocket server for the benchmark: /echo sends every message back as the
// same type; on /broadcast every connection subscribes to one topic and every message is
// published to all of them (app.publish: the sender too). No compression, messages up to
// 16 MiB, up to 64 MiB buffered per connection (its 64 KB default would drop messages).
//   node benchmarks/ws/servers/uws.mjs --port P [--host H]
import { loadUws } from '../../lib/uws.mjs'
import { announce, peerOptions } from '../../lib/peer-server.mjs'

const uws = loadUws()
const { port, host } = peerOptions()
const limits = { compression: uws.DISABLED, maxPayloadLength: 16 * 1024 * 1024, maxBackpressure: 64 * 1024 * 1024 }
const app = uws.App()
app.ws('/echo', {
  ...limits,
  message: (ws, message, isBinary) => {
    ws.send(message, isBinary)
  },
})
app.ws('/broadcast', {
  ...limits,
  open: (ws) => {
    ws.subscribe('room')
  },
  message: (ws, message, isBinary) => {
    app.publish('room', message, isBinary)
  },
})
app.listen(host, port, (listenSocket) => {
  if (!listenSocket) throw new Error(`uWebSockets.js could not listen on ${host}:${port}`)
  announce(uws.us_socket_local_port(listenSocket))
})
