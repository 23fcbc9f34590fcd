import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type Connection, type Server } from '@io/server'
import { BACKENDS, backendLabel, client, until } from './helpers.js'

let server: Server | null = null
afterEach(async () => {
  await server?.close({ graceMs: 0 })
  server = null
})

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('batched writes on %s', (_label, backend) => {
  it('cork() holds writes until the outermost uncork(), then sends them in order', async () => {
    const buffered: number[] = []
    server = createServer({ backend }, {
      data(conn, chunk) {
        conn.cork()
        conn.write('<')
        conn.cork()
        conn.write(chunk) // a view of the shared read buffer: must be copied while corked
        conn.uncork()
        buffered.push(conn.bufferedAmount)
        conn.write(new Uint16Array([0x3e3e])) // '>>' as a typed array
        conn.uncork()
        buffered.push(conn.bufferedAmount)
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.write('abc')
    await until(() => c.bytes === 6)
    expect(c.received().toString()).toBe('<abc>>')
    // Corked: held. Uncorked: sent with the flush at the end of the batch, not before.
    expect(buffered).toEqual([4, 6])
    c.socket.destroy()
  })

  it('scratch output goes out in write order, whatever order it was taken in', async () => {
    // A flush passes scratch output by offset, found by identity with the views handed out in
    // order, and merges what lies end to end; anything else goes as a view. Every mix of the
    // two must keep the order of the writes.
    server = createServer({ backend }, {
      data(conn) {
        const scratch = (text: string) => {
          const view = conn.reactor.scratch(text.length)
          view.set(Buffer.from(text))
          return view
        }
        const a = scratch('a')
        const b = scratch('bb')
        const c = scratch('ccc')
        const d = scratch('dddd')
        const e = scratch('e')
        conn.write(b) // taken second, written first
        conn.write(a)
        conn.write(Buffer.from('|'))
        conn.write(c)
        conn.write(d) // end to end with c: one span
        conn.write(d) // the same view again: not found a second time, goes as a view
        conn.write(e.subarray(0, 1)) // a view of scratch memory that scratch() did not hand out
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.write('go')
    await until(() => c.bytes === 16)
    expect(c.received().toString()).toBe('bba|cccdddddddde')
    c.socket.destroy()
  })

  it('lets the scratch views of a large batch go after its flush, and keeps those of a small one', async () => {
    let reactor: Connection['reactor'] | null = null
    server = createServer({ backend }, {
      data(conn, chunk) {
        reactor = conn.reactor
        const views = chunk[0] === 0x62 ? 300 : 3 // 'b'ig or small
        for (let i = 0; i < views; i++) {
          const view = conn.reactor.scratch(1)
          view[0] = 0x2e
          conn.write(view)
        }
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.write('s')
    await until(() => c.bytes === 3)
    expect(reactor!['scratchViews'].length).toBe(3) // kept for the next batch: no regrowth
    c.socket.write('b')
    await until(() => c.bytes === 303)
    expect(reactor!['scratchViews'].length).toBe(0)
    expect(c.received().toString()).toBe('.'.repeat(303))
    c.socket.destroy()
  })

  it('writev() sends several chunks at once', async () => {
    server = createServer({ backend }, {
      data(conn, chunk) {
        expect(conn.writev(['[', chunk, Buffer.from(']'), new DataView(new Uint8Array([33]).buffer)])).toBe(true)
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    c.socket.write('xyz')
    await until(() => c.bytes === 6)
    expect(c.received().toString()).toBe('[xyz]!')
    c.socket.destroy()
  })

  it('strings are written in the given encoding', async () => {
    server = createServer({ backend }, {
      open(conn) {
        conn.write('aGk=', 'base64')
        conn.end(' ünï')
      },
    }) as Server
    const { port } = await server.listen({ port: 0, host: '127.0.0.1' })
    const c = await client(port)
    await until(() => c.ended)
    expect(c.received().toString()).toBe('hi ünï')
  })
})
