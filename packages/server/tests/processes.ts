/**
 * Child processes for the deployment tests (io-serve, socket-activation harnesses, HAProxy):
 * started with their output collected, waited on by condition, and all killed after each test
 * so that a failed assertion never leaves one running. Processes that a child starts itself
 * are killed too: io-serve's successors (found in its output), and any registered with `adopt`.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process'
import { readFileSync } from 'node:fs'
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

const started: Started[] = []
const adopted = new Set<number>()

afterEach(() => {
  for (const proc of started.splice(0)) {
    const { child } = proc
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    // io-serve's successors (started on SIGUSR2), even those a failed test never looked for.
    for (const match of proc.stdout.matchAll(/handed over to pid (\d+)/g)) adopted.add(Number(match[1]))
  }
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

/** True while the process `pid` exists and is not a zombie waiting for its parent to reap it. */
export function alive(pid: number): boolean {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
  } catch {
    return false
  }
  // "pid (comm) state ...": comm may hold spaces and parentheses, the state follows the last ')'.
  return stat[stat.lastIndexOf(')') + 2] !== 'Z'
}

/** Kills the process `pid` after the test, whatever happens (a process a child started). */
export function adopt(pid: number): void {
  adopted.add(pid)
}

/** How a process is started: its environment, and stdio entries past 2 to pass fds. */
export interface StartOptions {
  env?: NodeJS.ProcessEnv
  stdio?: StdioOptions
}

/** Starts `command` with stdout and stderr collected (extra stdio entries pass fds). */
export function start(command: string, args: string[], options: StartOptions = {}): Started {
  const child = spawn(command, args, { stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'], env: options.env ?? process.env })
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
  started.push(state)
  return state
}

/** Starts io-serve with `args` (node, with `execArgv` if given, running the built CLI). */
export function ioServe(args: string[], options: StartOptions & { execArgv?: string[] } = {}): Started {
  return start(process.execPath, [...(options.execArgv ?? []), IO_SERVE, ...args], options)
}

/** The port in io-serve's "listening on host:port" line. */
export async function listeningPort(server: Started): Promise<number> {
  return Number((await server.line(/listening on \S+:(\d+) /))[1])
}

/**
 * The restart and load-balancer tests start real processes and load them for a while: they
 * run in the suite's passes with IO_BACKEND unset or 'epoll' only (once each per full run),
 * not again for every backend, whose engines the rest of the suite covers.
 */
export function deploymentPass(file: string): boolean {
  const backend = process.env.IO_BACKEND
  if (backend === undefined || backend === '' || backend === 'epoll') return true
  console.log(`${file}: skipped with IO_BACKEND=${backend} (these tests run in the passes with IO_BACKEND unset or epoll)`)
  return false
}
