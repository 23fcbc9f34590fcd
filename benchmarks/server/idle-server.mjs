// Server process of the idle-memory benchmark: an echo server (@io/server on a backend, or
// node:net) that reports its memory over IPC. Run with --expose-gc.
//   node --expose-gc benchmarks/server/idle-server.mjs io epoll|epoll-et|uring
//   node --expose-gc benchmarks/server/idle-server.mjs node
// Messages: parent -> {type:'measure'}; child -> {type:'ready', port, backend} and
// {type:'memory', rss, rssAnon, heapUsed, connections}.
import { readFileSync } from 'node:fs'
import { createServer as netServer } from 'node:net'

const [kind, backend] = process.argv.slice(2)
let connections = 0
let port
let engine = 'node:net'

if (kind === 'io') {
  const { createServer, echoHandlers } = await import('@io/server')
  const server = createServer({ backend, idleTimeoutMs: 0 }, {
    ...echoHandlers,
    open() {
      connections++
    },
    close() {
      connections--
    },
  })
  ;({ port } = await server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }))
  engine = server.backend
} else {
  const server = netServer({ noDelay: true }, (socket) => {
    connections++
    socket.on('close', () => connections--)
    socket.on('error', () => socket.destroy())
    socket.pipe(socket)
  })
  await new Promise((resolve) => server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, resolve))
  port = server.address().port
}

async function settle() {
  // Full collections, with turns of the loop between them so finalizers and frees happen.
  for (let i = 0; i < 4; i++) {
    globalThis.gc()
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

process.on('message', async (msg) => {
  if (msg.type !== 'measure') return
  await settle()
  const { rss, heapUsed } = process.memoryUsage()
  // Anonymous RSS only: without the pages of the node binary and libraries mapped in.
  const rssAnon = Number(/RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) * 1024
  process.send({ type: 'memory', rss, rssAnon, heapUsed, connections })
})
process.send({ type: 'ready', port, backend: engine })
