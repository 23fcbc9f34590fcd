/**
 * WebSocket servers: echo messages per second at 1, 100 and 5000 connections with 64 B and
 * 16 KB messages, broadcast fan-out (one publisher, 5000 subscribers, deliveries per second),
 * both per second and per server CPU-second, and memory per idle WebSocket, for @io/server on
 * epoll, epoll-et and io_uring against uWebSockets.js, Bun.serve and the `ws` package on
 * node:http, all in one run.
 *
 *   bash benchmarks/setup.sh && npm run build     # once: peers, C tools, dist/
 *   npx tsx benchmarks/ws-server.ts [--quick] [--seconds 3] [--warmup 1] [--runs 3]
 *       [--conns 1,100,5000] [--sizes 64,16384] [--types binary] [--depths auto]
 *       [--subscribers 5000] [--fanout-size 64] [--fanout-depth 4]
 *       [--memory-connections 5000] [--memory-runs 3] [--memory-rest 8]
 *       [--servers io-epoll,io-epoll-et,io-uring,uws,bun,ws] [--server-cpu 0] [--load-cpu 1]
 *
 * The load is bin/ws-load (benchmarks/load/ws-load.c), pinned to --load-cpu: a single-threaded
 * epoll client in C that does the opening handshake on every connection, sends masked frames,
 * checks every echo or delivery byte for byte and in order, and reports its own CPU time so
 * that a run in which it was the limit shows (the "load CPU" column). --types binary,text adds
 * text messages (valid UTF-8 with multi-byte characters, which servers must validate).
 *
 * echo: every connection keeps --depths messages in flight (a list: each a scenario; auto:
 * as many as fit in 64 KB, at most 16, so 16 of 64 B and 4 of 16 KB); a scenario is measured on every
 * server back to back, in rotating order, --runs times. fan-out: every connection to
 * /broadcast subscribes to one topic; the publisher keeps --fanout-depth messages in flight,
 * each one counting as done once every subscriber has it. Servers are pinned to
 * --server-cpu; their CPU time over ws-load's measured window (from /proc) gives messages
 * per CPU-second. Tables show medians; ratios are medians of ratios taken within each run.
 *
 * @io/server runs as its own CLI for echo (`io-serve ws-echo`) and as
 * benchmarks/ws/servers/io-broadcast.ts for fan-out; until they exist (or where a backend
 * falls back), its rows say "not available" and why. Writes docs/ws-benchmark.json,
 * docs/ws-benchmark.svg and the "WebSocket server" section of docs/benchmarks.md; --quick
 * (1 s runs, one of each, at most 500 connections) writes them into a temporary folder instead.
 */
import { writeFileSync } from 'node:fs'
import { barChart } from './lib/chart.js'
import { cliArgs, listArg, loadRunArgs } from './lib/args.js'
import { machine, markdownTable, provenance, resultsDir, revision, writeJson, writeSection, type Row } from './lib/report.js'
import { describeIdleMemory, idleMemoryComparison } from './lib/idle-connection-memory.js'
import { benchBinary, bunBinary, bunServer, ioCli, ioServers, nodeServer, requirePrerequisites, startServers, tsxLoader } from './lib/peer-specs.js'
import { comparisonRow, failureNotes } from './lib/peer-table.js'
import { measureSideBySide, type SameRunSamples } from './lib/same-run-samples.js'
import { cpuSeconds, ensureOpenFiles, runLoad, stopServer, type RunningServer, type ServerSpec } from './lib/server-process.js'

const args = cliArgs()
const quick = args.has('quick')
const { seconds, warmup, runs, serverCpu, loadCpu } = loadRunArgs(args, quick ? { seconds: 1, warmup: 0.5, runs: 1 } : { seconds: 3, warmup: 1 })
const connCounts = listArg(args, 'conns', quick ? '1,100,500' : '1,100,5000').map(Number)
const sizes = listArg(args, 'sizes', '64,16384').map(Number)
const types = listArg(args, 'types', 'binary')
/** Messages in flight per connection: a list, or `auto` (up to 64 KB, at most 16, per size). */
const depthsArg = args.get('depths') ?? 'auto'
const depthsFor = (size: number) => (depthsArg === 'auto' ? [Math.min(16, Math.max(1, Math.floor(65536 / size)))] : listArg(args, 'depths', '1').map(Number))
const subscribers = Number(args.get('subscribers') ?? (quick ? 500 : 5000))
const fanoutSize = Number(args.get('fanout-size') ?? 64)
const fanoutDepth = Number(args.get('fanout-depth') ?? 4)
const memoryConnections = Number(args.get('memory-connections') ?? (quick ? 500 : 5000))
const memoryRuns = Number(args.get('memory-runs') ?? (quick ? 1 : 3))
/** Rest before each memory reading (see measureIdleMemory); every peer's idle timeout is longer. */
const memoryRestMs = Number(args.get('memory-rest') ?? (quick ? 0 : 8)) * 1000
for (const type of types) if (type !== 'binary' && type !== 'text') throw new Error(`unknown message type "${type}" (binary, text)`)

const wsLoad = benchBinary('ws-load')
const ioBroadcast = new URL('./ws/servers/io-broadcast.ts', import.meta.url).pathname
const PEERS = [nodeServer('uws', 'uWebSockets.js', 'ws/servers/uws.mjs'), bunServer('bun', 'Bun.serve', 'ws/servers/bun.mjs'), nodeServer('ws', 'ws (node:http)', 'ws/servers/ws-node.mjs')]
const ECHO_SPECS: ServerSpec[] = [...ioServers((backend) => [ioCli, 'ws-echo', '--port', '0', '--host', '127.0.0.1', '--backend', backend]), ...PEERS]
const BROADCAST_SPECS: ServerSpec[] = [
  ...ioServers((backend) => ['--import', tsxLoader, ioBroadcast, '--port', '0', '--host', '127.0.0.1', '--backend', backend]),
  ...PEERS,
]

const wantedNames = listArg(args, 'servers', ECHO_SPECS.map((s) => s.name).join(','))
const wanted = (specs: ServerSpec[]) => specs.filter((s) => wantedNames.includes(s.name))
/** The servers every row is compared with, in this order. */
const baselines = ['uws', 'ws'].flatMap((name) => wanted(PEERS).filter((s) => s.name === name))
requirePrerequisites({ files: [wsLoad, bunBinary, new URL('./node_modules/ws', import.meta.url).pathname], commands: ['taskset'] })
ensureOpenFiles(2 * Math.max(memoryConnections, subscribers, ...connCounts) + 1000)

/** Why each server that could not be measured was not (echo and broadcast servers apart). */
const unavailable = { echo: new Map<string, string>(), broadcast: new Map<string, string>() }
const raw: Row[] = []
const columns = { rate: 'msg/s', perCpu: 'msg/CPU-s', p99: 'p99 µs' }

interface Scenario {
  label: string
  /** The label in the chart. */
  short: string
  /** The arguments of ws-load after --port. */
  load: string[]
}

/**
 * One ws-load run against a server. The server's CPU time is read when ws-load announces its
 * measured window ("counting") and when it prints the result, so connecting and warming up
 * are not counted.
 */
async function measure(scenario: Scenario, server: RunningServer, run: number): Promise<Record<string, number> | null> {
  let measuredWindow: { cpu: number; at: number } | null = null
  let serverCpuShare = NaN
  const result = await runLoad(loadCpu, [wsLoad, '--port', String(server.port), ...scenario.load, '--seconds', String(seconds), '--warmup', String(warmup)], {
    timeoutMs: (seconds + warmup + 180) * 1000,
    onLine(line) {
      if (line === 'counting') measuredWindow = { cpu: cpuSeconds(server.pid), at: performance.now() }
      else if (line.startsWith('{') && measuredWindow !== null) serverCpuShare = (cpuSeconds(server.pid) - measuredWindow.cpu) / ((performance.now() - measuredWindow.at) / 1000)
    },
  })
  const json = result.stdout.split('\n').find((line) => line.startsWith('{'))
  if (json === undefined || !Number.isFinite(serverCpuShare)) {
    console.warn(`${server.spec.label}, ${scenario.label}: no result (exit ${result.code})`)
    return null
  }
  const report = JSON.parse(json)
  if (report.errors > 0) console.warn(`${server.spec.label}, ${scenario.label}: ${report.errors} errors`)
  if (report.loadCpu > 0.9) console.warn(`${server.spec.label}, ${scenario.label}: ws-load used ${Math.round(100 * report.loadCpu)}% of its core: it may have been the limit`)
  const figures = {
    rate: report.messagesPerSec,
    perCpu: report.messagesPerSec / Math.max(serverCpuShare, 1e-3),
    p99: report.latencyUs.p99,
    serverCpu: serverCpuShare,
    loadCpu: report.loadCpu,
    errors: report.errors,
  }
  raw.push({ scenario: scenario.label, server: server.spec.name, run, ...figures })
  return figures
}

const rows: Row[] = []
const failures: string[] = []
const chartGroups: Array<{ label: string; values: number[] }> = []
const charted = wanted(ECHO_SPECS).filter((s) => s.name !== 'uws')

function tabulate(scenario: Scenario, specs: ServerSpec[], samples: SameRunSamples, missing: Map<string, string>): void {
  const scenarioRows = specs.map((s) => comparisonRow(samples, s, { scenario: scenario.label }, columns, baselines, missing))
  failures.push(...failureNotes(samples, specs, scenario.label))
  console.log(markdownTable(scenarioRows))
  rows.push(...scenarioRows)
  for (const [figure, unit] of [['rate', '/s'], ['perCpu', '/CPU-s']]) {
    chartGroups.push({ label: `${scenario.short} ${unit}`, values: charted.map((s) => samples.ratio(s.name, 'uws', figure)) })
  }
}

/** The echo grid: types x connection counts x sizes x depths (the type named only where it varies). */
function echoScenarios(): Scenario[] {
  const scenarios: Scenario[] = []
  for (const type of types) {
    for (const conns of connCounts) {
      for (const size of sizes) {
        for (const depth of depthsFor(size)) {
          const sizeLabel = size >= 1024 ? `${size / 1024} KB` : `${size} B`
          const typeLabel = types.length > 1 ? ` ${type}` : ''
          scenarios.push({
            label: `echo ${conns} conn${conns === 1 ? '' : 's'} x ${sizeLabel}${typeLabel}, depth ${depth}`,
            short: `${conns} x ${sizeLabel}${typeLabel} d${depth}`,
            load: ['--path', '/echo', '--conns', String(conns), '--size', String(size), '--depth', String(depth), ...(type === 'text' ? ['--text'] : [])],
          })
        }
      }
    }
  }
  return scenarios
}

// Echo: every scenario against every server, side by side.
const echoServers = await startServers(wanted(ECHO_SPECS), serverCpu, unavailable.echo)
for (const scenario of echoScenarios()) {
  console.log(`\n${scenario.label}`)
  tabulate(scenario, wanted(ECHO_SPECS), await measureSideBySide(echoServers, runs, (server, run) => measure(scenario, server, run)), unavailable.echo)
}
await Promise.all(echoServers.map(stopServer))

// Fan-out: one publisher, every subscriber gets every message.
const broadcastServers = await startServers(wanted(BROADCAST_SPECS), serverCpu, unavailable.broadcast)
const fanout = {
  label: `fan-out 1 to ${subscribers} x ${fanoutSize} B`,
  short: `fan-out ${subscribers}`,
  load: ['--fanout', '--path', '/broadcast', '--conns', String(subscribers), '--size', String(fanoutSize), '--depth', String(fanoutDepth)],
}
console.log(`\n${fanout.label} (deliveries)`)
tabulate(fanout, wanted(BROADCAST_SPECS), await measureSideBySide(broadcastServers, runs, (server, run) => measure(fanout, server, run)), unavailable.broadcast)
await Promise.all(broadcastServers.map(stopServer))

// Memory per idle WebSocket: fresh echo servers.
const memory = await idleMemoryComparison(wanted(ECHO_SPECS), baselines, unavailable.echo, {
  serverCpu,
  loadCpu,
  runs: memoryRuns,
  connections: memoryConnections,
  clientCommand: (port) => [wsLoad, '--idle', '--port', String(port), '--path', '/echo', '--conns', String(memoryConnections), '--size', '64'],
  restMs: memoryRestMs,
})

const table = markdownTable(rows)
const memoryTable = markdownTable(memory.rows)
console.log(`\n${memoryTable}`)
const out = resultsDir(quick)
const label = (name: string) => ECHO_SPECS.find((s) => s.name === name)!.label
const notes = [
  ...(['echo', 'broadcast'] as const).flatMap((kind) => [...unavailable[kind]].map(([name, why]) => `${label(name)} (${kind} server) was not measured: ${why}.`)),
  ...failures,
]
writeJson(
  'ws-benchmark.json',
  {
    machine: machine(),
    revision: revision(),
    settings: { seconds, warmup, runs, connCounts, sizes, types, depths: depthsArg, subscribers, fanoutSize, fanoutDepth, memoryConnections, memoryRuns, serverCpu, loadCpu },
    unavailable: { echo: Object.fromEntries(unavailable.echo), broadcast: Object.fromEntries(unavailable.broadcast) },
    throughput: raw,
    memory: memory.raw,
  },
  out,
)
writeFileSync(
  `${out}ws-benchmark.svg`,
  barChart({ title: 'WebSocket messages relative to uWebSockets.js (dashed line)', yLabel: 'x uWebSockets.js', series: charted.map((s) => s.label), groups: chartGroups, reference: 1 }),
)
writeSection(
  'ws-server',
  `## WebSocket server

Echo: each connection keeps "depth" messages in flight and sends the next when the echo of one is
back${depthsArg === 'auto' ? ' (as many as fit in 64 KB, at most 16)' : ''}; messages are single binary${types.includes('text') ? ' or text' : ''} frames, masked as clients must. Fan-out:
${subscribers} connections subscribe to one topic and one more publishes to it, keeping ${fanoutDepth} messages in
flight, a message counting as done once every subscriber has it; the rate is deliveries (a
message times its subscribers) per second. No compression anywhere. One server process, pinned
to CPU ${serverCpu}; the load is one single-threaded C client pinned to CPU ${loadCpu}, which checks every
echo and delivery byte for byte and in order ("load CPU": its own share of its core; while
it stays well under 100%, the server is the limit). Latency: from sending a message to its
echo, or from publishing it to each delivery. Medians of ${runs} run${runs === 1 ? '' : 's'} of ${seconds} s after ${warmup} s of
warm-up, servers measured back to back in rotating order, each once every server is idle (a
slow server keeps answering the messages its load left queued for seconds, on the core the
next one is measured on); ratios are medians of ratios taken
within each run, per second and per CPU-second of the server (its CPU time over the measured
window, from /proc/PID/stat). ${provenance('ws-server.ts', 'bash benchmarks/setup.sh && npm run build', notes)}

${table}

![WebSocket messages relative to uWebSockets.js](ws-benchmark.svg)

${describeIdleMemory('WebSocket', 'complete the handshake, echo one 64-byte message', memoryConnections, memoryRuns, { restMs: memoryRestMs })}

${memoryTable}

Raw runs: [ws-benchmark.json](ws-benchmark.json).`,
  out,
)
console.log(`\nresults written to ${out}${quick ? ' (a smoke run: docs/ left as it was)' : ''}`)
