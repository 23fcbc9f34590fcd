/**
 * What the lab reads about a server process from /proc: CPU time, anonymous memory, threads.
 * Every figure covers the whole process (all its threads, including ones that have exited).
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100

export interface ProcessSample {
  /** user + system CPU seconds since the process started (1/CLK_TCK resolution). */
  cpuSeconds: number
  /** Anonymous resident memory (heap, stacks, buffers; not the mapped binary), in KiB. */
  rssAnonKb: number
  threads: number
}

/** Samples process `pid`; throws if it has exited. */
export function sampleProcess(pid: number): ProcessSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // after "pid (comm) "
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN)
  return {
    cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND, // utime, stime
    rssAnonKb: field('RssAnon'),
    threads: field('Threads'),
  }
}

/** How many fds process `pid` has open. */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length
}

/**
 * Resolves once process `pid` is back to at most `fds` open fds (the connections of the last
 * load are closed on its side too), checking every 50 ms; false if that takes over 30 s.
 */
export async function fdsBackTo(pid: number, fds: number): Promise<boolean> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (openFds(pid) <= fds) return true
  }
  return false
}

/** MemAvailable from /proc/meminfo, in KiB. */
export function memAvailableKb(): number {
  return Number(/^MemAvailable:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0)
}

/** The per-user queue of pending real-time signals (RLIMIT_SIGPENDING) of this process. */
export function pendingSignalLimit(): number {
  return Number(/^Max pending signals\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? NaN)
}
