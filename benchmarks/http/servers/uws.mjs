// uWebSockets.js hello world (its native addon, loaded by path so that a build that does not
// match this Node cannot fall back to the package's pure-JavaScript stand-in unnoticed).
//   node benchmarks/http/servers/uws.mjs --port P [--host H]
import { loadUws } from '../../lib/uws.mjs'
import { announce, peerOptions } from '../../lib/peer-server.mjs'

const uws = loadUws()
const { port, host } = peerOptions()
uws
  .App()
  .any('/*', (res) => {
    res.writeHeader('Content-Type', 'text/plain').end('Hello World!')
  })
  .listen(host, port, (listenSocket) => {
    if (!listenSocket) throw new Error(`uWebSockets.js could not listen on ${host}:${port}`)
    announce(uws.us_socket_local_port(listenSocket))
  })
