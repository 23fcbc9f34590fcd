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
const poolDraining = new Int32Array(data.drain)
const server: Server = new Server(
  data.options,
  data.module,
  new FdLedger(data.ledger),
  protocol === null
    ? null
    : (exported) =>
        httpProtocol(exported, {
          limits: protocol.limits,
          highWaterMark: data.options.highWaterMark,
          readinessPath: protocol.readinessPath,
          draining: () => server.draining || Atomics.load(poolDraining, 0) !== 0,
        }) as unknown as HandlerSpec,
)

let exiting = false
port.on('message', (msg: PoolMessage) => {
  // 'drain': draining from now on, serving until 'close' (the second close() ends the delay).
  const closed = server.close({ graceMs: msg.graceMs, idle: msg.idle, delayMs: msg.type === 'drain' ? Infinity : 0 })
  if (exiting) return
  exiting = true
  closed.finally(() => process.exit(0))
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
