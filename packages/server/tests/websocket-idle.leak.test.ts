// Run by the `leak` project (node --expose-gc): what an idle WebSocket keeps on the heap.
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createHttpServer, type HttpServer } from '@io/server'
import { BACKENDS, backendLabel } from './helpers.js'
import { start } from './processes.js'

const gc = (globalThis as { gc?: () => void }).gc!
const CLIENTS = fileURLToPath(new URL('./fixtures/idle-ws-clients.mjs', import.meta.url))
const SOCKETS = 4000
/**
 * Heap per idle WebSocket: its Connection (144 B) and its WebSocket (88 B) on 64-bit V8, its
 * share of the connection table, and what the test process allocates meanwhile (JIT code, the
 * runner): 280-330 B measured. A frame reader object beside the WebSocket, with state made
 * before it is needed, measured 450-520 B.
 */
const MOST_BYTES_PER_SOCKET = 384

async function idleClients(port: number, count: number): Promise<void> {
  await start(process.execPath, [CLIENTS, String(port), String(count)], { stdio: ['pipe', 'pipe', 'pipe'] }).line(/^ready \d+$/m)
}

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('idle WebSockets on %s', (_label, backend) => {
  it('an idle WebSocket keeps nothing of its upgrade request nor of a message that came in fragments', async () => {
    /** The upgrade requests of the first round (none later: a WeakRef is heap of its own). */
    const requests: Array<WeakRef<object>> = []
    let watching = true
    const server: HttpServer = createHttpServer({ backend }, (_req, res) => res.end())
    server.ws('/echo', {
      upgrade(req, ctx) {
        if (watching) requests.push(new WeakRef(req))
        ctx.accept()
      },
      message(ws, data, isBinary) {
        ws.send(data, isBinary)
      },
    })
    const { port } = await server.listen(0, '127.0.0.1')
    try {
      await idleClients(port, 500) // also warms up: JIT, the connection table's growth, pools
      watching = false
      gc()
      const heap = process.memoryUsage().heapUsed
      await idleClients(port, SOCKETS)
      gc()
      const perSocket = (process.memoryUsage().heapUsed - heap) / SOCKETS
      expect(requests.length).toBe(500)
      expect(requests.filter((r) => r.deref() !== undefined).length).toBe(0)
      console.log(`${backendLabel(backend)}: ${Math.round(perSocket)} B of heap per idle WebSocket`)
      expect(perSocket).toBeLessThan(MOST_BYTES_PER_SOCKET)
    } finally {
      await server.close({ graceMs: 0 })
    }
  })
})
