/**
 * Entry of each worker thread of a WorkerPool: a Server on its own reactor, listening with
 * SO_REUSEPORT on the pool's port, closed when the pool says so.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { FdLedger } from './fd-ledger.js'
import { httpProtocol } from '../http/http-server.js'
import type { HandlerSpec } from '../tcp/handler-source.js'
import { Server } from '../tcp/server.js'
import type { PoolMessage, WorkerData, WorkerMessage } from './worker-protocol.js'

const data = workerData as WorkerData
const port = parentPort!
const protocol = data.protocol
const server = new Server(
  data.options,
  data.module,
  new FdLedger(data.ledger),
  protocol === null ? null : (exported) => httpProtocol(exported, protocol.limits, data.options.highWaterMark) as unknown as HandlerSpec,
)

port.on('message', (msg: PoolMessage) => {
  if (msg.type !== 'close') return
  server.close({ graceMs: msg.graceMs, idle: msg.idle }).finally(() => process.exit(0))
})

server.listen(data.listen).then(
  (address) => port.postMessage({ type: 'listening', address, fd: server.listenerFds()[0] } satisfies WorkerMessage),
  (err: Error & Record<string, unknown>) => {
    const props: Record<string, unknown> = {}
    for (const key of ['code', 'errno', 'syscall']) if (err[key] !== undefined) props[key] = err[key]
    port.postMessage({ type: 'failed', message: err.message, props } satisfies WorkerMessage)
    process.exit(1)
  },
)
