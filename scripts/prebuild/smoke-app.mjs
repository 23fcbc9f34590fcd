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
