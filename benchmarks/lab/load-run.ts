/**
 * One measurement: bin/echo-load against a running server, with the server's CPU time sampled
 * over exactly the counted seconds and its memory and threads sampled while every connection
 * is still open (echo-load --hold 1 prints its phases and waits before closing).
 */
import { spawn } from 'node:child_process'
import { type ProcessSample, sampleProcess } from './process-sample.js'

/** What to run: echo-load's options, and where to pin it. */
export interface LoadOptions {
  loadBin: string
  port: number
  conns: number
  active: number
  size: number
  depth: number
  seconds: number
  warmup: number
  /** Seconds every connection gets to make its first round trip. */
  primeSeconds: number
  /** `taskset -c` CPU list for the load, or null. */
  cpu: string | null
}

/** What echo-load printed, and what the lab saw of the server meanwhile. */
export interface LoadResult {
  rps: number
  roundTrips: number
  p50Us: number
  p99Us: number
  /** Connections the server closed (refused). */
  closed: number
  /** Data errors: bytes that came back wrong (not closes). */
  corrupt: number
  /** Server CPU microseconds per counted round trip. */
  cpuUsPerRoundTrip: number
  /** Server CPU over the counted seconds, as a share of one core. */
  serverCpuShare: number
  /** The server with every connection open, after the counted seconds. */
  loaded: ProcessSample
}

/** Runs the load; rejects with echo-load's message when it fails (e.g. connections never answered). */
export function runLoad(serverPid: number, o: LoadOptions): Promise<LoadResult> {
  const argv = [o.loadBin, '--port', o.port, '--conns', o.conns, '--active', o.active, '--size', o.size, '--depth', o.depth]
    .concat(['--seconds', o.seconds, '--warmup', o.warmup, '--prime', o.primeSeconds, '--hold', 1])
    .map(String)
  const command = o.cpu === null ? argv : ['taskset', '-c', o.cpu, ...argv]
  const load = spawn(command[0], command.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  load.stderr!.on('data', (chunk: Buffer) => (stderr += chunk))
  let pending = ''
  let counting: { sample: ProcessSample; at: number } | null = null
  let result: LoadResult | null = null
  return new Promise((resolve, reject) => {
    let failure: Error | null = null
    load.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk
      try {
        readLines()
      } catch (error) {
        // The server vanished (its /proc entry with it): end the load and report that.
        failure = new Error(`the server exited during the load (${(error as Error).message})`)
        load.stdin!.end()
        load.kill('SIGTERM')
      }
    })
    const readLines = () => {
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = JSON.parse(pending.slice(0, nl))
        pending = pending.slice(nl + 1)
        if (line.phase === 'counting') counting = { sample: sampleProcess(serverPid), at: performance.now() }
        else if (line.rps !== undefined && counting !== null) {
          const loaded = sampleProcess(serverPid)
          const cpu = loaded.cpuSeconds - counting.sample.cpuSeconds
          const wall = (performance.now() - counting.at) / 1000
          result = {
            rps: line.rps,
            roundTrips: line.roundTrips,
            p50Us: line.p50Us,
            p99Us: line.p99Us,
            closed: line.closed,
            corrupt: line.errors - line.closed,
            cpuUsPerRoundTrip: line.roundTrips > 0 ? (cpu * 1e6) / line.roundTrips : NaN,
            serverCpuShare: cpu / wall,
            loaded,
          }
          load.stdin!.end() // lets echo-load close its connections and exit
        }
      }
    }
    load.once('close', (code) => {
      if (failure !== null) reject(failure)
      else if (result !== null) resolve(result)
      else reject(new Error(stderr.trim().split('\n').slice(-1)[0] || `echo-load exited with ${code} and no result`))
    })
  })
}
