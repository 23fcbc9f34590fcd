/**
 * Child processes for the deployment tests (io-serve, socket-activation harnesses, HAProxy):
 * started with their output collected, waited on by condition, and all killed after each test
 * so that a failed assertion never leaves one running. Processes that a child starts itself
 * (io-serve's successor on restart) are registered by pid with `adopt`.
 */
import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach } from 'vitest'
import { until } from './helpers.js'

/** The built io-serve entry (`npm run build` makes it). */
export const IO_SERVE = fileURLToPath(new URL('../dist/cli.js', import.meta.url))

/** A started process and what it wrote (the fields follow it as it runs). */
export interface Started {
  child: ChildProcess
  stdout: string
  stderr: string
  exited: boolean
  code: number | null
  signal: NodeJS.Signals | null
  /** Resolves with the first match of `pattern` in stdout (waits for it; throws if the process exits first). */
  line(pattern: RegExp): Promise<RegExpExecArray>
}

const started: ChildProcess[] = []
const adopted = new Set<number>()

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  for (const pid of adopted) kill(pid, 'SIGKILL')
  adopted.clear()
})

/** Sends `signal` to `pid`, ignoring a process that is already gone. */
export function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal)
  } catch (err) {
    if ((err as { code?: string }).code !== 'ESRCH') throw err
  }
}

/** True while the process `pid` exists (and is not a zombie waiting for its parent). */
export function alive(pid: number): boolean {
  const status = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim()
  return status !== '' && !status.startsWith('Z')
}

/** Kills the process `pid` after the test, whatever happens (a process a child started). */
export function adopt(pid: number): void {
  adopted.add(pid)
}

/** Starts `command` with stdout and stderr collected (extra stdio entries pass fds). */
export function start(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions } = {}): Started {
  const child = spawn(command, args, { stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
  started.push(child)
  const state: Started = {
    child,
    stdout: '',
    stderr: '',
    exited: false,
    code: null,
    signal: null,
    async line(pattern: RegExp) {
      await until(() => pattern.test(state.stdout) || state.exited)
      const match = pattern.exec(state.stdout)
      if (match === null) throw new Error(`exited (${state.code ?? state.signal}) without printing ${pattern}:\n${state.stdout}${state.stderr}`)
      return match
    },
  }
  child.stdout!.on('data', (d) => (state.stdout += d))
  child.stderr!.on('data', (d) => (state.stderr += d))
  child.on('exit', (code, signal) => Object.assign(state, { exited: true, code, signal }))
  return state
}

/** Starts io-serve with `args` (node running the built CLI). */
export function ioServe(args: string[], options: { env?: NodeJS.ProcessEnv; stdio?: StdioOptions } = {}): Started {
  return start(process.execPath, [IO_SERVE, ...args], options)
}

/** The port in io-serve's "listening on host:port" line. */
export async function listeningPort(server: Started): Promise<number> {
  return Number((await server.line(/listening on \S+:(\d+) /))[1])
}
