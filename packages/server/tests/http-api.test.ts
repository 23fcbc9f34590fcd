// The HTTP API as a handler sees it: request fields and body, the response, keep-alive,
// pipelining with async handlers, 100-continue, errors, on every engine.
import { describe, expect, it } from 'vitest'
import type { HttpRequest, HttpResponse } from '@io/server'
import { setDateLine } from '../src/http/date-header.js'
import { BACKENDS, backendLabel, until } from './helpers.js'
import { HttpClient, get, header, httpServer } from './http-helpers.js'
import { serverSideConnection, serverSideFd, untilServerRead } from './socket-probes.js'

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('HTTP API on %s', (_label, backend) => {
  it('answers once a request whose leading empty lines and head arrive split (one byte per read, and inside the empty lines)', async () => {
    const paths: string[] = []
    const { server, port } = await httpServer({ backend }, (req, res) => {
      paths.push(req.path)
      res.end('ok')
    })
    const c = await HttpClient.open(port)
    const fd = serverSideFd(server, c.raw.socket.localPort!)
    // Empty lines: a search resumed inside them must not take two for the end of a head (the
    // request would wait for more bytes, or be read twice). Split one byte per read, then as
    // five bytes and the rest; each response is awaited before anything more is sent.
    for (const byte of Buffer.from(`\r\n\r\n\r\n${get('/one')}`, 'latin1')) {
      await c.send(Buffer.from([byte]))
      await untilServerRead(fd)
    }
    expect((await c.response()).body.toString()).toBe('ok')
    await c.send('\r\n\r\n\r')
    await untilServerRead(fd)
    await c.send(`\n\r\n\r\n${get('/two')}`)
    expect((await c.response()).body.toString()).toBe('ok')
    await c.send(get('/three'))
    expect((await c.response()).body.toString()).toBe('ok')
    expect(paths).toEqual(['/one', '/two', '/three'])
  })

  it('an idle keep-alive connection holds no session: let go once the responses are out, kept while one is pending', async () => {
    let later: HttpResponse | null = null
    const { server, port } = await httpServer({ backend }, (req, res) => {
      if (req.path === '/later') later = res
      else res.end(req.path)
    })
    const c = await HttpClient.open(port)
    const conn = serverSideConnection(server, c.raw.socket.localPort!)
    await c.send(get('/one'))
    expect((await c.response()).body.toString()).toBe('/one')
    expect(conn.protocol, 'after a response from a handler that ended it at once').toBeNull()
    // Pipelined behind a response still pending: the session stays, and the line's order holds.
    await c.send(get('/later') + get('/two'))
    await until(() => later !== null)
    expect(conn.protocol).not.toBeNull()
    later!.end('/later')
    expect((await c.response()).body.toString()).toBe('/later')
    expect((await c.response()).body.toString()).toBe('/two')
    expect(conn.protocol, 'after a response ended later').toBeNull()
    // Half a head is kept in the session until the rest comes.
    await c.send('GET /three HTTP/1.1\r\nHo')
    await untilServerRead(conn.fd)
    expect(conn.protocol).not.toBeNull()
    await c.send('st: example.com\r\n\r\n')
    expect((await c.response()).body.toString()).toBe('/three')
    expect(conn.protocol).toBeNull()
  })

  it('exposes the request line and fields lazily, lower-cased and joined', async () => {
    let seen: Record<string, unknown> = {}
    const { port } = await httpServer({ backend }, (req, res) => {
      seen = {
        method: req.method,
        url: req.url,
        path: req.path,
        query: req.query,
        httpVersion: req.httpVersion,
        host: req.header('HOST'),
        accept: req.header('accept'),
        missing: req.header('x-missing'),
        headers: { ...req.headers },
        raw: req.rawHeaders,
        remote: req.remoteAddress,
      }
      res.end('ok')
    })
    const c = await HttpClient.open(port)
    await c.send('PATCH /a/b?c=d&e HTTP/1.1\r\nHost: example.com\r\nAccept: x\r\naccept:  y \r\nCookie: a=1\r\nCookie: b=2\r\n\r\n')
    expect((await c.response()).status).toBe(200)
    expect(seen).toEqual({
      method: 'PATCH',
      url: '/a/b?c=d&e',
      path: '/a/b',
      query: 'c=d&e',
      httpVersion: '1.1',
      host: 'example.com',
      accept: 'x, y',
      missing: undefined,
      headers: { host: 'example.com', accept: 'x, y', cookie: 'a=1; b=2' },
      raw: ['Host', 'example.com', 'Accept', 'x', 'accept', 'y', 'Cookie', 'a=1', 'Cookie', 'b=2'],
      remote: '127.0.0.1',
    })
    c.destroy()
  })

  it('keeps request fields readable after the handler returned (an async handler reads them later)', async () => {
    const { port } = await httpServer({ backend }, async (req, res) => {
      await new Promise((resolve) => setImmediate(resolve))
      res.end(`${req.method} ${req.url} ${req.header('x-id')}`)
    })
    const c = await HttpClient.open(port)
    // Two requests in one write: both parsed from the same read buffer, which is reused later.
    await c.send(get('/one', 'X-Id: 1\r\n') + get('/two', 'X-Id: 2\r\n'))
    expect((await c.response()).body.toString()).toBe('GET /one 1')
    expect((await c.response()).body.toString()).toBe('GET /two 2')
    c.destroy()
  })

  it('keeps the heads of a read intact when later reads reuse the read buffer (another connection reads meanwhile)', async () => {
    let bArrived!: () => void
    const later = new Promise<void>((resolve) => (bArrived = resolve))
    let waiting = 0
    const { port } = await httpServer({ backend }, async (req, res) => {
      if (req.path === '/b') {
        bArrived()
        res.end('b')
        return
      }
      waiting++
      await later
      res.end(`${req.method} ${req.url} ${req.header('x-id')} ${JSON.stringify(req.headers)}`)
    })
    const a = await HttpClient.open(port)
    const b = await HttpClient.open(port)
    // Two pipelined heads in one read on `a`; once both are in their handlers, `b`'s request is
    // read (a later read, into the same read memory) before `a`'s handlers look at theirs.
    await a.send(get('/a1', 'X-Id: 1\r\n') + get('/a2', 'X-Id: 2\r\n'))
    await until(() => waiting === 2, 'both requests on a in their handlers')
    await b.send(get('/b', 'X-Id: 9\r\n'))
    expect((await b.response()).body.toString()).toBe('b')
    expect((await a.response()).body.toString()).toBe('GET /a1 1 {"host":"test","x-id":"1"}')
    expect((await a.response()).body.toString()).toBe('GET /a2 2 {"host":"test","x-id":"2"}')
    a.destroy()
    b.destroy()
  })

  it('reads bodies with body(), text(), json() and for await, and enforces a per-call limit', async () => {
    const { port } = await httpServer({ backend }, async (req, res) => {
      switch (req.path) {
        case '/text':
          return res.end(`text:${await req.text()}`)
        case '/json':
          return res.end(`json:${JSON.stringify(await req.json())}`)
        case '/stream': {
          let n = 0
          for await (const chunk of req) n += chunk.length
          return res.end(`stream:${n}`)
        }
        case '/limit':
          try {
            await req.body({ limit: 3 })
          } catch (err) {
            res.statusCode = 413
            return res.end((err as { code: string }).code)
          }
      }
    })
    const c = await HttpClient.open(port)
    await c.send('POST /text HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello')
    expect((await c.response()).body.toString()).toBe('text:hello')
    await c.send('POST /json HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n')
    expect((await c.response()).body.toString()).toBe('json:{"a":1}')
    await c.send(`POST /stream HTTP/1.1\r\nHost: t\r\nContent-Length: 300000\r\n\r\n${'x'.repeat(300000)}`)
    expect((await c.response()).body.toString()).toBe('stream:300000')
    await c.send('POST /limit HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello')
    const limited = await c.response()
    expect([limited.status, limited.body.toString()]).toEqual([413, 'ERR_HTTP_BODY_LIMIT'])
    c.destroy()
  })

  it('pauses reading while the handler has not taken the body, and resumes as it does', async () => {
    let request: HttpRequest | null = null
    let release: () => void = () => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    const { port } = await httpServer({ backend, highWaterMark: 16 * 1024, bodyLimit: 8 * 1024 * 1024 }, async (req, res) => {
      request = req
      await gate
      let n = 0
      for await (const chunk of req) n += chunk.length
      res.end(String(n))
    })
    const c = await HttpClient.open(port)
    const size = 4 * 1024 * 1024
    void c.send(Buffer.concat([Buffer.from(`POST / HTTP/1.1\r\nHost: t\r\nContent-Length: ${size}\r\n\r\n`), Buffer.alloc(size, 7)]))
    await until(() => request !== null && request.conn.isPaused) // the body filled up: reading stopped
    release()
    expect((await c.response()).body.toString()).toBe(String(size))
    c.destroy()
  })

  it('aborts req.signal and marks res.aborted when the client resets the connection mid-request', async () => {
    let res: HttpResponse | null = null
    let reason: unknown = null
    const { port } = await httpServer({ backend }, (req, r) => {
      res = r
      req.signal.addEventListener('abort', () => (reason = req.signal.reason))
    })
    const c = await HttpClient.open(port)
    await c.send(get())
    await until(() => res !== null)
    c.raw.socket.resetAndDestroy()
    await until(() => reason !== null)
    expect(reason).toMatchObject({ code: 'ECONNRESET' })
    expect(res!.aborted).toBe(true)
    expect(res!.write('late')).toBe(false)
  })

  it('sends Content-Length for a known body, chunked for written parts, nothing for HEAD and 204', async () => {
    const { port } = await httpServer({ backend }, (req, res) => {
      if (req.path === '/chunks') {
        res.setHeader('X-Kind', 'chunks')
        res.write('ab')
        res.write(Buffer.from('cd'))
        return res.end('e')
      }
      if (req.path === '/204') {
        res.statusCode = 204
        return res.end()
      }
      res.writeHead(201, 'Made', { 'Content-Type': 'text/plain', 'X-Multi': ['1', '2'] })
      res.end('made it')
    })
    const c = await HttpClient.open(port)
    await c.send(get('/known'))
    const known = await c.response()
    expect([known.status, known.reason, header(known, 'content-length'), header(known, 'content-type'), known.body.toString()]).toEqual([201, 'Made', '7', 'text/plain', 'made it'])
    expect(known.headers.filter(([n]) => n === 'x-multi').map(([, v]) => v)).toEqual(['1', '2'])
    expect(header(known, 'date')).toMatch(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/)
    await c.send(get('/chunks'))
    const chunks = await c.response()
    expect([header(chunks, 'transfer-encoding'), header(chunks, 'content-length'), chunks.body.toString()]).toEqual(['chunked', undefined, 'abcde'])
    await c.send('HEAD /known HTTP/1.1\r\nHost: t\r\n\r\n')
    const head = await c.response(true)
    expect([head.status, header(head, 'content-length'), head.body.length]).toEqual([201, '7', 0])
    await c.send(get('/204'))
    const empty = await c.response()
    expect([empty.status, header(empty, 'content-length'), header(empty, 'transfer-encoding')]).toEqual([204, undefined, undefined])
    // Still in step: the connection was kept alive through all of them.
    await c.send(get('/known'))
    expect((await c.response()).status).toBe(201)
    c.destroy()
  })

  it('answers plain responses of different statuses and lengths in turn with their own heads', async () => {
    // Plain heads (standard status, no fields) are made once and reused, the last one without
    // a lookup: a response must never get the head of the one before it.
    const { port } = await httpServer({ backend }, (req, res) => {
      const [, status, body] = req.path.split('/')
      res.statusCode = Number(status)
      res.end(body)
    })
    const c = await HttpClient.open(port)
    const paths = ['/200/ab', '/200/ab', '/201/ab', '/200/abc', '/404/abc', '/200/ab', '/200/']
    for (const path of paths) await c.send(get(path))
    for (const path of paths) {
      const [, status, body] = path.split('/')
      const r = await c.response()
      expect([r.status, header(r, 'content-length'), r.body.toString()]).toEqual([Number(status), String(body.length), body])
    }
    c.destroy()
  })

  it('answers the same text again with the same bytes, and a changed text, status or Date with its own', async () => {
    // A short text answered twice in a row has its whole response kept and copied; whatever
    // differs (the text, even of the same length, the status, the Date) must not get it.
    const { port } = await httpServer({ backend }, (req, res) => {
      const [, status, body] = req.path.split('/')
      res.statusCode = Number(status)
      res.end(decodeURIComponent(body))
    })
    const c = await HttpClient.open(port)
    const ask = async (path: string) => {
      await c.send(get(path))
      const r = await c.response()
      return [r.status, header(r, 'content-length'), r.body.toString(), header(r, 'date')]
    }
    const [atZero, atOne] = ['Thu, 01 Jan 1970 00:00:00 GMT', 'Thu, 01 Jan 1970 00:00:01 GMT']
    try {
      setDateLine(new Date(0)) // (held there: the refresh timer leaves a set line alone)
      for (let k = 0; k < 4; k++) expect(await ask('/200/ab')).toEqual([200, '2', 'ab', atZero])
      expect(await ask('/200/cd')).toEqual([200, '2', 'cd', atZero])
      expect(await ask('/404/cd')).toEqual([404, '2', 'cd', atZero])
      expect(await ask('/200/cd')).toEqual([200, '2', 'cd', atZero])
      for (let k = 0; k < 3; k++) expect(await ask('/200/%C3%A9')).toEqual([200, '2', 'é', atZero])
      setDateLine(new Date(1000))
      for (let k = 0; k < 2; k++) expect(await ask('/200/%C3%A9')).toEqual([200, '2', 'é', atOne])
    } finally {
      setDateLine(null)
    }
    c.destroy()
  })

  it('checks header names and values, and refuses to change a sent head', async () => {
    const errors: string[] = []
    const { port } = await httpServer({ backend }, (_req, res) => {
      for (const [name, value] of [
        ['bad name', 'v'],
        ['x-crlf', 'a\r\nInjected: 1'],
        ['x-nul', 'a\0b'],
        ['', 'v'],
      ]) {
        try {
          res.setHeader(name, value)
        } catch (err) {
          errors.push((err as { code: string }).code)
        }
      }
      res.write('x')
      try {
        res.setHeader('x-late', '1')
      } catch (err) {
        errors.push((err as { code: string }).code)
      }
      res.end()
      try {
        res.write('after')
      } catch (err) {
        errors.push((err as { code: string }).code)
      }
    })
    const c = await HttpClient.open(port)
    await c.send(get())
    expect((await c.response()).body.toString()).toBe('x')
    expect(errors).toEqual(['ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_CHAR', 'ERR_INVALID_CHAR', 'ERR_INVALID_HTTP_TOKEN', 'ERR_HTTP_HEADERS_SENT', 'ERR_STREAM_WRITE_AFTER_END'])
    c.destroy()
  })

  it('write() returns false past highWaterMark and drain (or drained()) says when to go on', async () => {
    let sawFalse = false
    const { port } = await httpServer({ backend, highWaterMark: 64 * 1024 }, async (_req, res) => {
      const piece = Buffer.alloc(256 * 1024, 1)
      for (let i = 0; i < 32; i++) {
        if (!res.write(piece)) {
          sawFalse = true
          await res.drained()
        }
      }
      res.end()
    })
    const c = await HttpClient.open(port)
    await c.send(get())
    const r = await c.response()
    expect(r.body.length).toBe(32 * 256 * 1024)
    expect(sawFalse).toBe(true)
    c.destroy()
  })

  it('res.cork(fn) holds what fn writes until it returns, then sends it in order', async () => {
    const heldInside: number[] = []
    const { port } = await httpServer({ backend }, (req, res) => {
      // Later, outside the read that brought the request: nothing else holds the output.
      setImmediate(() => {
        res.cork(() => {
          res.setHeader('content-type', 'text/plain')
          res.write('one ')
          heldInside.push(req.conn.corks)
          res.write('two ')
          res.end('three')
          heldInside.push(req.conn.corks)
        })
        heldInside.push(req.conn.corks)
      })
    })
    const c = await HttpClient.open(port)
    await c.send(get())
    const r = await c.response()
    expect(r.body.toString()).toBe('one two three')
    expect(header(r, 'content-type')).toBe('text/plain')
    expect(heldInside).toEqual([1, 1, 0])
    c.destroy()
  })

  it('answers pipelined requests in order when async handlers finish out of order', async () => {
    const { port } = await httpServer({ backend }, async (req, res) => {
      const delay = Number(req.query) // later requests finish first
      for (let i = 0; i < delay; i++) await new Promise((resolve) => setImmediate(resolve))
      res.end(req.path)
    })
    const c = await HttpClient.open(port)
    await c.send(get('/a?6') + get('/b?4') + get('/c?2') + get('/d?0'))
    const bodies: string[] = []
    for (let i = 0; i < 4; i++) bodies.push((await c.response()).body.toString())
    expect(bodies).toEqual(['/a', '/b', '/c', '/d'])
    await c.send(get('/e?0'))
    expect((await c.response()).body.toString()).toBe('/e') // and the connection goes on
    c.destroy()
  })

  it('keeps HTTP/1.1 connections alive, closes HTTP/1.0 ones unless asked, and honours Connection: close', async () => {
    const { port } = await httpServer({ backend }, (_req, res) => res.end('x'))
    const a = await HttpClient.open(port)
    await a.send('GET / HTTP/1.0\r\n\r\n')
    const old = await a.response()
    expect(header(old, 'connection')).toBe('close')
    await a.closed()
    const b = await HttpClient.open(port)
    await b.send('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n')
    expect(header(await b.response(), 'connection')).toBe('keep-alive')
    await b.send(get('/', 'Connection: close\r\n'))
    expect(header(await b.response(), 'connection')).toBe('close')
    expect(await b.closed()).toBe('')
  })

  it('sends 100 Continue when the handler reads the body; a handler that answers without reading closes', async () => {
    const { port } = await httpServer({ backend }, async (req, res) => {
      if (req.path === '/read') return res.end(await req.text())
      res.statusCode = 401
      res.end()
    })
    const c = await HttpClient.open(port)
    await c.send('POST /read HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n')
    expect((await c.response()).status).toBe(100)
    await c.send('ok')
    expect((await c.response()).body.toString()).toBe('ok')
    await c.send('POST /deny HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n')
    const denied = await c.response()
    expect([denied.status, header(denied, 'connection')]).toEqual([401, 'close'])
    expect(await c.closed()).toBe('')
  })

  it('answers 500 when a handler throws or rejects, reports the error, and serves on', async () => {
    const reported: string[] = []
    const { port } = await httpServer(
      {
        backend,
        error(err, req) {
          reported.push(`${req.path}: ${err.message}`)
        },
      },
      async (req, res) => {
        if (req.path === '/sync') throw new Error('sync bug')
        await Promise.resolve()
        if (req.path === '/async') throw new Error('async bug')
        res.end('fine')
      },
    )
    const c = await HttpClient.open(port)
    await c.send(get('/sync') + get('/async') + get('/ok'))
    expect((await c.response()).status).toBe(500)
    expect((await c.response()).status).toBe(500)
    expect((await c.response()).body.toString()).toBe('fine')
    expect(reported).toEqual(['/sync: sync bug', '/async: async bug'])
    c.destroy()
  })

  it('hands an Upgrade request to the upgrade handler with the bytes that followed it', async () => {
    let got: { path: string; head: string } | null = null
    const { port } = await httpServer(
      {
        backend,
        upgrade(req, conn, head) {
          got = { path: req.path, head: head.toString() }
          conn.setHandlers({ data: (c, chunk) => c.write(chunk) })
          conn.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n')
        },
      },
      (_req, res) => res.end('plain'),
    )
    const c = await HttpClient.open(port)
    await c.send(get('/up', 'Upgrade: echo\r\nConnection: Upgrade\r\n') + 'early')
    expect((await c.response()).status).toBe(101)
    await until(() => got !== null)
    expect(got).toEqual({ path: '/up', head: 'early' })
    await c.send('more')
    await c.raw.waitFor(() => c.raw.received().toString('latin1').endsWith('more'), 'the echo')
    c.destroy()
  })

  it('sends the answers to requests pipelined before an Upgrade ahead of what the upgrade handler writes', async () => {
    // Answers that end while a read is parsed are handed to the connection together; the
    // upgrade handler writes to the connection itself, so they must have gone first.
    const { port } = await httpServer(
      {
        backend,
        upgrade(_req, conn) {
          conn.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n')
        },
      },
      (req, res) => res.end(req.path),
    )
    const c = await HttpClient.open(port)
    await c.send(get('/a') + get('/b') + get('/up', 'Upgrade: echo\r\nConnection: Upgrade\r\n'))
    const answers = [await c.response(), await c.response(), await c.response()]
    expect(answers.map((r) => `${r.status} ${r.body.toString()}`)).toEqual(['200 /a', '200 /b', '101 '])
    c.destroy()
  })

  it('keeps response order when answers ending in one read mix with streamed and late ones', async () => {
    const { port } = await httpServer({ backend }, async (req, res) => {
      if (req.path === '/stream') {
        res.write('s1-')
        return res.end('s2')
      }
      if (req.path === '/late') await new Promise((resolve) => setImmediate(resolve))
      res.end(req.path)
    })
    const c = await HttpClient.open(port)
    const paths = ['/a', '/stream', '/b', '/late', '/c', '/d']
    await c.send(paths.map((p) => get(p)).join(''))
    const bodies: string[] = []
    for (let i = 0; i < paths.length; i++) bodies.push((await c.response()).body.toString())
    expect(bodies).toEqual(['/a', 's1-s2', '/b', '/late', '/c', '/d'])
    c.destroy()
  })
})
