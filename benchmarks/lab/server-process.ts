/** Starting and stopping one model's echo server for the lab, pinned to a CPU. */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import type { ModelSpec } from './models.js'

/** A server that printed its listening line. */
export interface RunningServer {
  child: ChildProcess
  pid: number
  port: number
  /** Everything the server wrote to stderr so far (refusals, warnings). */
  stderr(): string
}

/** The listening line of every server here: "... listening on 127.0.0.1:P ..." or "listening P". */
const LISTENING = /listening (?:on [\d.]+:)?(\d+)/

/**
 * Starts `spec` (under `taskset -c cpu` when `cpu` is given) and resolves once it prints its
 * listening line; rejects with what it printed if it exits first or stays silent for 60 s.
 */
export function startServer(spec: ModelSpec, cpu: string | null): Promise<RunningServer> {
  const argv = [process.execPath, ...spec.argv, '--port', '0']
  const command = cpu === null ? argv : ['taskset', '-c', cpu, ...argv]
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...spec.env } })
  let stdout = ''
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk))
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer)
      child.kill('SIGKILL')
      reject(new Error(`${why}: ${(stderr || stdout).trim().split('\n').slice(0, 3).join(' / ')}`))
    }
    const timer = setTimeout(() => fail('no listening line within 60 s'), 60_000)
    child.once('exit', (code, signal) => fail(`exited (${signal ?? code}) before listening`))
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk
      const match = LISTENING.exec(stdout)
      if (match === null) return
      clearTimeout(timer)
      child.removeAllListeners('exit')
      child.stdout!.removeAllListeners('data')
      child.stdout!.resume()
      resolve({ child, pid: child.pid!, port: Number(match[1]), stderr: () => stderr })
    })
  })
}

/** SIGTERM, then SIGKILL if it is still there after 5 s; resolves once it has exited. */
export async function stopServer(server: RunningServer): Promise<void> {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return
  const exited = once(server.child, 'exit')
  server.child.kill('SIGTERM')
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}
