import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type Server } from '@io/server'
import { IdleSweeper, type SweepClock } from '../src/engine/idle-sweeper.js'
import { BACKENDS, backendLabel, client, until } from './helpers.js'

const realClock = IdleSweeper.clock
let server: Server | null = null
afterEach(async () => {
  IdleSweeper.clock = realClock
  await server?.close({ graceMs: 0 })
  server = null
})

/** Replaces the sweep timers with sweeps the test runs itself. */
function steppedClock(): { intervals: number[]; sweep(): void } {
  const intervals: number[] = []
  const sweeps: Array<() => void> = []
  const clock: SweepClock = {
    every(ms, sweep) {
      intervals.push(ms)
      sweeps.push(sweep)
      return () => sweeps.splice(sweeps.indexOf(sweep), 1)
    },
  }
  IdleSweeper.clock = clock
  return { intervals, sweep: () => sweeps.forEach((s) => s()) }
}

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('idle timeout on %s', (_label, backend) => {
  it('calls timeout, then destroys the connection with ETIMEDOUT', async () => {
    const events: string[] = []
    server = createServer({ backend, idleTimeoutMs: 40 }, {
      timeout() {
        events.push('timeout')
      },
      close(_conn, err) {
        events.push(`close ${(err as { code?: string } | undefined)?.code}`)
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => c.closed)
    expect(events).toEqual(['timeout', 'close ETIMEDOUT'])
  })

  it('a timeout handler that writes keeps the connection open', async () => {
    let timeouts = 0
    server = createServer({ backend, idleTimeoutMs: 30 }, {
      timeout(conn) {
        if (++timeouts < 3) conn.write('ping\n')
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => c.closed)
    expect(timeouts).toBe(3)
    expect(c.received().toString()).toBe('ping\nping\n')
  })

  it('idleTimeoutMs: 0 disables the timeout (no sweep is ever scheduled)', async () => {
    const clock = steppedClock()
    server = createServer({ backend, idleTimeoutMs: 0 }, {}) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => server!.connections === 1)
    expect(clock.intervals).toEqual([]) // with the default (120 s) there would be one of 15000 ms
    c.socket.destroy()
  })

  it('times a connection out after between 8 and 9 sweeps of idleTimeoutMs / 8 without reads or writes', async () => {
    const clock = steppedClock()
    const closes: Array<string | undefined> = []
    server = createServer({ backend, idleTimeoutMs: 800 }, {
      close(_conn, err) {
        closes.push((err as { code?: string } | undefined)?.code)
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    expect(clock.intervals).toEqual([100])
    const c = await client(port)
    await until(() => server!.connections === 1)
    for (let i = 0; i < 8; i++) clock.sweep()
    expect(server.connections).toBe(1)
    clock.sweep()
    expect(closes).toEqual(['ETIMEDOUT'])
    await until(() => c.closed)
  })
})
