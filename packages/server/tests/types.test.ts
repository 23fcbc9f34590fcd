// Compile-time checks of the public types (`npm test` type-checks the tests first), plus the
// run-time behaviour they describe.
import { describe, expect, expectTypeOf, it } from 'vitest'
import { createServer, Server, WorkerPool, type Connection } from '@io/server'

describe('public types', () => {
  it('createServer without workers is a Server, with its stats and connections', async () => {
    const server = createServer({ backend: 'epoll' }, { data() {} })
    expectTypeOf(server).toEqualTypeOf<Server<any>>()
    expectTypeOf(server.stats.accepted).toBeNumber()
    expectTypeOf(server.connections).toBeNumber()
    expect(server).toBeInstanceOf(Server)
    await server.close()
  })

  it('createServer with workers from a variable may be a WorkerPool', () => {
    const workers: number = 1
    const server = createServer({ workers }, 'handlers.js')
    expectTypeOf(server).toEqualTypeOf<Server<any> | WorkerPool>()
    expect(server).toBeInstanceOf(Server) // one worker: this thread
  })

  it('userData is typed by the handlers generic', async () => {
    interface Session {
      user: string
    }
    const server = createServer<Session>(undefined, {
      open(conn) {
        expectTypeOf(conn).toEqualTypeOf<Connection<Session>>()
        conn.userData = { user: 'ada' }
      },
      data(conn) {
        expectTypeOf(conn.userData.user).toBeString()
      },
    })
    expectTypeOf(server).toEqualTypeOf<Server<Session>>()
    await server.close()
  })
})
