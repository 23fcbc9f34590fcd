// A handler that throws is never silent: it reaches the `error` handler, or, without one, it is
// an uncaught exception that ends the process (as an exception thrown by a node:net 'data'
// listener does). The server runs in a child process so that its fate can be observed.
import { type ChildProcess, spawn } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { BACKENDS, backendLabel } from './helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/throwing-handler.ts', import.meta.url))
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL')
})

interface Run {
  child: ChildProcess
  port: number
  stdout: () => string
  stderr: () => string
  exit: Promise<number | null>
}

async function start(backend: string, style: string, withErrorHandler: boolean): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, backend, style, withErrorHandler ? '1' : '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  children.push(child)
  let out = ''
  let err = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (err += d))
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', () => {
      const m = /listening (\d+)/.exec(out)
      if (m) resolve(Number(m[1]))
    })
    exit.then((code) => reject(new Error(`server exited (${code}) before listening: ${err}`)))
  })
  return { child, port, stdout: () => out, stderr: () => err, exit }
}

/** Sends `text` and resolves with what came back before the server closed the connection. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text))
    let got = ''
    socket.on('data', (d) => {
      got += d
      if (got === text) socket.end()
    })
    socket.on('error', () => {})
    socket.on('close', () => resolve(got))
  })
}

describe.each(BACKENDS.map((b) => [backendLabel(b), b] as const))('a throwing handler on %s', (_label, backend) => {
  describe.each(['callbacks', 'coroutine'])('%s style', (style) => {
    it('without an error handler is an uncaught exception: the process ends with the error', async () => {
      const run = await start(backend, style, false)
      await exchange(run.port, 'boom')
      expect(await run.exit).toBe(1)
      expect(run.stderr()).toContain(`boom from ${style === 'coroutine' ? 'a coroutine' : 'data'}`)
    })

    it('with an error handler reaches it while the connection is open; the server serves the others', async () => {
      const run = await start(backend, style, true)
      expect(await exchange(run.port, 'boom')).toBe('')
      expect(await exchange(run.port, 'hello')).toBe('hello')
      expect(run.stdout()).toContain(`error handler: boom from ${style === 'coroutine' ? 'a coroutine' : 'data'}; open: true`)
      expect(run.child.exitCode).toBe(null)
    })
  })
})
