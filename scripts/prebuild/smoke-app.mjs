// The smoke test of an installed @io/core: run with the current directory where @io/core is
// installed (node_modules/@io/core), by whatever Node build is being checked (another release
// line, an arm64 Node under qemu-user). It loads the package from ESM, CJS and a worker thread,
// and drives the addon: an Epoll echo over a socketpair, a TCP connection on loopback, the
// io_uring probe, a SystemError and a TypeError thrown from native code (each one a C++
// exception unwound by the statically linked runtime). Prints one line per check and a summary.
//   node smoke-app.mjs [--expect-source prebuilt|source-build|IO_NATIVE_PATH]
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'

const require = createRequire(join(process.cwd(), 'package.json'))
const args = process.argv.slice(2)
const expectSource = args.includes('--expect-source') ? args[args.indexOf('--expect-source') + 1] : 'prebuilt'
const results = []
async function check(name, fn) {
  try {
    const detail = await fn()
    results.push(true)
    console.log(`ok   ${name}${detail ? `: ${detail}` : ''}`)
  } catch (error) {
    results.push(false)
    console.log(`FAIL ${name}: ${error?.stack ?? error}`)
  }
}
function assert(condition, message) {
  if (!condition) throw new Error(message)
}

/** Echo over a socketpair through an Epoll: the path every backend's tests start from. */
function socketpairEcho(core) {
  const { Epoll, READABLE, sockets } = core
  const ep = new Epoll({ maxEvents: 8 })
  const [a, b] = sockets.socketpair()
  try {
    ep.add(a, READABLE, 7)
    sockets.write(b, Buffer.from('ping'))
    const n = ep.wait(5000)
    assert(n === 1 && ep.readyTokens[0] === 7, `wait gave ${n} events, token ${ep.readyTokens[0]}`)
    const buffer = Buffer.alloc(16)
    const got = sockets.read(a, buffer)
    assert(buffer.toString('latin1', 0, got) === 'ping', `read ${got} bytes`)
    sockets.write(a, buffer, 0, got)
    assert(sockets.read(b, buffer) === 4, 'echo did not come back')
    return 'ping echoed'
  } finally {
    ep.close()
    sockets.close(a)
    sockets.close(b)
  }
}

const esm = await import('@io/core')
const cjs = require('@io/core')
const where = esm.locateNative()
console.log(`smoke: node ${process.version} ${process.arch}, addon ${where.source} ${where.path}`)

await check('ESM import', () => `${Object.keys(esm).length} exports`)
await check('CJS require', () => {
  assert(typeof cjs.Epoll === 'function', 'no Epoll export')
  return `${Object.keys(cjs).length} exports`
})
await check('binary source', () => {
  assert(where.source === expectSource, `loaded from ${where.source}, expected ${expectSource}`)
  if (where.source === 'prebuilt') assert(where.path.includes(esm.hostTag(esm.nativeHost())), 'wrong prebuilt folder')
  return esm.hostTag(esm.nativeHost())
})
await check('Epoll socketpair echo (ESM)', () => socketpairEcho(esm))
await check('Epoll socketpair echo (CJS)', () => socketpairEcho(cjs))
await check('TCP on loopback', () => {
  const { Epoll, READABLE, sockets, constants } = esm
  const server = sockets.socket(constants.AF_INET, constants.SOCK_STREAM | constants.SOCK_NONBLOCK)
  const client = sockets.socket(constants.AF_INET, constants.SOCK_STREAM | constants.SOCK_NONBLOCK)
  const ep = new Epoll()
  let conn = -1
  try {
    sockets.setsockopt(server, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1)
    sockets.bind(server, '127.0.0.1', 0)
    sockets.listen(server, 16)
    const { port } = sockets.getsockname(server)
    sockets.connect(client, '127.0.0.1', port)
    ep.add(server, READABLE, 1)
    assert(ep.wait(5000) === 1, 'no connection to accept')
    conn = sockets.accept(server)
    assert(conn >= 0, `accept gave ${conn}`)
    ep.add(conn, READABLE, 2)
    sockets.send(client, Buffer.from('hello'))
    assert(ep.wait(5000) === 1 && ep.readyTokens[0] === 2, 'no data event')
    const buffer = Buffer.alloc(16)
    const got = sockets.recv(conn, buffer)
    assert(buffer.toString('latin1', 0, got) === 'hello', `recv ${got}`)
    return `port ${port}`
  } finally {
    ep.close()
    for (const fd of [conn, client, server]) if (fd >= 0) sockets.close(fd)
  }
})
await check('Uring.isSupported', () => {
  const support = esm.Uring.isSupported()
  assert(typeof support.supported === 'boolean', 'no answer')
  return support.supported ? 'supported' : `not here: ${support.reason}`
})
await check('SystemError from a syscall', () => {
  const fd = esm.sockets.eventfd()
  esm.sockets.close(fd)
  try {
    esm.sockets.read(fd, Buffer.alloc(8))
  } catch (error) {
    assert(esm.isSystemError(error, 'EBADF') && error.errno === -9, `got ${error}`)
    return error.message
  }
  throw new Error('read of a closed fd did not throw')
})
await check('TypeError for a bad argument', () => {
  const ep = new esm.Epoll()
  try {
    ep.add('not an fd', esm.READABLE, 1)
  } catch (error) {
    assert(error instanceof TypeError && error.code === 'ERR_INVALID_ARG_TYPE', `got ${error}`)
    return error.code
  } finally {
    ep.close()
  }
  throw new Error('no TypeError')
})
await check('HTTP head parser (its vector scans)', () => {
  // Every byte value at every place of a field value, a field name and a request-target that
  // cross the 16-byte blocks the parser reads (SSE2 on x64, NEON on arm64): refused exactly
  // where RFC 9110 / 9112 say, as the byte loops would. Heads of every length are each found.
  const { parseHttpHeads, httpHeadsCapacity, HTTP_HEAD } = esm
  const limits = { maxHeaderBytes: 16384, maxTargetBytes: 8192, maxHeaderCount: 100 }
  const out = new Int32Array(httpHeadsCapacity(100, 64))
  const verdict = (text) => {
    const bytes = Buffer.from(text, 'latin1')
    return parseHttpHeads(bytes, 0, bytes.length, out, limits) === 1 ? out[HTTP_HEAD.BATCH_HEADER + HTTP_HEAD.STATUS] : 0
  }
  const tchar = (c) => /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(String.fromCharCode(c))
  const targetChar = (c) => /[-._~!$&'()*+,;=:@/?[\]0-9A-Za-z]/.test(String.fromCharCode(c))
  const places = [
    { make: (v) => `GET / HTTP/1.1\r\nHost: a\r\nX: ${v}\r\n\r\n`, ok: (c) => c === 9 || c === 32 || (c > 32 && c !== 127) },
    { make: (v) => `GET / HTTP/1.1\r\nHost: a\r\n${v}: x\r\n\r\n`, ok: tchar },
    { make: (v) => `GET /${v} HTTP/1.1\r\nHost: a\r\n\r\n`, ok: (c) => targetChar(c) && c !== 0x25 },
  ]
  let checked = 0
  for (const { make, ok } of places) {
    for (const length of [1, 15, 16, 17, 33]) {
      for (let at = 0; at < length; at++) {
        for (let c = 0; c < 256; c++) {
          if (c === 0x25 || (c === 0x3a && make === places[1].make)) continue // '%' needs hex digits; ':' ends a name
          const text = make('a'.repeat(at) + String.fromCharCode(c) + 'a'.repeat(length - at - 1))
          const accepted = verdict(text) === text.length
          const cut = c === 32 && make !== places[0].make // a space ends a target; a name then has no colon
          assert(accepted === (ok(c) && !cut), `byte ${c} at ${at} of ${length}: ${JSON.stringify(text)} gave ${verdict(text)}`)
          checked++
        }
      }
    }
  }
  for (let pad = 0; pad < 40; pad++) {
    const text = `GET /${'p'.repeat(pad)} HTTP/1.1\r\nHost: a\r\n\r\n`
    assert(verdict(text) === text.length && verdict(text.slice(0, -1)) === 0, `head of ${text.length} bytes`)
  }
  return `${checked} heads`
})
await check('worker thread', async () => {
  const code = `
    const { parentPort } = require('node:worker_threads')
    const core = require('@io/core')
    const ep = new core.Epoll()
    const [a, b] = core.sockets.socketpair()
    ep.add(a, core.READABLE, 3)
    core.sockets.write(b, Buffer.from('w'))
    const n = ep.wait(5000)
    parentPort.postMessage({ n, token: ep.readyTokens[0] })
    ep.close(); core.sockets.close(a); core.sockets.close(b)`
  const message = await new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true })
    worker.once('message', resolve)
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`worker exited (${code}) without an answer`)))
  })
  assert(!message.error && message.n === 1 && message.token === 3, JSON.stringify(message))
  return 'Epoll event in a worker'
})

const failed = results.filter((ok) => !ok).length
console.log(`smoke: ${results.length - failed} passed, ${failed} failed`)
process.exitCode = failed ? 1 : 0
