/**
 * Signal-driven I/O (@io/signal SignalDrivenIO) against @io/core Epoll: dispatch rate, latency,
 * and what recovering from a signal-queue overflow costs.
 *
 *   npx tsx benchmarks/signal-dispatch.ts [--seconds 1] [--runs 3] [--counts 1,10,100,1000] [--bursts 300]
 *
 * 1. Dispatch rate, one thread: a burst writes one byte to each of N socketpairs, then wait()
 *    until all N readers were reported, reading each byte. Events/s over the whole cycle, and
 *    the time per event spent in write() (where the kernel queues a signal, or links epoll's
 *    ready item) and in wait(). Peers: sigio, level-triggered epoll, edge-triggered epoll;
 *    runs alternate between peers and the medians are reported.
 * 2. Latency: a writer thread writes the bursts (stamping each write), the main thread handles
 *    events inside Node's loop (start()); latency = handler time - write time, per event;
 *    medians over the runs of each run's p50 and p99.
 * 3. Overflow recovery: in child processes with RLIMIT_SIGPENDING at 64 (prlimit) and at the
 *    default, bursts of A active among W watched pairs; with the low limit every burst overflows
 *    the queue and is recovered by a rescan that polls all W fds.
 *
 * Prints the tables and writes docs/signal.json and docs/signal.svg (drawn here). The numbers
 * quoted in docs/signal.md come from this script.
 */
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { logLineChart } from './lib/chart.js'
import { PEERS, type Peer } from './signal/dispatchers.js'
import {
  type BurstResult,
  type DispatchResult,
  type LatencyResult,
  closePairs,
  makePairs,
  measureBursts,
  measureDispatch,
  measureLatency,
} from './signal/measure.js'
import { docsDir, machine, markdownTable, median, revision, type Row, writeJson } from './lib/report.js'
import { cliArgs, listArg } from './lib/args.js'

const args = cliArgs()
const seconds = Number(args.get('seconds') ?? 1)
const runs = Number(args.get('runs') ?? 3)
const counts = listArg(args, 'counts', '1,10,100,1000').map(Number)
const bursts = Number(args.get('bursts') ?? 300)
const overflowCases: Array<[watched: number, active: number]> = [
  [1000, 100],
  [1000, 1000],
  [5000, 100],
  [5000, 1000],
]

/** Child mode: the overflow measurement, printed as JSON (run under prlimit by the parent). */
async function overflowChild(): Promise<void> {
  const out: Array<{ watched: number; active: number; peer: Peer } & BurstResult> = []
  for (const [watched, active] of overflowCases) {
    const pairs = makePairs(watched)
    for (const peer of ['sigio', 'epoll'] as const) out.push({ watched, active, peer, ...measureBursts(peer, pairs, active, seconds) })
    closePairs(pairs)
  }
  console.log(JSON.stringify(out))
}

function runOverflowChild(limit: number | null): Array<{ watched: number; active: number; peer: Peer } & BurstResult> {
  const self = fileURLToPath(import.meta.url)
  const node = [process.execPath, ...process.execArgv, self, '--part', 'overflow', '--seconds', String(seconds)]
  const [cmd, ...rest] = limit === null ? node : ['prlimit', `--sigpending=${limit}`, ...node]
  const result = spawnSync(cmd, rest, { encoding: 'utf8', timeout: 600_000 })
  if (result.status !== 0) throw new Error(`overflow child failed: ${result.stderr || result.error}`)
  return JSON.parse(result.stdout.trim().split('\n').pop()!)
}

async function main(): Promise<void> {
  console.log(`signal-dispatch: ${machine()}, revision ${revision()}`)
  console.log(`seconds ${seconds}, runs ${runs}, counts ${counts.join(',')}, bursts ${bursts}\n`)

  // 1. Dispatch rate.
  const dispatch: Record<string, Record<Peer, DispatchResult[]>> = {}
  for (const n of counts) {
    const pairs = makePairs(n)
    dispatch[n] = { sigio: [], epoll: [], 'epoll-et': [] }
    for (let run = 0; run < runs; run++) {
      for (const peer of PEERS) dispatch[n][peer].push(measureDispatch(peer, pairs, seconds))
    }
    closePairs(pairs)
  }
  const med = (n: number, peer: Peer, key: keyof DispatchResult) => median(dispatch[n][peer].map((r) => r[key]))
  const dispatchRows: Row[] = counts.map((n) => ({
    'active fds': n,
    'sigio events/s': Math.round(med(n, 'sigio', 'eventsPerSec')),
    'epoll events/s': Math.round(med(n, 'epoll', 'eventsPerSec')),
    'epoll-et events/s': Math.round(med(n, 'epoll-et', 'eventsPerSec')),
    'sigio / epoll': `${(med(n, 'sigio', 'eventsPerSec') / med(n, 'epoll', 'eventsPerSec')).toFixed(2)}x`,
    'write ns/ev sigio': med(n, 'sigio', 'writeNsPerEvent'),
    'write ns/ev epoll': med(n, 'epoll', 'writeNsPerEvent'),
    'wait ns/ev sigio': med(n, 'sigio', 'waitNsPerEvent'),
    'wait ns/ev epoll': med(n, 'epoll', 'waitNsPerEvent'),
  }))
  console.log('Dispatch rate (one thread: write N, wait until N reported, read N)')
  console.log(markdownTable(dispatchRows))

  // 2. Latency inside Node's loop, writes from another thread.
  const latency: Record<string, Record<Peer, LatencyResult[]>> = {}
  for (const n of counts) {
    const pairs = makePairs(n)
    latency[n] = { sigio: [], epoll: [], 'epoll-et': [] }
    const perBurst = Math.max(20, Math.round(bursts / Math.max(1, n / 100)))
    for (let run = 0; run < runs; run++) {
      for (const peer of PEERS) latency[n][peer].push(await measureLatency(peer, pairs, perBurst))
    }
    closePairs(pairs)
  }
  const lat = (n: number, peer: Peer, key: keyof LatencyResult) => median(latency[n][peer].map((r) => r[key]))
  const latencyRows: Row[] = counts.map((n) => ({
    'active fds': n,
    'sigio p50 µs': lat(n, 'sigio', 'p50Us'),
    'sigio p99 µs': lat(n, 'sigio', 'p99Us'),
    'epoll p50 µs': lat(n, 'epoll', 'p50Us'),
    'epoll p99 µs': lat(n, 'epoll', 'p99Us'),
    'epoll-et p50 µs': lat(n, 'epoll-et', 'p50Us'),
    'epoll-et p99 µs': lat(n, 'epoll-et', 'p99Us'),
    'sigio / epoll p50': `${(lat(n, 'sigio', 'p50Us') / lat(n, 'epoll', 'p50Us')).toFixed(2)}x`,
  }))
  console.log('\nLatency, write (other thread) to handler (start(), Node loop)')
  console.log(markdownTable(latencyRows))

  // 3. Overflow recovery.
  const limited = runOverflowChild(64)
  const unlimited = runOverflowChild(null)
  const find = (list: typeof limited, w: number, a: number, peer: Peer) =>
    list.find((r) => r.watched === w && r.active === a && r.peer === peer)!
  const overflowRows: Row[] = overflowCases.map(([w, a]) => {
    const low = find(limited, w, a, 'sigio')
    const high = find(unlimited, w, a, 'sigio')
    const ep = find(unlimited, w, a, 'epoll')
    return {
      watched: w,
      active: a,
      'sigio µs/burst (queue 64)': low.usPerBurst,
      'overflows / rescans': `${low.overflows} / ${low.rescans}`,
      'sigio µs/burst (no overflow)': high.usPerBurst,
      'epoll µs/burst': ep.usPerBurst,
      'overflow cost': `${(low.usPerBurst / high.usPerBurst).toFixed(2)}x`,
    }
  })
  console.log('\nOverflow recovery, median µs per burst (bursts of `active` writes among `watched` pairs; RLIMIT_SIGPENDING 64 vs default)')
  console.log(markdownTable(overflowRows))

  writeJson('signal.json', {
    machine: machine(),
    revision: revision(),
    settings: { seconds, runs, counts, bursts },
    dispatch,
    latency,
    overflow: { limited, unlimited },
    tables: { dispatch: dispatchRows, latency: latencyRows, overflow: overflowRows },
  })
  const line = (name: string, peer: Peer, field: 'cycleNsPerEvent' | 'writeNsPerEvent' | 'waitNsPerEvent') => ({
    name,
    points: counts.map((n) => ({ x: n, y: med(n, peer, field) })),
  })
  const svg = logLineChart({
    title: 'Time per event: whole cycle, and inside write() and wait() (lower is better)',
    xLabel: 'active fds per burst',
    yLabel: 'ns per event',
    series: [
      ...PEERS.map((peer) => line(`${peer} cycle`, peer, 'cycleNsPerEvent')),
      ...(['sigio', 'epoll'] as const).flatMap((peer) => [
        line(`${peer} in write()`, peer, 'writeNsPerEvent'),
        line(`${peer} in wait()`, peer, 'waitNsPerEvent'),
      ]),
    ],
  })
  writeFileSync(`${docsDir}signal.svg`, svg)
  console.log('\nwrote docs/signal.json and docs/signal.svg')
}

if (args.get('part') === 'overflow') await overflowChild()
else await main()
