// The `ws` package on node:http, the way its documentation writes an echo and a broadcast
// server: /echo sends every message back as the same type; on /broadcast every message is
// sent to every connection of /broadcast (the sender too). No compression, messages up to
// 16 MiB. (Without its optional native add-ons bufferutil and utf-8-validate, which are not
// installed: ws then masks in JavaScript and validates UTF-8 with Node's buffer.isUtf8.)
//   node benchmarks/ws/servers/ws-node.mjs --port P [--host H]
import { createServer } from 'node:http'
import { WebSocketServer } from 'ws'
import { announce, peerOptions } from '../../lib/peer-server.mjs'

const { port, host } = peerOptions()
const server = createServer((req, res) => {
  res.writeHead(426, { 'Content-Type': 'text/plain' })
  res.end('WebSocket upgrade expected on /echo or /broadcast')
})
const echo = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 })
const broadcast = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 })
echo.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }))
})
broadcast.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    for (const client of broadcast.clients) client.send(data, { binary: isBinary })
  })
})
server.on('upgrade', (req, socket, head) => {
  const target = req.url === '/echo' ? echo : req.url === '/broadcast' ? broadcast : null
  if (target === null) socket.destroy()
  else target.handleUpgrade(req, socket, head, (ws) => target.emit('connection', ws, req))
})
server.listen({ port, host, backlog: 4096 }, () => announce(server.address().port))
