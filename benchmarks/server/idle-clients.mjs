// Client process of the idle-memory benchmark: opens N connections, does one round trip on
// each (so every connection has been active once), then holds them idle until killed.
//   node benchmarks/server/idle-clients.mjs PORT N
import { connect } from 'node:net'

const [port, count] = process.argv.slice(2).map(Number)
const sockets = []

function open() {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write('ping'))
    socket.once('data', () => resolve(socket))
    socket.once('error', reject)
  })
}

for (let done = 0; done < count; done += 100) {
  const batch = await Promise.all(Array.from({ length: Math.min(100, count - done) }, open))
  sockets.push(...batch)
}
process.send({ type: 'ready', count: sockets.length })
