/**
 * The handler module of `io-serve ws-echo`: every WebSocket message on any path comes back as
 * the same type, messages up to 16 MiB; plain HTTP requests get 404. For benchmarks and smoke
 * tests.
 */
import type { HttpRequest } from '../http/request.js'
import type { HttpResponse } from '../http/response.js'
import type { WebSocketBehaviour } from './behaviour.js'

const echo: WebSocketBehaviour = {
  maxPayloadLength: 16 * 1024 * 1024,
  maxBackpressure: 64 * 1024 * 1024,
  message(ws, data, isBinary) {
    ws.send(data, isBinary)
  },
}

export default {
  handler(_req: HttpRequest, res: HttpResponse): void {
    res.statusCode = 404
    res.end()
  },
  ws: { '/*': echo },
}
