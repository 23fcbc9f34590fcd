// io-serve runs from the build (dist/cli.js): `npm run build` first (npm install does).
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterEach, describe, expect, it, onTestFinished } from 'vitest'
import { client, until } from './helpers.js'

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }

/** stderr without the one-line warning an IO_BACKEND=uring run prints where io_uring is missing. */
function withoutUringWarning(stderr: string): string {
  return stderr.replace(/^\(node:\d+\) \[IO_URING_UNAVAILABLE\].*\n(\(Use `node --trace-warnings.*\n)?/m, '')
}

const children: ChildProcess[] = []
afterEach(() => {
  // A failed assertion must not leave a server running.
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

function run(args: string[], node: { preload?: string; env?: NodeJS.ProcessEnv } = {}) {
  const nodeArgs = node.preload ? ['--import', node.preload] : []
  const env = { ...process.env, ...node.env }
  const child = spawn(process.execPath, [...nodeArgs, cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env })
  children.push(child)
  const out = { stdout: '', stderr: '', code: null as number | null, signal: null as string | null, exited: false }
  child.stdout.on('data', (d) => (out.stdout += d))
  child.stderr.on('data', (d) => (out.stderr += d))
  child.on('exit', (code, signal) => Object.assign(out, { code, signal, exited: true }))
  return { child, out }
}

describe.skipIf(!existsSync(cli))('io-serve', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)('prints its address, echoes, and exits 0 on %s', async (signal) => {
    const { child, out } = run(['echo', '--port', '0', '--host', '127.0.0.1', '--backend', 'epoll'])
    await until(() => out.stdout.includes('\n') || out.exited)
    // --backend wins over the inherited IO_BACKEND, as a backend named in code does.
    const match = /^io-serve echo listening on 127\.0\.0\.1:(\d+) \(backend epoll, 1 worker\)\n$/.exec(out.stdout)
    expect(match, out.stdout + out.stderr).not.toBeNull()
    const c = await client(Number(match![1]))
    c.socket.write('hello cli')
    await until(() => c.bytes === 9)
    expect(c.received().toString()).toBe('hello cli')
    child.kill(signal)
    await until(() => out.exited && c.closed)
    expect(out.code).toBe(0)
    expect(withoutUringWarning(out.stderr)).toBe('')
  })

  it('runs workers', async () => {
    const { child, out } = run(['echo', '--port', '0', '--workers', '2'])
    await until(() => out.stdout.includes('\n') || out.exited)
    const match = /listening on 127\.0\.0\.1:(\d+) \(backend \S+, 2 workers\)/.exec(out.stdout)
    expect(match, out.stdout + out.stderr).not.toBeNull()
    const c = await client(Number(match![1]))
    c.socket.write('via a worker')
    await until(() => c.bytes === 12)
    child.kill('SIGTERM')
    await until(() => out.exited)
    expect(out.code).toBe(0)
  })

  it('exits 0 on a SIGTERM sent as soon as the address line is read (handlers are set before it)', async () => {
    // The preload stalls the main thread right after the line until `release` exists; the
    // signal is sent inside that stall. Printed before its handlers, io-serve died of SIGTERM.
    const dir = mkdtempSync(join(tmpdir(), 'io-serve-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const release = join(dir, 'release')
    const { child, out } = run(['echo', '--port', '0', '--workers', '2'], {
      preload: pathToFileURL(fileURLToPath(new URL('./fixtures/stall-after-ready.mjs', import.meta.url))).href,
      env: { IO_TEST_RELEASE: release },
    })
    await until(() => out.stdout.includes('\n') || out.exited)
    expect(out.stdout, out.stderr).toMatch(/listening on 127\.0\.0\.1:\d+ \(backend \S+, 2 workers\)/)
    child.kill('SIGTERM')
    writeFileSync(release, '')
    await until(() => out.exited)
    expect({ code: out.code, signal: out.signal }).toEqual({ code: 0, signal: null })
  })

  it.each([
    [[], /no command given/],
    [['serve'], /unknown command "serve"/],
    [['echo'], /--port is required/],
    [['echo', '--port', 'x'], /bad --port "x"/],
    [['echo', '--port', '0', '--workers', '0'], /bad --workers "0"/],
    [['echo', '--port', '0', '--backend', 'kqueue'], /"backend" must be one of/],
    [['echo', '--port', '0', '--color', 'red'], /unknown option "--color"/],
  ])('exits 2 with usage for bad arguments %j', async (args, message) => {
    const { out } = run(args)
    await until(() => out.exited)
    expect(out.code).toBe(2)
    expect(out.stderr).toMatch(message)
    expect(out.stderr).toContain('usage: io-serve <command> --port P')
  })

  it.each([['--help'], ['-h'], ['echo', '--help']])('%j prints the usage on stdout and exits 0', async (...args) => {
    const { out } = run(args)
    await until(() => out.exited)
    expect(out.code).toBe(0)
    expect(out.stdout).toContain('usage: io-serve <command> --port P')
    expect(out.stdout).toMatch(/^ {2}echo +writes back every byte/m)
  })

  it('--version prints the package version and exits 0', async () => {
    const { out } = run(['--version'])
    await until(() => out.exited)
    expect(out.code).toBe(0)
    expect(out.stdout).toBe(`${pkg.version}\n`)
  })

  it('takes --option=value as well as --option value', async () => {
    const { out } = run(['echo', '--port=0', '--host=127.0.0.1'])
    await until(() => out.stdout.includes('\n') || out.exited)
    const match = /listening on 127\.0\.0\.1:(\d+) /.exec(out.stdout)
    expect(match, out.stdout + out.stderr).not.toBeNull()
    const c = await client(Number(match![1]))
    c.socket.write('eq')
    await until(() => c.bytes === 2)
    c.socket.destroy()
  })

  it('is linked as a command of the workspace (npx io-serve works after npm install)', async () => {
    const bin = fileURLToPath(new URL('../../../node_modules/.bin/io-serve', import.meta.url))
    expect(existsSync(bin)).toBe(true)
    const child = spawn(bin, ['--version'], { stdio: ['ignore', 'pipe', 'pipe'] })
    children.push(child)
    let stdout = ''
    child.stdout.on('data', (d) => (stdout += d))
    const code = await new Promise((resolve) => child.on('exit', resolve))
    expect(code).toBe(0)
    expect(stdout).toBe(`${pkg.version}\n`)
  })

  it('exits 1 with the error when the port is taken', async () => {
    const first = run(['echo', '--port', '0'])
    await until(() => first.out.stdout.includes('\n'))
    const port = /:(\d+) /.exec(first.out.stdout)![1]
    const second = run(['echo', '--port', port])
    await until(() => second.out.exited)
    expect(second.out.code).toBe(1)
    expect(second.out.stderr).toMatch(/EADDRINUSE/)
    first.child.kill('SIGTERM')
    await until(() => first.out.exited)
  })
})
