/**
 * HTTP/1.1 hello world: requests per second, requests per server CPU-second, p99 latency and
 * memory per idle keep-alive connection, for @io/server on epoll, epoll-et and io_uring against
 * uWebSockets.js, Bun.serve, node:http, fastify and a minimal C epoll server (the floor), all
 * in one run.
 *
 *   bash benchmarks/setup.sh && npm run build     # once: peers, wrk, h2load, C tools, dist/
 *   npx tsx benchmarks/http-server.ts [--quick] [--seconds 5] [--warmup 1] [--runs 3]
 *       [--loads wrk,h2load] [--connections 100] [--pipeline 16]
 *       [--memory-connections 5000] [--memory-runs 3 (0: none)] [--memory-young-generation 1|default]
 *       [--servers c,io-epoll,io-epoll-et,io-uring,uws,bun,node,fastify]
 *       [--server-cpu 0] [--load-cpu 1]
 *
 * Every server answers every request with `200 Hello World!`. All of them are started once,
 * pinned to --server-cpu, and sit idle while another is measured. The loads run pinned to
 * --load-cpu, one thread each: wrk with keep-alive connections (one request in flight on each)
 * and h2load over HTTP/1.1 with --pipeline requests in flight on each. Per load, every server
 * gets a warm-up of --warmup seconds and then a measured run of --seconds, back to back and
 * in rotating order, --runs times; tables show medians, and ratios are medians of the ratios
 * taken within each run. A server's CPU time over the run (from /proc) gives requests per
 * CPU-second, the fairer figure where the load generator, not the server, was the limit; the
 * load generator's own CPU time is shown beside it.
 *
 * Memory: per server and run, a fresh server, --memory-connections keep-alive connections
 * that each made one request and stay idle, growth of anonymous RSS per connection after a
 * warm-up round of as many (lib/idle-connection-memory.ts), V8's young generation held at
 * --memory-young-generation MB per semi-space in Node-based servers.
 *
 * @io/server runs as its own CLI (`io-serve hello`), so what is measured is what ships; until
 * that command exists (or where a backend falls back), its rows say "not available" and why.
 * Writes docs/http-benchmark.json, docs/http-benchmark.svg and the "HTTP server" section of
 * docs/benchmarks.md; --quick (1 s runs, one of each, 500 connections) writes them into a
 * temporary folder instead.
 *
 * One ratio, more closely: two servers, one load, many short runs (measured back to back, in
 * alternating order), no memory rounds, e.g.
 *   npx tsx benchmarks/http-server.ts --quick --servers io-epoll,uws --loads wrk --seconds 2 --runs 20 --memory-runs 0
 */
import { writeFileSync } from 'node:fs'
import { barChart } from './lib/chart.js'
import { cliArgs, listArg, loadRunArgs } from './lib/args.js'
import { machine, markdownTable, medianIntervalRank, provenance, resultsDir, revision, writeJson, writeSection, type Row } from './lib/report.js'
import { describeIdleMemory, idleMemoryComparison } from './lib/idle-connection-memory.js'
import { benchBinary, bunBinary, bunServer, ioCli, ioServers, nativeServer, nodeServer, requirePrerequisites, startServers } from './lib/peer-specs.js'
import { comparisonRow, failureNotes } from './lib/peer-table.js'
import { measureSideBySide } from './lib/same-run-samples.js'
import { cpuSeconds, ensureOpenFiles, runLoad, stopServer, type RunningServer, type ServerSpec } from './lib/server-process.js'
import { h2loadLoad, wrkLoad, type HttpLoad } from './http/loads.js'

const args = cliArgs()
const quick = args.has('quick')
const { seconds, warmup, runs, serverCpu, loadCpu } = loadRunArgs(args, quick ? { seconds: 1, warmup: 1, runs: 1 } : { seconds: 5, warmup: 1 })
const connections = Number(args.get('connections') ?? 100)
const pipeline = Number(args.get('pipeline') ?? 16)
const memoryConnections = Number(args.get('memory-connections') ?? (quick ? 500 : 5000))
const memoryRuns = Number(args.get('memory-runs') ?? (quick ? 1 : 3))
/**
 * V8's young generation for the memory runs, MB per semi-space (see measureIdleMemory): held
 * fixed, because the servers cannot rest before the readings (uWebSockets.js and Bun.serve
 * close idle HTTP connections after 10 s); `--memory-young-generation default` leaves V8's own.
 */
const memoryYoungGenerationArg = args.get('memory-young-generation') ?? '1'
const memoryYoungGenerationMb = memoryYoungGenerationArg === 'default' ? undefined : Number(memoryYoungGenerationArg)
if (memoryYoungGenerationMb !== undefined && !(Number.isInteger(memoryYoungGenerationMb) && memoryYoungGenerationMb > 0)) {
  throw new Error(`--memory-young-generation takes a whole number of MB or "default", not "${memoryYoungGenerationArg}"`)
}

const SPECS: ServerSpec[] = [
  nativeServer('c', 'C epoll (floor)', 'c-hello-server'),
  ...ioServers((backend) => [ioCli, 'hello', '--port', '0', '--host', '127.0.0.1', '--backend', backend]),
  nodeServer('uws', 'uWebSockets.js', 'http/servers/uws.mjs'),
  bunServer('bun', 'Bun.serve', 'http/servers/bun.mjs'),
  nodeServer('node', 'node:http', 'http/servers/node-http.mjs'),
  nodeServer('fastify', 'fastify', 'http/servers/fastify.mjs'),
]
const keepAliveClients = new URL('./http/keep-alive-clients.mjs', import.meta.url).pathname

const wantedNames = listArg(args, 'servers', SPECS.map((s) => s.name).join(','))
const wanted = SPECS.filter((s) => wantedNames.includes(s.name))
/** The servers every row is compared with, in this order. */
const baselines = ['uws', 'bun', 'node', 'c'].flatMap((name) => wanted.filter((s) => s.name === name))
const loads: HttpLoad[] = listArg(args, 'loads', 'wrk,h2load').map((name) => {
  if (name === 'wrk') return wrkLoad(connections)
  if (name === 'h2load') return h2loadLoad(connections, pipeline)
  throw new Error(`unknown load "${name}" (wrk, h2load)`)
})
requirePrerequisites({
  files: [benchBinary('c-hello-server'), bunBinary, new URL('./node_modules/fastify', import.meta.url).pathname],
  commands: ['taskset', ...loads.map((l) => l.name)],
})
ensureOpenFiles(2 * memoryConnections + 1000) // the memory rounds' server side

/** Why each server that could not be measured was not. */
const unavailable = new Map<string, string>()
const raw: Row[] = []

async function measure(load: HttpLoad, server: RunningServer, run: number): Promise<Record<string, number> | null> {
  await runLoad(loadCpu, load.command(server.port, warmup))
  const cpuBefore = cpuSeconds(server.pid)
  const result = await runLoad(loadCpu, load.command(server.port, seconds))
  const serverCpuShare = (cpuSeconds(server.pid) - cpuBefore) / result.wallSeconds
  const parsed = load.parse(result.stdout)
  if (!Number.isFinite(parsed.requestsPerSecond)) {
    console.warn(`${server.spec.label}, ${load.name}: no result (exit ${result.code}):\n${result.stdout}`)
    return null
  }
  if (parsed.errors !== 0) console.warn(`${server.spec.label}, ${load.name}: ${parsed.errors} errors`)
  const figures = {
    rate: parsed.requestsPerSecond,
    perCpu: parsed.requestsPerSecond / Math.max(serverCpuShare, 1e-3),
    p99: parsed.p99Ms,
    serverCpu: serverCpuShare,
    loadCpu: result.cpuSeconds / result.wallSeconds,
    errors: parsed.errors,
  }
  raw.push({ load: load.name, server: server.spec.name, run, ...figures })
  return figures
}

// Throughput: every load against every server, side by side.
const running = await startServers(wanted, serverCpu, unavailable)
const throughputRows: Row[] = []
/** Per @io/server row: where its median ratio to each baseline lies, with 95% confidence. */
const spreadRows: Row[] = []
const ours = wanted.filter((s) => s.name.startsWith('io-'))
const failures: string[] = []
const chartGroups: Array<{ label: string; values: number[] }> = []
const charted = wanted.filter((s) => s.name !== 'uws')
for (const load of loads) {
  console.log(`\n${load.label}`)
  const samples = await measureSideBySide(running, runs, (server, run) => measure(load, server, run))
  const columns = { rate: 'req/s', perCpu: 'req/CPU-s', p99: 'p99 ms' }
  const rows = wanted.map((s) => comparisonRow(samples, s, { load: load.name }, columns, baselines, unavailable))
  failures.push(...failureNotes(samples, wanted, load.label))
  console.log(markdownTable(rows))
  throughputRows.push(...rows)
  for (const server of ours) {
    if (!Number.isFinite(samples.median(server.name, 'rate'))) continue
    const row: Row = { load: load.name, server: server.label }
    for (const baseline of baselines) row[`vs ${baseline.label} (/s, /CPU-s)`] = samples.intervalCell(server.name, baseline.name, ['rate', 'perCpu'])
    spreadRows.push(row)
  }
  for (const [figure, unit] of [['rate', '/s'], ['perCpu', '/CPU-s']]) {
    chartGroups.push({ label: `${load.label.split(' ')[0]} ${unit}`, values: charted.map((s) => samples.ratio(s.name, 'uws', figure)) })
  }
}
await Promise.all(running.map(stopServer))

// Memory per idle keep-alive connection: fresh servers (none with --memory-runs 0).
const memory = memoryRuns === 0 ? null : await idleMemoryComparison(wanted, baselines.filter((s) => s.name === 'uws' || s.name === 'node'), unavailable, {
  serverCpu,
  loadCpu,
  runs: memoryRuns,
  connections: memoryConnections,
  clientCommand: (port) => [process.execPath, keepAliveClients, '--port', String(port), '--conns', String(memoryConnections)],
  youngGenerationMb: memoryYoungGenerationMb,
})

const throughputTable = markdownTable(throughputRows)
const spreadTable = spreadRows.length === 0 ? '' : markdownTable(spreadRows)
const interval = medianIntervalRank(runs, 0.95)
if (spreadTable !== '') console.log(`\n95% intervals of the median ratios\n${spreadTable}`)
const memoryTable = memory === null ? '' : markdownTable(memory.rows)
if (memoryTable !== '') console.log(`\n${memoryTable}`)

const out = resultsDir(quick)
const notes = [...[...unavailable].map(([name, why]) => `${SPECS.find((s) => s.name === name)!.label} was not measured: ${why}.`), ...failures]
writeJson(
  'http-benchmark.json',
  {
    machine: machine(),
    revision: revision(),
    settings: { seconds, warmup, runs, connections, pipeline, memoryConnections, memoryRuns, serverCpu, loadCpu },
    unavailable: Object.fromEntries(unavailable),
    throughput: raw,
    memory: memory?.raw ?? [],
  },
  out,
)
writeFileSync(
  `${out}http-benchmark.svg`,
  barChart({
    title: 'HTTP hello world relative to uWebSockets.js (dashed line)',
    yLabel: 'x uWebSockets.js',
    series: charted.map((s) => s.label),
    groups: chartGroups,
    reference: 1,
  }),
)
writeSection(
  'http-server',
  `## HTTP server

Hello world over HTTP/1.1 (every request answered with \`200 Hello World!\`), one server
process, pinned to CPU ${serverCpu}; the load generators run one thread pinned to CPU ${loadCpu}.
Keep-alive: \`wrk -t1 -c${connections}\`, one request in flight per connection (p99 from its
latency distribution). Pipelined: \`h2load --h1 -t1 -c${connections} -m${pipeline}\`, ${pipeline} requests in
flight per connection. Medians of ${runs} run${runs === 1 ? '' : 's'} of ${seconds} s, each after ${warmup} s of warm-up, servers
measured back to back in rotating order, each once every server is idle (a server still
answering what the last load left queued would share the core); ratios are medians of ratios taken within each run,
per second and per CPU-second of the server. "per CPU-s" divides the requests by the CPU time
the server used (from /proc/PID/stat): where the load generator, not the server, was the limit
(see "load CPU", the load generator's own share of its core), it is the fairer comparison.
The C epoll server answers a fixed response without parsing (it counts requests by the end of
their header block): the cost of the sockets alone, the floor for any server that parses HTTP.
${provenance('http-server.ts', 'bash benchmarks/setup.sh && npm run build', notes)}

${throughputTable}
${
  spreadTable === '' || interval === null
    ? ''
    : `
A run's ratio strays from run to run on this machine. With ${(interval.coverage * 100).toFixed(1)}% confidence, the
median of a run's ratio lies between the ${orderPair(interval.k)} of the ${runs}
per-run ratios, shown for each @io/server row below (order statistics: whatever the
distribution of a run's ratio, runs taken as independent of each other). Where an interval
spans a figure, these runs do not tell which side of it the ratio is on.

${spreadTable}
`
}
![HTTP requests relative to uWebSockets.js](http-benchmark.svg)

${
  memoryTable === ''
    ? ''
    : `${describeIdleMemory('keep-alive connection', 'make one request', memoryConnections, memoryRuns, { youngGenerationMb: memoryYoungGenerationMb })} uWebSockets.js and
Bun.serve close idle keep-alive connections after 10 s; node:http and fastify were set to the
same.

${memoryTable}

`
}Raw runs: [http-benchmark.json](http-benchmark.json).`,
  out,
)
console.log(`\nresults written to ${out}${quick ? ' (a smoke run: docs/ left as it was)' : ''}`)

/** "lowest and highest", "2nd lowest and 2nd highest"... */
function orderPair(k: number): string {
  if (k === 1) return 'lowest and highest'
  const tens = k % 100
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][k % 10] ?? 'th')
  return `${k}${suffix} lowest and ${k}${suffix} highest`
}
