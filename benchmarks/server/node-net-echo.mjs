// The node:net peer of the echo benchmark: an idiomatic Node echo server (pipe handles
// backpressure), with TCP_NODELAY like @io/server. Prints "listening <port>" once ready.
//   node benchmarks/server/node-net-echo.mjs --port P
import { createServer } from 'node:net'

const port = Number(process.argv[process.argv.indexOf('--port') + 1] ?? 0)
const server = createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy())
  socket.pipe(socket)
})
server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => console.log(`listening ${server.address().port}`))
const stop = () => server.close(() => process.exit(0))
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
