/**
 * Turns the recorded runs of benchmarks/echo-backends.ts (docs/echo-backends.json) into the
 * tables, the chart (docs/echo-backends.svg) and the "io_uring vs epoll echo" section of
 * docs/benchmarks.md. Kept apart from the measuring so that `--from-json` can redraw them.
 */
import { writeFileSync } from 'node:fs'
import { docsDir, markdownTable, median, writeSection, type Row } from '../lib/report.js'
import { barChart } from '../lib/chart.js'

export const LABELS: Record<string, string> = {
  c: 'C epoll',
  epoll: 'epoll (level)',
  'epoll-et': 'epoll (edge)',
  uring: 'uring',
  'uring-wait': 'uring (wait loop)',
}

export interface ScenarioResult {
  conns: number
  size: number
  depth: number
  rps: Record<string, number[]> // one sample per run, in run order
  cpuUsPerRoundTrip: Record<string, number[]>
  errors: Record<string, number>
}

export interface EchoRecord {
  command: string
  machine: string
  revision: string
  pinned: { server: string; load: string } | null
  uringSetupFlags: string
  seconds: number
  warmup: number
  runs: number
  backends: string[]
  /** 1-minute load average when the run started and ended: how busy the (shared) machine was. */
  loadAverage?: { start: number; end: number }
  results: ScenarioResult[]
}

// Ratios are paired: backend a over backend b within each run (measured seconds apart), then the
// median over runs. On a shared machine this cancels most of the drift between runs.
// A run in which the load generator counted no round trip at all is a failed measurement,
// not a speed: it happens against every server here, the C one included. Such runs (rps 0,
// CPU per round trip NaN) are left out of medians and out of the paired ratios.
const measured = (v: number) => Number.isFinite(v) && v > 0

function pairedRatio(a: number[], b: number[]): number {
  const ratios = a.flatMap((v, i) => (measured(v) && measured(b[i]) ? [v / b[i]] : []))
  return ratios.length > 0 ? median(ratios) : NaN
}

function measuredMedian(values: number[]): number {
  const kept = values.filter(measured)
  return kept.length > 0 ? median(kept) : NaN
}

/** How many runs of the record failed (see `measured`). */
export function failedRuns(record: EchoRecord): number {
  return record.results.reduce((n, r) => n + Object.values(r.rps).flat().filter((v) => !measured(v)).length, 0)
}

function ratioCells(row: Row, data: Record<string, number[]>, pairs: Array<[string, string]>): void {
  for (const [a, b] of pairs) {
    if (data[a] && data[b]) row[`${a} / ${b === 'c' ? 'C' : b}`] = `${pairedRatio(data[a], data[b]).toFixed(2)}x`
  }
}

export function throughputRows(record: EchoRecord): Row[] {
  return record.results.map((r) => {
    const row: Row = { conns: r.conns, size: r.size, depth: r.depth }
    for (const b of record.backends) {
      const value = measuredMedian(r.rps[b])
      row[LABELS[b]] = r.errors[b] > 0 ? `${Math.round(value)} (${r.errors[b]} errors)` : value
    }
    ratioCells(row, r.rps, [
      ['uring', 'c'],
      ['uring', 'epoll'],
      ['uring-wait', 'c'],
      ['epoll', 'c'],
    ])
    return row
  })
}

export function cpuRows(record: EchoRecord): Row[] {
  return record.results.map((r) => {
    const row: Row = { conns: r.conns, size: r.size, depth: r.depth }
    for (const b of record.backends) row[LABELS[b]] = measuredMedian(r.cpuUsPerRoundTrip[b])
    ratioCells(row, r.cpuUsPerRoundTrip, [
      ['uring', 'c'],
      ['uring', 'epoll'],
    ])
    return row
  })
}

export function renderEchoReport(record: EchoRecord): void {
  const series = record.backends.filter((b) => b !== 'c')
  writeFileSync(
    `${docsDir}echo-backends.svg`,
    barChart({
      title: 'Echo round trips/s relative to the C epoll server (paired medians; dashed line = 1)',
      yLabel: 'x C epoll server',
      series: series.map((b) => LABELS[b]),
      reference: 1,
      groups: record.results.map((r) => ({
        label: `${r.conns}c ${r.size}B d${r.depth}`,
        values: series.map((b) => (r.rps.c ? pairedRatio(r.rps[b], r.rps.c) : NaN)),
      })),
    }),
  )
  const { runs, seconds, warmup, pinned } = record
  writeSection(
    'uring-echo',
    `## io_uring vs epoll echo

One JavaScript echo handler (\`benchmarks/echo/handler.ts\`) served over each @io/core backend,
measured against the plain C epoll echo server, under the C load generator (\`bin/echo-load\`,
which checks every echoed byte). \`conns\` connections each keep \`depth\` messages of \`size\`
bytes in flight. Medians of ${runs} runs of ${seconds} s (after ${warmup} s of warm-up); for each row
the servers are measured back to back in rotating order, and ratios are the median of the
ratios within each run (paired), not ratios of the medians.
${pinned ? `Server pinned to CPU ${pinned.server}, load to CPU ${pinned.load} (taskset).` : 'Not pinned (taskset unavailable).'}
io_uring setup flags: ${record.uringSetupFlags}. Machine: ${record.machine}; revision ${record.revision}.${
      record.loadAverage
        ? `\nLoad average ${record.loadAverage.start.toFixed(1)} at the start, ${record.loadAverage.end.toFixed(1)} at the end (the load average of the 1-minute window; the benchmark's own server and load generator account for up to 2 of it, anything above that is other work).`
        : ''
    }

\`\`\`sh
bash benchmarks/build.sh
${record.command}
\`\`\`

Round trips per second (higher is better):

${markdownTable(throughputRows(record))}

${failedRuns(record)} of ${record.results.length * record.backends.length * runs} runs counted no round trip at all and are left out of the
figures: it happens against every server here, the C one included (a load-generator or
machine effect: tens of thousands of loopback connections sat in TIME_WAIT from the team's
benchmarks). The raw runs, those included, are in the JSON.

Server CPU time per round trip, in microseconds (lower is better): user + system time of all
the server's threads over the counted seconds (/proc/PID/stat), which leaves out the softirq
time the loopback stack spends on the peer's packets. Contention from other processes slows
every server down but changes this much less than it changes throughput:

${markdownTable(cpuRows(record))}

![echo round trips relative to the C server](echo-backends.svg)

Raw runs: [echo-backends.json](echo-backends.json). What the numbers mean: [uring.md](uring.md).`,
  )
}
