// The PROXY protocol over real sockets, on every backend: trusted balancers (127.0.0.1 here)
// must send a header, which names the client; anyone else (127.0.0.2: Linux routes all of
// 127/8 to loopback) is served directly and closed if it sends one. Headers split byte by byte
// are read one byte per read for certain: each byte is sent once the kernel says the server
// has read the one before (its receive queue is empty).
import { existsSync } from 'node:fs'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { createServer, type Connection, type HandlerSpec, type Server, type ServerOptions } from '@io/server'
import { whoamiLine } from '../src/tcp/whoami.js'
import { BACKENDS, backendLabel, client, until, type Client } from './helpers.js'
import { IO_SERVE, ioServe, listeningPort } from './processes.js'
import { serverSideFd, untilServerRead } from './socket-probes.js'

const TRUSTED = '127.0.0.1'
const UNTRUSTED = '127.0.0.2'
const SIGNATURE = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]

/** Handlers that greet with `whoamiLine`, echo, and record what the application saw. */
function recordingApp() {
  const seen = { opened: 0, data: [] as string[], closeCodes: [] as Array<string | undefined>, conns: [] as Connection[] }
  const handlers: HandlerSpec = {
    open(conn) {
      seen.opened++
      seen.conns.push(conn)
      conn.write(`${whoamiLine(conn)}\n`)
    },
    data(conn, chunk) {
      seen.data.push(chunk.toString('latin1'))
      conn.write(chunk)
    },
    close(_conn, err) {
      seen.closeCodes.push((err as { code?: string } | undefined)?.code)
    },
  }
  return { seen, handlers }
}

/** The greeting line without the pid. */
function greeting(c: Client): string {
  const text = c.received().toString('latin1')
  return text.slice(0, text.indexOf('\n')).replace(/ pid \d+$/, '')
}

/** Sends `bytes` one at a time, each once the server has read the one before. */
async function sendByteByByte(c: Client, server: Server, bytes: Buffer): Promise<void> {
  const fd = serverSideFd(server, c.socket.localPort!)
  for (const byte of bytes) {
    await new Promise((resolve) => c.socket.write(Buffer.from([byte]), resolve))
    await untilServerRead(fd)
  }
}

function v2Tcp6(client: string, clientPort: number): Buffer {
  const words = (text: string) => text.split(':').flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff])
  const body = [...words(client), ...words('2001:db8:0:0:0:0:0:443'), clientPort >> 8, clientPort & 0xff, 0x01, 0xbb]
  return Buffer.from([...SIGNATURE, 0x21, 0x21, 0, body.length, ...body])
}

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('PROXY protocol on %s', (_, backend) => {
  let server: Server | null = null
  afterEach(async () => {
    await server?.close({ graceMs: 0 })
    server = null
  })

  async function start(proxyProtocol: ServerOptions['proxyProtocol'], handlers: HandlerSpec, host = '127.0.0.1', poisonChunks = false): Promise<number> {
    server = createServer({ backend, proxyProtocol, poisonChunks }, handlers)
    return (await server.listen({ port: 0, host })).port
  }

  const trustLocal = { trusted: [`${TRUSTED}/32`, '::1/128'] }

  it('v1 from a trusted proxy: the client becomes remoteAddress, the proxy proxyAddress; bytes after the header are data', async () => {
    const { seen, handlers } = recordingApp()
    const port = await start(trustLocal, handlers)
    const c = await client(port, '127.0.0.1', { localAddress: TRUSTED })
    c.socket.write('PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\r\nping')
    await until(() => c.received().toString().endsWith('ping'))
    expect(greeting(c)).toBe(`client 203.0.113.7:40000 via ${TRUSTED}:${c.socket.localPort}`)
    expect(seen.data.join('')).toBe('ping')
    expect(seen.conns[0].remoteFamily).toBe('IPv4')
    expect(seen.conns[0].proxyPort).toBe(c.socket.localPort)
    expect(seen.conns[0].localPort).toBe(port)
  })

  it('v1 split byte by byte', async () => {
    const { seen, handlers } = recordingApp()
    const port = await start(trustLocal, handlers)
    const c = await client(port, '127.0.0.1', { localAddress: TRUSTED })
    await sendByteByByte(c, server!, Buffer.from('PROXY TCP6 2001:db8::7 2001:db8::1 51234 443\r\n'))
    await until(() => c.received().includes('\n'))
    expect(greeting(c)).toBe(`client [2001:db8::7]:51234 via ${TRUSTED}:${c.socket.localPort}`)
    expect(seen.conns[0].remoteFamily).toBe('IPv6')
    c.socket.write('after')
    await until(() => c.received().toString().endsWith('after'))
  })

  it('v2 split byte by byte, with the first data in the same read as the last header byte', async () => {
    const { seen, handlers } = recordingApp()
    const port = await start(trustLocal, handlers)
    const c = await client(port, '127.0.0.1', { localAddress: TRUSTED })
    const header = v2Tcp6('2001:db8:0:0:0:0:0:9', 60000)
    await sendByteByByte(c, server!, header.subarray(0, header.length - 1))
    expect(seen.opened).toBe(0)
    c.socket.write(Buffer.concat([header.subarray(header.length - 1), Buffer.from('hello')]))
    await until(() => c.received().toString().endsWith('hello'))
    expect(greeting(c)).toBe(`client [2001:db8::9]:60000 via ${TRUSTED}:${c.socket.localPort}`)
    expect(seen.data.join('')).toBe('hello')
  })

  it.each([
    ['v1 UNKNOWN', Buffer.from('PROXY UNKNOWN\r\n')],
    ['v2 LOCAL (a health check)', Buffer.from([...SIGNATURE, 0x20, 0x00, 0, 0])],
  ])('%s: the connection keeps its own addresses', async (_, header) => {
    const { handlers } = recordingApp()
    const port = await start(trustLocal, handlers)
    const c = await client(port, '127.0.0.1', { localAddress: TRUSTED })
    c.socket.write(header)
    await until(() => c.received().includes('\n'))
    expect(greeting(c)).toBe(`client ${TRUSTED}:${c.socket.localPort}`)
  })

  it('an untrusted peer is served directly; first bytes that could start a header wait until they cannot', async () => {
    const { seen, handlers } = recordingApp()
    const port = await start(trustLocal, handlers)
    const c = await client(port, '127.0.0.1', { localAddress: UNTRUSTED })
    await until(() => c.received().includes('\n'))
    expect(greeting(c)).toBe(`client ${UNTRUSTED}:${c.socket.localPort}`)
    await sendByteByByte(c, server!, Buffer.from('PROX'))
    expect(seen.data).toEqual([])
    c.socket.write('IMA')
    await until(() => c.received().toString().endsWith('PROXIMA'))
    expect(seen.data).toEqual(['PROXIMA'])
    expect(seen.conns[0].proxyAddress).toBeUndefined()
  })

  it.each([
    ['v1', Buffer.from('PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\r\n')],
    ['v2', v2Tcp6('2001:db8:0:0:0:0:0:9', 60000)],
  ])('an untrusted peer that sends a %s header is closed with ERR_PROXY_UNTRUSTED', async (_, header) => {
    const { seen, handlers } = recordingApp()
    const port = await start(trustLocal, handlers)
    const c = await client(port, '127.0.0.1', { localAddress: UNTRUSTED })
    c.socket.write(header)
    await until(() => c.closed)
    expect(seen.closeCodes).toEqual(['ERR_PROXY_UNTRUSTED'])
    expect(seen.data).toEqual([])
  })

  it('a trusted peer whose connection does not start with a header is closed unseen, with one warning', async () => {
    const warnings: Error[] = []
    const onWarning = (w: Error) => warnings.push(w)
    process.on('warning', onWarning)
    onTestFinished(() => void process.off('warning', onWarning))
    const { seen, handlers } = recordingApp()
    const port = await start(trustLocal, handlers)
    for (const request of ['GET / HTTP/1.1\r\n\r\n', 'PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n']) {
      const c = await client(port, '127.0.0.1', { localAddress: TRUSTED })
      c.socket.write(request)
      await until(() => c.closed)
      expect(c.bytes).toBe(0)
    }
    await until(() => warnings.length > 0)
    expect(seen.opened).toBe(0)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatchObject({ code: 'IO_PROXY_HEADER_REJECTED', message: expect.stringContaining('does not start with a PROXY header') })
  })

  it('a truncated header times out (timeoutMs), unseen by the application', async () => {
    const { seen, handlers } = recordingApp()
    const port = await start({ ...trustLocal, timeoutMs: 20 }, handlers)
    const c = await client(port, '127.0.0.1', { localAddress: TRUSTED })
    c.socket.write('PROXY TCP4 203.0.113.7 ')
    await until(() => c.closed)
    expect(c.bytes).toBe(0)
    expect(seen.opened).toBe(0)
    expect(server!.stats.closed).toBe(1)
  })

  it('an untrusted peer stuck on the start of a header times out', async () => {
    const { seen, handlers } = recordingApp()
    const port = await start({ ...trustLocal, timeoutMs: 20 }, handlers)
    const c = await client(port, '127.0.0.1', { localAddress: UNTRUSTED })
    c.socket.write('\r\n\r\n')
    await until(() => c.closed)
    expect(seen.closeCodes).toEqual(['ERR_PROXY_TIMEOUT'])
  })

  it('a peer that ends inside its header is closed, unseen', async () => {
    const { seen, handlers } = recordingApp()
    const port = await start(trustLocal, handlers)
    const c = await client(port, '127.0.0.1', { localAddress: TRUSTED })
    c.socket.end('PROXY TCP4')
    await until(() => c.closed)
    expect(seen.opened).toBe(0)
  })

  it('a v2 header declaring more than maxHeaderBytes is refused without waiting for it', async () => {
    const { seen, handlers } = recordingApp()
    const port = await start({ ...trustLocal, maxHeaderBytes: 300 }, handlers)
    const c = await client(port, '127.0.0.1', { localAddress: TRUSTED })
    c.socket.write(Buffer.from([...SIGNATURE, 0x21, 0x11, 0x01, 0x1d])) // 16 + 285 bytes declared
    await until(() => c.closed)
    expect(seen.opened).toBe(0)
  })

  it.each([false, true])('open() that pauses: the bytes that came with the header wait for resume() (poisonChunks: %s)', async (poisonChunks) => {
    const delivered: string[] = []
    let held: Connection | null = null
    const port = await start(trustLocal, {
      open(conn) {
        conn.pause()
        held = conn
      },
      data(conn, chunk) {
        delivered.push(chunk.toString())
        conn.write(chunk) // written as it is: with poisonChunks, overwritten once this returns unless copied
      },
    }, '127.0.0.1', poisonChunks)
    const c = await client(port, '127.0.0.1', { localAddress: TRUSTED })
    c.socket.write('PROXY TCP4 203.0.113.7 192.0.2.1 40000 443\r\nfirst')
    await until(() => held !== null)
    await untilServerRead(serverSideFd(server!, c.socket.localPort!))
    expect(delivered).toEqual([])
    expect(held!.remoteAddress).toBe('203.0.113.7')
    held!.resume()
    await until(() => c.bytes >= 5)
    expect(c.received().toString()).toBe('first')
    c.socket.write('second')
    await until(() => c.bytes >= 11)
    expect(c.received().toString()).toBe('firstsecond')
    expect(delivered).toEqual(['first', 'second'])
  })

  it('works with a coroutine-style handler', async () => {
    const port = await start(trustLocal, async (conn) => {
      await conn.write(`${conn.remoteAddress} via ${conn.raw.proxyAddress}\n`)
      for await (const chunk of conn) await conn.write(chunk)
    })
    const c = await client(port, '127.0.0.1', { localAddress: TRUSTED })
    c.socket.write('PROXY TCP4 198.51.100.20 192.0.2.1 1234 443\r\nsame read')
    await until(() => c.received().toString().endsWith('same read'))
    expect(c.received().toString()).toBe(`198.51.100.20 via ${TRUSTED}\nsame read`)
  })

  it('trusts IPv4 networks for IPv4-mapped peers of a dual-stack listener', async () => {
    const { handlers } = recordingApp()
    const port = await start(trustLocal, handlers, '::')
    const c = await client(port, '127.0.0.1', { localAddress: TRUSTED })
    c.socket.write('PROXY TCP4 203.0.113.8 192.0.2.1 40001 443\r\n')
    await until(() => c.received().includes('\n'))
    expect(greeting(c)).toBe(`client 203.0.113.8:40001 via [::ffff:${TRUSTED}]:${c.socket.localPort}`)
  })
})

describe('proxyProtocol option', () => {
  it.each([
    [{ proxyProtocol: null }, TypeError, /"proxyProtocol" must be an object/],
    [{ proxyProtocol: {} }, TypeError, /"proxyProtocol.trusted" must be an array/],
    [{ proxyProtocol: { trusted: '10.0.0.0/8' } }, TypeError, /"proxyProtocol.trusted" must be an array/],
    [{ proxyProtocol: { trusted: ['10.0.0.0/40'] } }, RangeError, /prefix length/],
    [{ proxyProtocol: { trusted: ['ten'] } }, TypeError, /"proxyProtocol.trusted\[0\]" is not an IPv4 or IPv6 address/],
    [{ proxyProtocol: { trusted: [], timeoutMs: 0 } }, RangeError, /"proxyProtocol.timeoutMs" must be >= 1/],
    [{ proxyProtocol: { trusted: [], timeoutMs: 1.5 } }, TypeError, /"proxyProtocol.timeoutMs" must be an integer/],
    [{ proxyProtocol: { trusted: [], maxHeaderBytes: 100 } }, RangeError, /"proxyProtocol.maxHeaderBytes" must be >= 232/],
    [{ proxyProtocol: { trusted: [], timeout: 5 } }, TypeError, /unknown proxyProtocol option "timeout" \(did you mean "timeoutMs"\?\)/],
  ])('%j throws', (options, type, message) => {
    expect(() => createServer(options as ServerOptions, {})).toThrow(type)
    expect(() => createServer(options as ServerOptions, {})).toThrow(message)
  })
})

describe.skipIf(!existsSync(IO_SERVE))('io-serve --proxy-protocol', () => {
  it('io-serve whoami names the client from a v1 header of a trusted peer', async () => {
    const server = ioServe(['whoami', '--port', '0', '--proxy-protocol', `${TRUSTED}/32,::1/128`, '--proxy-timeout', '3000'])
    const port = await listeningPort(server)
    const c = await client(port, '127.0.0.1', { localAddress: TRUSTED })
    c.socket.write('PROXY TCP4 198.51.100.9 192.0.2.1 4321 443\r\n')
    await until(() => c.received().includes('\n'))
    expect(greeting(c)).toBe(`client 198.51.100.9:4321 via ${TRUSTED}:${c.socket.localPort}`)
    c.socket.destroy()
  })

  it.each([
    [['whoami', '--port', '0', '--proxy-timeout', '5'], /--proxy-timeout needs --proxy-protocol/],
    [['whoami', '--port', '0', '--proxy-protocol', '10.0.0.0/33'], /prefix length/],
    [['whoami', '--port', '0', '--proxy-protocol', '10.0.0.1/8'], /did you mean "10\.0\.0\.0\/8"/],
    [['whoami', '--port', '0', '--proxy-protocol', '10.0.0.0/8', '--proxy-timeout', '0'], /bad --proxy-timeout "0"/],
  ])('io-serve %j exits 2 with the problem', async (args, message) => {
    const child = ioServe(args)
    await until(() => child.exited)
    expect(child.code).toBe(2)
    expect(child.stderr).toMatch(message)
  })
})
