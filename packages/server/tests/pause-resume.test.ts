import { afterEach, describe, expect, it } from 'vitest'
import { sockets } from '@io/core'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createServer, echoHandlers, type Connection, type Server } from '@io/server'
import { BACKENDS, backendLabel, client, loopTurn, until } from './helpers.js'

let server: Server | null = null
afterEach(async () => {
  await server?.close({ graceMs: 0 })
  server = null
})

const { MSG_PEEK, MSG_DONTWAIT } = sockets.constants

/** True when the kernel holds unread bytes for `conn` (without reading them). */
function hasUnread(conn: Connection): boolean {
  return sockets.recv(conn.fd, Buffer.alloc(1), 0, 1, MSG_PEEK | MSG_DONTWAIT) > 0
}

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('pause and resume on %s', (_label, backend) => {
  it('no data while paused; data that arrived meanwhile comes on resume, with nothing more sent', async () => {
    // Regression (edge-triggered): the bytes that arrive while paused raise their one edge
    // then; unless resume() re-arms, they would wait until the peer sends more.
    const chunks: string[] = []
    let conn: Connection | null = null
    server = createServer({ backend }, {
      data(c, chunk) {
        chunks.push(chunk.toString())
        conn = c
        c.pause()
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.write('first')
    await until(() => chunks.length === 1)
    expect(conn!.isPaused).toBe(true)
    c.socket.write('second')
    await until(() => hasUnread(conn!))
    // Let the loop poll the reactor while paused, so the edge is consumed before resume().
    await loopTurn()
    await loopTurn()
    expect(chunks).toEqual(['first'])
    conn!.resume()
    await until(() => chunks.length === 2)
    expect(chunks).toEqual(['first', 'second'])
    c.socket.destroy()
  })

  it('pause and resume inside one data call keep reading', async () => {
    let total = 0
    server = createServer({ backend }, {
      data(c, chunk) {
        c.pause()
        total += chunk.length
        c.resume()
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.write(Buffer.alloc(3 * 1024 * 1024))
    await until(() => total === 3 * 1024 * 1024)
    c.socket.destroy()
  })

  it("the peer's FIN while paused is seen after resume", async () => {
    const events: string[] = []
    let conn: Connection | null = null
    server = createServer({ backend }, {
      data(c, chunk) {
        events.push(chunk.toString())
        conn = c
        if (events.length === 1) c.pause()
      },
      end() {
        events.push('end')
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.write('a')
    await until(() => events.length === 1)
    c.socket.end('b')
    await until(() => hasUnread(conn!))
    await loopTurn()
    await loopTurn()
    conn!.resume()
    await until(() => events.length === 3)
    expect(events).toEqual(['a', 'b', 'end'])
  })
  it('echoes byte-exact while clients of another process stall their reads at random (pause and resume under load)', async () => {
    // Regression (io_uring): input held while paused was replayed after resume() while newer
    // input of the same connection, completed in the same batch, went straight to `data`:
    // streams came back reordered or corrupted, or a FIN overtook held data and the echo ended
    // short. The load runs in a process of its own so that data keeps arriving while the
    // server works through a batch.
    server = createServer({ backend }, echoHandlers) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const fixture = fileURLToPath(new URL('./fixtures/integrity-client.mjs', import.meta.url))
    const child = spawn(process.execPath, [fixture, String(port), '24', String(6 * 1024 * 1024), '7', '60'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(code).toBe(0)
    const result = JSON.parse(out) as { streams: number; bad: unknown[] }
    expect(result.streams).toBe(24)
    expect(result.bad).toEqual([])
  })
})
