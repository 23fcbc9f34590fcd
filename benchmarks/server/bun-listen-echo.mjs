// The Bun.listen peer of the echo benchmark: Bun's TCP server writing back what it reads, with
// backpressure (what a write does not take is kept and written on drain). Run with the Bun
// binary of @oven/bun-linux-x64. Prints "listening <port>" once ready.
//   bun benchmarks/server/bun-listen-echo.mjs --port P
const port = Number(process.argv[process.argv.indexOf('--port') + 1] ?? 0)

const server = Bun.listen({
  hostname: '127.0.0.1',
  port,
  socket: {
    open(socket) {
      socket.data = { pending: null }
    },
    data(socket, data) {
      const state = socket.data
      if (state.pending !== null) {
        state.pending = Buffer.concat([state.pending, data])
        return
      }
      const written = socket.write(data)
      if (written < data.length) state.pending = Buffer.from(data.subarray(written))
    },
    drain(socket) {
      const state = socket.data
      if (state.pending === null) return
      const written = socket.write(state.pending)
      state.pending = written < state.pending.length ? state.pending.subarray(written) : null
    },
    error(socket) {
      socket.end()
    },
  },
})
console.log(`listening ${server.port}`)
const stop = () => {
  server.stop(true)
  process.exit(0)
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
