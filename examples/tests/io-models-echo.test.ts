// Every I/O-model example, started as a user starts it, must echo 64 KiB byte for byte, close
// when the client does, and stop on SIGINT. The io_uring example is checked for its clear exit
// where io_uring is unavailable, and for echoing where it is available.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Uring } from '@io/core'
import { afterEach, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const MODELS = ['blocking-threads', 'nonblocking-poll-loop', 'select', 'poll', 'epoll', 'epoll-et', 'sigio', 'io_uring', 'coroutine']
const uring = Uring.isSupported()
if (!uring.supported) console.log(`io_uring example: echo test skipped, io_uring unavailable (${uring.reason})`)

const running: ChildProcess[] = []
afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

/** `node --import tsx examples/io-models/<model>.ts --port 0`, as `npx tsx` runs it. */
function start(model: string): { child: ChildProcess; output: () => string; port: Promise<number> } {
  const child = spawn(process.execPath, ['--import', 'tsx', `examples/io-models/${model}.ts`, '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  running.push(child)
  let output = ''
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk))
  const port = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk
      const match = /listening on 127\.0\.0\.1:(\d+)/.exec(output)
      if (match) resolve(Number(match[1]))
    })
    child.once('exit', (code) => reject(new Error(`${model} exited (${code}) before listening: ${output}`)))
  })
  // A test that expects the exit does not await the port: its rejection is handled here, and
  // still rejects for a test that does await it.
  port.catch(() => {})
  return { child, output: () => output, port }
}

/** Sends `data` on one connection, collects as many bytes back, then half-closes and waits for the server's close. */
async function echoThrough(port: number, data: Buffer): Promise<Buffer> {
  const socket = connect({ port, host: '127.0.0.1' })
  await once(socket, 'connect')
  const chunks: Buffer[] = []
  let received = 0
  const all = new Promise<void>((resolve) =>
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.length
      if (received >= data.length) resolve()
    }),
  )
  socket.write(data)
  await all
  const closed = once(socket, 'close')
  socket.end() // the server must see end of stream and close its side
  await closed
  return Buffer.concat(chunks)
}

describe.each(MODELS)('examples/io-models/%s.ts', (model) => {
  it.skipIf(model === 'io_uring' && !uring.supported)('echoes 64 KiB byte for byte and stops on SIGINT', async () => {
    const server = start(model)
    const port = await server.port
    const data = randomBytes(64 * 1024)
    const echoed = await echoThrough(port, data)
    expect(echoed.length).toBe(data.length)
    expect(echoed.equals(data)).toBe(true)
    const exited = once(server.child, 'exit')
    server.child.kill('SIGINT')
    await exited
    expect(server.output()).not.toMatch(/Error/)
  })
})

describe.skipIf(uring.supported)('examples/io-models/io_uring.ts without io_uring', () => {
  it('exits with a message that says why', async () => {
    const server = start('io_uring')
    const [code] = await once(server.child, 'exit')
    expect(code).toBe(1)
    expect(server.output()).toContain(`io_uring is not available here: ${uring.reason}`)
  })
})
