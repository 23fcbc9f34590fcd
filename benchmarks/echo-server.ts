/**
 * Echo round trips per second: @io/server on epoll level-triggered, epoll edge-triggered and
 * io_uring, a node:net echo server, Bun.listen (bash benchmarks/setup.sh installs Bun), and the
 * plain C epoll echo server (the floor), all under
 * the C load generator, in one run.
 *
 *   bash benchmarks/build.sh && npm run build     # once: bin/echo-load, bin/c-echo-server, dist/
 *   npx tsx benchmarks/echo-server.ts [--seconds 2] [--warmup 0.5] [--runs 3]
 *       [--conns 1,100,1000] [--sizes 64,4096] [--depths 1,16]
 *       [--servers c,io-epoll,io-epoll-et,io-uring,node,bun] [--server-cpu 0] [--load-cpu 1]
 *
 * Every server is started once, pinned to --server-cpu, and sits idle while another is
 * measured; the load generator (bin/echo-load, pinned to --load-cpu) keeps `depth` messages of
 * `size` bytes in flight on each of `conns` connections, counts round trips and checks every
 * echoed byte. Per scenario the servers are measured back to back, `runs` times, in rotating
 * order (so drift on a shared machine hits them alike); the table shows medians, and the ratios
 * to C are medians of per-run ratios. @io/server runs as its own CLI (`io-serve echo`), so what
 * is measured is what ships. A backend that falls back (io_uring unavailable) is reported, not
 * measured under the wrong name.
 *
 * Writes docs/echo-server.json, docs/echo-server.svg and the "Echo server" section of
 * docs/benchmarks.md.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { barChart } from './lib/chart.js'
import { docsDir, machine, markdownTable, median, revision, writeJson, writeSection, type Row } from './lib/report.js'
import { cliArgs, echoRunArgs, listArg } from './lib/args.js'

const args = cliArgs()
const { seconds, warmup, runs, connCounts, sizes, depths, serverCpu, loadCpu } = echoRunArgs(args, { seconds: 2, warmup: 0.5 })

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const loadBin = here('./bin/echo-load')
const cServerBin = here('./bin/c-echo-server')
const cli = here('../packages/server/dist/cli.js')
const nodeNet = here('./server/node-net-echo.mjs')
const bunEcho = here('./server/bun-listen-echo.mjs')
const bunBinary = here('./node_modules/@oven/bun-linux-x64/bin/bun')

interface ServerSpec {
  name: string
  label: string
  command: string[]
  /** For @io/server: the engine the CLI must report, else it fell back. */
  engine?: string
}

const SPECS: ServerSpec[] = [
  { name: 'c', label: 'C epoll', command: [cServerBin, '--port', '0'] },
  { name: 'io-epoll', label: '@io/server epoll', command: [process.execPath, cli, 'echo', '--port', '0', '--backend', 'epoll'], engine: 'epoll' },
  { name: 'io-epoll-et', label: '@io/server epoll-et', command: [process.execPath, cli, 'echo', '--port', '0', '--backend', 'epoll-et'], engine: 'epoll-et' },
  { name: 'io-uring', label: '@io/server uring', command: [process.execPath, cli, 'echo', '--port', '0', '--backend', 'uring'], engine: 'uring' },
  { name: 'node', label: 'node:net', command: [process.execPath, nodeNet, '--port', '0'] },
  { name: 'bun', label: 'Bun.listen', command: [bunBinary, bunEcho, '--port', '0'] },
]

for (const [path, how] of [
  [loadBin, 'bash benchmarks/build.sh'],
  [cServerBin, 'bash benchmarks/build.sh'],
  [cli, 'npm run build'],
  [bunBinary, 'bash benchmarks/setup.sh'],
]) {
  if (!existsSync(path)) {
    console.error(`missing ${path}: run \`${how}\` first`)
    process.exit(1)
  }
}

interface Running {
  spec: ServerSpec
  child: ChildProcess
  port: number
}

/** Starts a server pinned to the server CPU; resolves with its port (or null when it fell back). */
function startServer(spec: ServerSpec): Promise<Running | { spec: ServerSpec; skipped: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', serverCpu, ...spec.command], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout!.on('data', (chunk) => {
      out += chunk
      const line = /listening (?:on \S+:)?(\d+)(?: \(backend (\S+),)?/.exec(out)
      if (line === null) return
      child.stdout!.removeAllListeners('data')
      child.stdout!.resume()
      if (spec.engine !== undefined && line[2] !== spec.engine) {
        child.kill('SIGTERM')
        resolve({ spec, skipped: `fell back to ${line[2]}` })
      } else resolve({ spec, child, port: Number(line[1]) })
    })
    child.on('exit', (code) => reject(new Error(`${spec.name} exited with ${code} before listening: ${out}`)))
  })
}

interface Result {
  conns: number
  size: number
  depth: number
  rps: number
  errors: number
  /** CPU time the server used, as a fraction of one CPU, while the load ran. */
  serverCpu: number
}

/** CPU seconds (user + system, all threads) a process has used, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / clockTicks // utime, stime
}
const clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())

function measure(server: Running, conns: number, size: number, depth: number): Result {
  const port = server.port
  const cpuBefore = cpuSeconds(server.child.pid!)
  const started = performance.now()
  const out = execFileSync(
    'taskset',
    ['-c', loadCpu, loadBin, '--port', String(port), '--conns', String(conns), '--size', String(size), '--depth', String(depth), '--seconds', String(seconds), '--warmup', String(warmup)],
    { encoding: 'utf8', timeout: (seconds + warmup + 60) * 1000 },
  )
  const wall = (performance.now() - started) / 1000
  const serverCpu = (cpuSeconds(server.child.pid!) - cpuBefore) / wall
  const json = JSON.parse(out.trim().split('\n').pop()!)
  return { conns, size, depth, rps: json.rps, errors: json.errors, serverCpu }
}

const wanted = listArg(args, 'servers', SPECS.map((s) => s.name).join(','))
const started = await Promise.all(SPECS.filter((s) => wanted.includes(s.name)).map(startServer))
const running = started.filter((s): s is Running => 'port' in s)
const skipped = started.filter((s): s is { spec: ServerSpec; skipped: string } => 'skipped' in s)
for (const s of skipped) console.warn(`${s.spec.label}: not measured (${s.skipped})`)
const stopAll = () => running.forEach((r) => r.child.kill('SIGTERM'))
process.on('exit', stopAll)

type Raw = { server: string; run: number } & Result
const raw: Raw[] = []
const rows: Row[] = []
const groups: Array<{ label: string; values: number[] }> = []
const ioNames = running.filter((r) => r.spec.name !== 'c').map((r) => r.spec.name)

for (const conns of connCounts) {
  for (const size of sizes) {
    for (const depth of depths) {
      const perServer = new Map<string, number[]>()
      const ratios = new Map<string, number[]>()
      // Round trips per CPU-second of the server: what one core buys, even when the load
      // generator or other processes on the shared machine kept the server below 100%.
      const efficiency = new Map<string, number[]>()
      const cpu = new Map<string, number[]>()
      for (let run = 0; run < runs; run++) {
        const order = running.map((_, i) => running[(i + run) % running.length])
        const thisRun = new Map<string, number>()
        const thisRunEfficiency = new Map<string, number>()
        for (const server of order) {
          const result = measure(server, conns, size, depth)
          if (result.errors > 0) console.warn(`${server.spec.name}: ${result.errors} errors at ${conns}/${size}/${depth}`)
          raw.push({ server: server.spec.name, run, ...result })
          thisRun.set(server.spec.name, result.rps)
          perServer.set(server.spec.name, [...(perServer.get(server.spec.name) ?? []), result.rps])
          cpu.set(server.spec.name, [...(cpu.get(server.spec.name) ?? []), result.serverCpu])
          thisRunEfficiency.set(server.spec.name, result.rps / Math.max(result.serverCpu, 1e-3))
        }
        const c = thisRun.get('c')
        if (c !== undefined) for (const name of ioNames) ratios.set(name, [...(ratios.get(name) ?? []), thisRun.get(name)! / c])
        const cEfficiency = thisRunEfficiency.get('c')
        if (cEfficiency !== undefined) {
          for (const name of ioNames) efficiency.set(name, [...(efficiency.get(name) ?? []), thisRunEfficiency.get(name)! / cEfficiency])
        }
      }
      const row: Row = { conns, size, depth }
      for (const spec of SPECS) {
        if (!wanted.includes(spec.name)) continue
        const values = perServer.get(spec.name)
        row[spec.label] = values === undefined ? 'n/a' : Math.round(median(values))
      }
      for (const name of ioNames) {
        const spec = SPECS.find((s) => s.name === name)!
        row[`${spec.label.replace('@io/server ', '')} / C`] = ratios.has(name) ? `${median(ratios.get(name)!).toFixed(2)}x` : 'n/a'
      }
      for (const name of ioNames) {
        const spec = SPECS.find((s) => s.name === name)!
        row[`${spec.label.replace('@io/server ', '')} / C per CPU-s`] = efficiency.has(name) ? `${median(efficiency.get(name)!).toFixed(2)}x` : 'n/a'
      }
      row['server CPU (C, epoll)'] = ['c', 'io-epoll']
        .map((n) => (cpu.has(n) ? `${Math.round(100 * median(cpu.get(n)!))}%` : 'n/a'))
        .join(', ')
      rows.push(row)
      groups.push({ label: `${conns}x${size}B d${depth}`, values: ioNames.map((n) => (ratios.has(n) ? median(ratios.get(n)!) : NaN)) })
      console.log(markdownTable([row]).split('\n').slice(-1)[0])
    }
  }
}
stopAll()

const table = markdownTable(rows)
console.log(`\n${table}`)
const command = `npx tsx benchmarks/echo-server.ts ${process.argv.slice(2).join(' ')}`.trim()
writeJson('echo-server.json', { machine: machine(), revision: revision(), seconds, warmup, runs, serverCpu, loadCpu, skipped: skipped.map((s) => ({ server: s.spec.name, reason: s.skipped })), raw })
const series = ioNames.map((n) => SPECS.find((s) => s.name === n)!.label)
writeFileSync(`${docsDir}echo-server.svg`, barChart({ title: 'Echo round trips per second, relative to the C epoll server (dashed line)', yLabel: 'x the C server', series, groups, reference: 1 }))
const notes = skipped.map((s) => `\n${s.spec.label} was not measured: ${s.skipped}.`).join('')
writeSection(
  'echo-server',
  `## Echo server

Round trips per second (medians of ${runs} runs of ${seconds} s after ${warmup} s of warm-up), server
pinned to CPU ${serverCpu} and the C load generator to CPU ${loadCpu}; ratios are to the C epoll echo
server measured in the same runs. "per CPU-s" divides each server's round trips by the CPU time
it used (from /proc/PID/stat, as a fraction of one CPU: the last column): where a server did not
get its CPU to itself, or the load generator could not keep it busy, this is the fairer
comparison of what the same core buys. Machine: ${machine()}; revision ${revision()}.${notes}

\`\`\`sh
bash benchmarks/build.sh && npm run build
${command}
\`\`\`

${table}

![echo round trips relative to the C server](echo-server.svg)

Raw runs: [echo-server.json](echo-server.json). Level vs edge triggering: [triggering.md](triggering.md).`,
)
