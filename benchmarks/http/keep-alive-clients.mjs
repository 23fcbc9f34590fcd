// Client process of the HTTP idle-memory measurement: opens N keep-alive connections, 100 at
// a time, sends one `GET /` on each and reads its whole response, then holds them idle.
// Prints "ready N" once every connection has its response, answers each line on stdin with
// "open M" (connections the server has not closed), and exits at the end of stdin. The same
// protocol as `ws-load --idle`.
//   node benchmarks/http/keep-alive-clients.mjs --port P --conns N [--host H]
import { connect } from 'node:net'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { port: { type: 'string' }, conns: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } } })
const port = Number(values.port)
const count = Number(values.conns)
const host = values.host
let open = 0

/** Whether `text` holds a whole response: its head, and a body by Content-Length or chunked. */
function complete(text) {
  const end = text.indexOf('\r\n\r\n')
  if (end < 0) return false
  const head = text.slice(0, end).toLowerCase()
  const length = /\r\ncontent-length:\s*(\d+)/.exec(head)
  if (length !== null) return text.length - end - 4 >= Number(length[1])
  return /\r\ntransfer-encoding:\s*chunked/.test(head) ? text.endsWith('0\r\n\r\n') : true
}

function request() {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host }, () => socket.write(`GET / HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`))
    let seen = ''
    socket.setEncoding('latin1')
    socket.on('data', function onData(chunk) {
      seen += chunk
      if (!complete(seen)) return
      socket.off('data', onData)
      open++
      socket.once('close', () => open--)
      resolve(socket)
    })
    socket.on('error', reject)
  })
}

const sockets = []
for (let done = 0; done < count; done += 100) {
  sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, count - done) }, request))))
}
for (const socket of sockets) socket.on('error', () => {}) // a reset after ready is a close
process.stdout.write(`ready ${open}\n`)
process.stdin.setEncoding('utf8')
process.stdin.on('data', (chunk) => {
  for (const char of chunk) if (char === '\n') process.stdout.write(`open ${open}\n`)
})
process.stdin.on('end', () => process.exit(0))
