/**
 * The processes of a peer benchmark: servers started pinned to one CPU and known by the line
 * they print once listening, load generators pinned to another, their CPU time and memory read
 * from /proc, and every one of them killed when the benchmark ends, however it ends.
 *
 * Each child runs in its own process group (so a load generator started through a shell goes
 * with it); the groups are killed on exit, on SIGINT/SIGTERM and on an uncaught error.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** What a server runs on: its memory is settled differently (see settleMemory). */
export type Runtime = 'node' | 'bun' | 'native'

/** A server under test: a command (executable first) that prints a listening line. */
export interface ServerSpec {
  /** Short name for the command line (`--servers`) and the JSON. */
  name: string
  /** Name in tables and charts. */
  label: string
  runtime: Runtime
  command: string[]
  /** For @io/server: the backend it must report listening on, else it fell back. */
  engine?: string
}

/** A server that is listening. */
export interface RunningServer {
  spec: ServerSpec
  child: ChildProcess
  pid: number
  port: number
}

/** A server that could not be measured, and why (in words a reader can act on). */
export interface UnavailableServer {
  spec: ServerSpec
  unavailable: string
}

const children = new Set<ChildProcess>()

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // already gone
  }
}

process.on('exit', () => {
  for (const child of children) killGroup(child, 'SIGKILL')
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    process.stderr.write(`\n${signal}: stopping every server and load generator\n`)
    process.exit(signal === 'SIGINT' ? 130 : 143)
  })
}

/**
 * Makes sure this process (and so every child it starts) may open `needed` files: raises the
 * soft limit to the hard one with prlimit if it is lower, and warns if even that is too low.
 */
export function ensureOpenFiles(needed: number): void {
  const limits = /Max open files\s+(\d+)\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))
  if (limits === null) return
  const [soft, hard] = [Number(limits[1]), Number(limits[2])]
  if (soft < needed && soft < hard) execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${hard}:${hard}`])
  if (hard < needed) console.warn(`open files are limited to ${hard} per process, under the ${needed} this run needs`)
}

/** Spawns a command in its own process group, pinned to `cpu`; killed when this process exits. */
export function spawnPinned(cpu: string, command: string[]): ChildProcess {
  const child = spawn('taskset', ['-c', cpu, ...command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

const LISTENING = /listening (?:on \S+:)?(\d+)(?: \(backend (\S+),)?/

/**
 * Starts a server pinned to `cpu` and resolves once it prints its listening line: with the
 * port, or with why it is not available (it exited first, e.g. a command that does not exist
 * yet; it fell back to another backend; it printed nothing within 30 s).
 */
export function startServer(spec: ServerSpec, cpu: string, command = spec.command): Promise<RunningServer | UnavailableServer> {
  return new Promise((resolve) => {
    const child = spawnPinned(cpu, command)
    let out = ''
    let err = ''
    const timer = setTimeout(() => {
      killGroup(child, 'SIGKILL')
      resolve({ spec, unavailable: 'printed no listening line within 30 s' })
    }, 30_000)
    child.stderr!.on('data', (chunk) => {
      err += chunk
    })
    child.stdout!.on('data', (chunk) => {
      out += chunk
      const line = LISTENING.exec(out)
      if (line === null) return
      clearTimeout(timer)
      child.stdout!.removeAllListeners('data')
      child.stdout!.resume()
      child.removeAllListeners('exit')
      child.once('exit', () => children.delete(child))
      child.stderr!.removeAllListeners('data')
      child.stderr!.on('data', (chunk) => process.stderr.write(`[${spec.name}] ${chunk}`))
      process.stderr.write(err.length > 0 ? `[${spec.name}] ${err}` : '')
      if (spec.engine !== undefined && line[2] !== spec.engine) {
        killGroup(child, 'SIGKILL')
        resolve({ spec, unavailable: `fell back to backend ${line[2]}` })
      } else resolve({ spec, child, pid: child.pid!, port: Number(line[1]) })
    })
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      const said = `${err}\n${out}`.split('\n').map((l) => l.trim()).filter(Boolean)
      resolve({ spec, unavailable: `exited (${signal ?? code}) before listening${said.length > 0 ? `: ${said[0]}` : ''}` })
    })
  })
}

/** Stops a server: SIGTERM, then SIGKILL if it has not exited within 5 s. */
export async function stopServer(server: RunningServer): Promise<void> {
  const { child } = server
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  killGroup(child, 'SIGTERM')
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}

/** Whether a server start gave a listening server. */
export function isRunning(server: RunningServer | UnavailableServer): server is RunningServer {
  return 'port' in server
}

const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())

/** CPU seconds (user + system, all threads) a process has used, from /proc/PID/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / clockTicks // utime, stime
}

/**
 * Waits until none of `pids` is using the CPU (each under 2% of a core over 200 ms), for at
 * most `limitMs`. Servers measured one after the other share a core: one still working off
 * what its load left queued (a slow server keeps answering buffered messages after the load
 * generator has gone) would take that core from the next one measured. Returns the
 * milliseconds waited, or -1 when the limit passed first. A process that is gone is skipped.
 */
export async function untilQuiet(pids: number[], limitMs = 30_000): Promise<number> {
  const start = performance.now()
  const usage = () => pids.map((pid) => (existsSync(`/proc/${pid}/stat`) ? cpuSeconds(pid) : 0))
  let before = usage()
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    const now = usage()
    if (now.every((cpu, i) => cpu - before[i] < 0.004)) return performance.now() - start
    if (performance.now() - start > limitMs) return -1
    before = now
  }
}

/** Resident memory of a process, in bytes: all of it, and the anonymous part (no file pages). */
export function residentMemory(pid: number): { rss: number; rssAnon: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)![1]) * 1024
  return { rss: kb('VmRSS'), rssAnon: kb('RssAnon') }
}

const gcPreload = fileURLToPath(new URL('./collect-garbage-on-signal.mjs', import.meta.url))

/**
 * The command with a preload that runs a full garbage collection on SIGWINCH, for JavaScript
 * servers whose memory is measured (settleMemory sends the signal). Native servers unchanged.
 * `youngGenerationMb`, for Node servers: V8's young generation held at that size (each of its
 * two semi-spaces), instead of the default, which starts at 1 MB and grows when enough of what
 * it holds survives collections.
 */
export function withGcOnSignal(spec: ServerSpec, youngGenerationMb?: number): string[] {
  const [executable, ...rest] = spec.command
  const young = youngGenerationMb === undefined ? [] : [`--min-semi-space-size=${youngGenerationMb}`, `--max-semi-space-size=${youngGenerationMb}`]
  if (spec.runtime === 'node') return [executable, '--expose-gc', ...young, '--import', gcPreload, ...rest]
  if (spec.runtime === 'bun') return [executable, '--preload', gcPreload, ...rest]
  return spec.command
}

/**
 * Memory of a server at rest. A JavaScript server (started with withGcOnSignal) is asked for a
 * full collection, twice: what one collection leaves (a heap shrinks over more than one) would
 * otherwise show up as memory per connection. After each, RSS is sampled every 250 ms until
 * three samples in a row lie within 32 KB (a runtime gives pages back lazily), at most 3 s;
 * the last sample is returned.
 */
export async function settleMemory(server: RunningServer): Promise<{ rss: number; rssAnon: number }> {
  let last = residentMemory(server.pid)
  for (let collection = 0; collection < (server.spec.runtime === 'native' ? 1 : 2); collection++) {
    if (server.spec.runtime !== 'native') signalServer(server, 'SIGWINCH')
    const samples = [residentMemory(server.pid)]
    for (let i = 0; i < 12; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250))
      samples.push(residentMemory(server.pid))
      const rss = samples.slice(-3).map((m) => m.rss)
      if (rss.length === 3 && Math.max(...rss) - Math.min(...rss) < 32 * 1024) break
    }
    last = samples[samples.length - 1]
  }
  return last
}

function signalServer(server: RunningServer, signal: NodeJS.Signals): void {
  try {
    process.kill(server.pid, signal)
  } catch {
    // gone: the next /proc read says so
  }
}

/** The result of a load generator run to its end. */
export interface LoadRun {
  stdout: string
  code: number | null
  /** CPU seconds the load generator used (user + system). */
  cpuSeconds: number
  wallSeconds: number
}

/**
 * Runs a load generator pinned to `cpu` until it exits; `onLine` sees each line of its stdout
 * as it comes (to sample the server at the moments the load announces). Its CPU time comes
 * from the shell's `times` after it exits, so it is exact, not sampled.
 */
export function runLoad(cpu: string, command: string[], options: { onLine?: (line: string) => void; timeoutMs?: number } = {}): Promise<LoadRun> {
  return new Promise((resolve, reject) => {
    const script = '"$@"; status=$?; times; exit $status'
    const started = performance.now()
    const child = spawnPinned(cpu, ['bash', '-c', script, 'load', ...command])
    child.stdin!.end()
    let stdout = ''
    let pending = ''
    let stderr = ''
    child.stdout!.on('data', (chunk) => {
      stdout += chunk
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop()!
      for (const line of lines) options.onLine?.(line)
    })
    child.stderr!.on('data', (chunk) => {
      stderr += chunk
    })
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), options.timeoutMs ?? 120_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      const wallSeconds = (performance.now() - started) / 1000
      // `times` prints the shell's own user/system times, then its children's: the last line.
      const lines = stdout.trimEnd().split('\n')
      const times = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/.exec(lines[lines.length - 1] ?? '')
      if (times === null) {
        reject(new Error(`${command[0]} ended (${code}) without its CPU times: ${stderr.trim() || stdout.trim()}`))
        return
      }
      const cpu = Number(times[1]) * 60 + Number(times[2]) + Number(times[3]) * 60 + Number(times[4])
      if (stderr.trim().length > 0) process.stderr.write(`[${command[0]}] ${stderr}`)
      resolve({ stdout: lines.slice(0, -2).join('\n'), code, cpuSeconds: cpu, wallSeconds })
    })
  })
}
