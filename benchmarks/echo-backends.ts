/**
 * io_uring vs epoll: one echo server written once (benchmarks/echo/handler.ts) over each @io/core
 * backend, against the plain C epoll echo server, under the C load generator.
 *
 *   bash benchmarks/build.sh          # once: bin/echo-load and bin/c-echo-server
 *   npx tsx benchmarks/echo-backends.ts [--seconds 3] [--warmup 1] [--runs 3]
 *       [--conns 1,100,1000] [--sizes 64,4096] [--depths 1,16]
 *       [--backends c,epoll,epoll-et,uring,uring-wait] [--server-cpu 0] [--load-cpu 1]
 *
 * Servers (all started once, idle while another is measured; each pinned to --server-cpu):
 *   c           benchmarks/c-echo-server.c, level-triggered epoll: the floor
 *   epoll       @io/core Epoll, level-triggered, inside Node's loop
 *   epoll-et    @io/core Epoll, edge-triggered, inside Node's loop
 *   uring       @io/core Uring, multishot accept/recv + BufferRing, inside Node's loop (start)
 *   uring-wait  the same, driven by a blocking wait() loop (a dedicated thread's way)
 * The load (bin/echo-load, pinned to --load-cpu) keeps `depth` messages of `size` bytes in
 * flight on each of `conns` connections and counts round trips; it checks every echoed byte.
 * For each scenario the servers are measured back to back, `runs` times, in rotating order;
 * the table shows medians and ratios taken from the same runs.
 *
 * Writes docs/echo-backends.json, docs/echo-backends.svg and the "io_uring vs epoll echo"
 * section of docs/benchmarks.md. `--from-json 1` redraws the last two from the first.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Uring } from '@io/core'
import { type EchoRecord, type ScenarioResult, cpuRows, renderEchoReport, throughputRows } from './echo/report.js'
import { docsDir, machine, markdownTable, revision, writeJson } from './lib/report.js'
import { cliArgs, echoRunArgs, listArg } from './lib/args.js'

const args = cliArgs()
const { seconds, warmup, runs, connCounts, sizes, depths, serverCpu, loadCpu } = echoRunArgs(args, { seconds: 3, warmup: 1 })

if (args.has('from-json')) {
  // Redraw the tables, chart and section from recorded runs, measuring nothing.
  const recorded = JSON.parse(readFileSync(`${docsDir}echo-backends.json`, 'utf8')) as EchoRecord
  recorded.backends ??= Object.keys(recorded.results[0].rps) // records made before the field existed
  renderEchoReport(recorded)
  process.exit(0)
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const loadBin = here('./bin/echo-load')
const cServerBin = here('./bin/c-echo-server')
const serverScript = here('./echo/server.ts')

let backends = listArg(args, 'backends', 'c,epoll,epoll-et,uring,uring-wait')
const support = Uring.isSupported()
if (!support.supported) {
  console.warn(`io_uring unavailable, measuring epoll only: ${support.reason}`)
  backends = backends.filter((b) => !b.startsWith('uring'))
}
if (!existsSync(loadBin) || !existsSync(cServerBin)) execFileSync('bash', [here('./build.sh')], { stdio: 'inherit' })

// Pin server and load to different cores so that neither steals the other's CPU.
const pinned = cpus().length >= 2 && (() => {
  try {
    execFileSync('taskset', ['-c', serverCpu, 'true'])
    return true
  } catch {
    return false
  }
})()
if (!pinned) console.warn('taskset unavailable or one CPU: server and load are not pinned')
const onCpu = (cpu: string, command: string[]) => (pinned ? ['taskset', '-c', cpu, ...command] : command)

interface Server {
  backend: string
  child: ChildProcess
  port: number
}

function startServer(backend: string): Promise<Server> {
  const command =
    backend === 'c'
      ? onCpu(serverCpu, [cServerBin, '--port', '0'])
      : onCpu(serverCpu, [process.execPath, '--import', 'tsx', serverScript, '--backend', backend])
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk
      const match = /listening (\d+)/.exec(out)
      if (match) resolve({ backend, child, port: Number(match[1]) })
    })
    child.once('exit', (code) => reject(new Error(`${backend} server exited (${code}) before listening`)))
  })
}

interface LoadResult {
  rps: number
  errors: number
  roundTrips: number
  /** Server CPU time (user + system, all threads) per round trip, in microseconds. */
  cpuUsPerRoundTrip: number
}

const TICK_NS = 1e9 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim() || 100)

/** CPU time (user + system, all threads) a process has used, in ns, from /proc/PID/stat. */
function cpuNs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ') // after "pid (comm) "
  return (Number(fields[11]) + Number(fields[12])) * TICK_NS // utime, stime: fields 14 and 15
}

/**
 * Runs the load against one server; the server's CPU time is sampled when the warm-up ends
 * and when the load exits, so it covers the counted seconds (and the load's brief teardown).
 * CPU per round trip is the number that contention from other processes disturbs least: a
 * busy machine slows every server down, but each still spends about the same CPU per echo.
 */
function runLoad(server: Server, conns: number, size: number, depth: number): Promise<LoadResult> {
  const command = onCpu(loadCpu, [
    loadBin,
    ...['--port', String(server.port), '--conns', String(conns), '--size', String(size), '--depth', String(depth)],
    ...['--seconds', String(seconds), '--warmup', String(warmup)],
  ])
  const load = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] })
  let stdout = ''
  load.stdout!.on('data', (chunk: Buffer) => (stdout += chunk))
  let cpuStart = cpuNs(server.child.pid!)
  const timer = setTimeout(() => (cpuStart = cpuNs(server.child.pid!)), warmup * 1000)
  return new Promise((resolve, reject) => {
    load.once('exit', () => {
      clearTimeout(timer)
      const cpu = cpuNs(server.child.pid!) - cpuStart
      const line = stdout.trim().split('\n').pop() ?? ''
      if (!line.startsWith('{')) return reject(new Error(`echo-load printed no result: ${stdout}`))
      const result = JSON.parse(line) as LoadResult
      result.cpuUsPerRoundTrip = result.roundTrips > 0 ? cpu / 1000 / result.roundTrips : NaN
      resolve(result)
    })
  })
}

const servers = new Map<string, Server>()
const stopAll = () => {
  for (const s of servers.values()) s.child.kill('SIGTERM')
}
process.on('exit', stopAll)
for (const backend of backends) servers.set(backend, await startServer(backend))

const loadAtStart = loadavg()[0]
const scenarios = connCounts.flatMap((conns) => sizes.flatMap((size) => depths.map((depth) => ({ conns, size, depth }))))
const results: ScenarioResult[] = []
for (const { conns, size, depth } of scenarios) {
  const result: ScenarioResult = { conns, size, depth, rps: {}, cpuUsPerRoundTrip: {}, errors: {} }
  for (const b of backends) {
    result.rps[b] = []
    result.cpuUsPerRoundTrip[b] = []
    result.errors[b] = 0
  }
  for (let r = 0; r < runs; r++) {
    const order = backends.map((_, i) => backends[(i + r) % backends.length]) // rotate: drift hits all alike
    for (const backend of order) {
      const load = await runLoad(servers.get(backend)!, conns, size, depth)
      result.rps[backend].push(load.rps)
      result.cpuUsPerRoundTrip[backend].push(load.cpuUsPerRoundTrip)
      result.errors[backend] += load.errors
    }
  }
  results.push(result)
  const partial = { backends, results: [result] } as EchoRecord
  console.log(markdownTable(throughputRows(partial)).split('\n').slice(results.length === 1 ? 0 : 2).join('\n'))
}
stopAll()

const probe = support.supported ? new Uring({ entries: 2 }) : undefined
const record: EchoRecord = {
  command:
    `npx tsx benchmarks/echo-backends.ts --seconds ${seconds} --warmup ${warmup} --runs ${runs} ` +
    `--conns ${connCounts.join(',')} --sizes ${sizes.join(',')} --depths ${depths.join(',')} ` +
    `--backends ${backends.join(',')}`,
  machine: machine(),
  revision: revision(),
  pinned: pinned ? { server: serverCpu, load: loadCpu } : null,
  uringSetupFlags: probe ? probe.features.setupFlags.join('|') : 'n/a',
  seconds,
  warmup,
  runs,
  backends,
  loadAverage: { start: loadAtStart, end: loadavg()[0] },
  results,
}
probe?.close()
console.log('\nServer CPU per round trip (us):')
console.log(markdownTable(cpuRows(record)))
writeJson('echo-backends.json', record)
renderEchoReport(record)
