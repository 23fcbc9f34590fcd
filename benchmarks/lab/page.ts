/**
 * Renders a lab record into docs/io-models.md and its charts (docs/io-models-*.svg): the
 * answers to the claims, the tables they quote, how to repeat the run and on what machine.
 */
import { writeFileSync } from 'node:fs'
import { type LineSeries, logLineChart } from '../lib/chart.js'
import { docsDir, markdownTable, type Row } from '../lib/report.js'
import { answerClaims } from './answers.js'
import { cores, kib, micros, rate } from './format.js'
import { type Cell, type LabRecord, MEMORY_FROM, type ModelRecord, idleActive, pointOf } from './record.js'

const ACTIVITY_TEXT: Record<Cell['activity'], string> = { all: 'all connections active', idle: '1% of connections active' }

/** A table with a row per model and a column per connection count; `cell` formats one point. */
function modelTable(record: LabRecord, activity: Cell['activity'], cell: (p: Cell) => string): string {
  const rows: Row[] = Object.values(record.models).map((model) => {
    const row: Row = { model: model.example ? `[${model.id}](../${model.example})` : model.id }
    for (const n of record.settings.connCounts) {
      const p = pointOf(record, model.id, n, activity)
      row[`${n.toLocaleString('en-US')} conn${n === 1 ? '' : 's'}`] = p ? cell(p) + (p.refused > 0 ? ` (${p.refused.toLocaleString('en-US')} refused)` : '') : notMeasured(model, n)
    }
    return row
  })
  return markdownTable(rows)
}

function notMeasured(model: ModelRecord, conns: number): string {
  if (model.skipped !== null) return 'skipped'
  if (model.stoppedAt !== null && conns >= model.stoppedAt.conns) return 'stopped'
  return '–'
}

/** Log-log chart of `value` over connection counts, a line per model. */
function chart(record: LabRecord, title: string, yLabel: string, activity: Cell['activity'], value: (p: Cell) => number): string {
  const series: LineSeries[] = Object.values(record.models).map((model, i) => ({
    name: model.id,
    color: i % 7,
    dashed: i >= 7,
    points: record.settings.connCounts.flatMap((n) => {
      const p = pointOf(record, model.id, n, activity)
      return p && p.refused === 0 && Number.isFinite(value(p)) ? [{ x: n, y: value(p) }] : []
    }),
  }))
  return logLineChart({ title, xLabel: 'connections', yLabel, series: series.filter((s) => s.points.length > 0) })
}

/** The charts: a curve per model over connection counts, once per activity. */
const CHARTS: Record<string, { title: string; yLabel: string; value: (p: Cell) => number }> = {
  rps: { title: 'Round trips per second', yLabel: 'round trips/s', value: (p) => p.rps },
  cpu: { title: 'Server CPU per round trip', yLabel: 'CPU µs per round trip', value: (p) => p.cpuUsPerRoundTrip },
}

const chartFile = (name: string, activity: Cell['activity']) => `io-models-${name}${activity === 'idle' ? '-idle' : ''}.svg`

/** The table of one metric for both activities, each followed by its chart if it has one. */
function bothActivities(record: LabRecord, cell: (p: Cell) => string, chartName?: string): string {
  return (['all', 'idle'] as const)
    .map((activity) => {
      const image = chartName ? `\n\n![${CHARTS[chartName].title}, ${ACTIVITY_TEXT[activity]}](${chartFile(chartName, activity)})` : ''
      return `${ACTIVITY_TEXT[activity]}:\n\n${modelTable(record, activity, cell)}${image}`
    })
    .join('\n\n')
}

function busyNote(record: LabRecord): string {
  const { start, end } = record.loadAverage
  if (start <= 1) return ''
  return (
    `\n> **This run comes from a busy machine.** The 1-minute load average was ${start.toFixed(1)} before the first server started ` +
    `(and ${end.toFixed(1)} at the end) on ${record.machine.cores} cores, so other work competed with the servers and the load generator. ` +
    'Treat the figures as a smoke test, not as results; run the lab again on an idle machine.\n'
  )
}

function stops(record: LabRecord): string {
  const lines: string[] = []
  for (const model of Object.values(record.models)) {
    if (model.skipped !== null) lines.push(`- **${model.id}** was not measured: ${model.skipped}`)
    if (model.stoppedAt !== null) lines.push(`- **${model.id}** stopped at ${model.stoppedAt.conns.toLocaleString('en-US')} connections: ${model.stoppedAt.reason}`)
    const refused = model.cells.filter((c) => c.refused > 0)
    if (refused.length > 0) {
      const points = refused.map((c) => `${c.refused.toLocaleString('en-US')} of ${c.conns.toLocaleString('en-US')} (${ACTIVITY_TEXT[c.activity]})`).join(', ')
      lines.push(`- **${model.id}** refused connections: ${points}. Its figures at those points are for the connections it served.`)
    }
    const corrupt = model.cells.reduce((n, c) => n + c.corrupt, 0)
    if (corrupt > 0) lines.push(`- **${model.id}** echoed wrong bytes ${corrupt} times: its figures are not valid.`)
  }
  return lines.length > 0 ? lines.join('\n') : 'Every model was measured at every point.'
}

/**
 * Throws unless every figure the answers quote (µs, round trips/s, KiB/MiB, % of a core)
 * appears in a table cell of the page: the answers must read their numbers off the tables.
 */
function checkQuotedFigures(answers: string, tables: string): void {
  const cells = new Set(tables.split('\n').flatMap((line) => line.split(/\s*\|\s*|\s+\/\s+|,\s(?=\d+ threads)/)))
  const quoted = [...answers.matchAll(/([\d,.]+) (?:µs|round trips\/s)|([\d,.]+ [KM]iB)|(\d+%) of one core/g)].map((m) => m[1] ?? m[2] ?? m[3])
  const missing = quoted.filter((figure) => !cells.has(figure))
  if (missing.length > 0) throw new Error(`io-models page: answers quote figures no table shows: ${missing.join(', ')}`)
}

/** Writes docs/io-models.md and docs/io-models-{rps,rps-idle,cpu,cpu-idle}.svg from `record`. */
export function renderPage(record: LabRecord): void {
  const s = record.settings
  for (const [name, { title, yLabel, value }] of Object.entries(CHARTS)) {
    for (const activity of ['all', 'idle'] as const) {
      const svg = chart(record, `${title}, ${ACTIVITY_TEXT[activity]}`, yLabel, activity, value)
      writeFileSync(`${docsDir}${chartFile(name, activity)}`, svg)
    }
  }

  const answers = answerClaims(record)
    .map((a, i) => `${i + 1}. *${a.claim}* **${a.verdict[0].toUpperCase()}${a.verdict.slice(1)}.** ${a.text}`)
    .join('\n')
  const idleCounts = s.connCounts.map((n) => `${idleActive(n, s.idleShare)} of ${n.toLocaleString('en-US')}`).join(', ')
  const m = record.machine
  const tables = `## Round trips per second

${bothActivities(record, (p) => rate(p.rps), 'rps')}

## Latency, p50 / p99 (µs)

${bothActivities(record, (p) => `${micros(p.p50Us)} / ${micros(p.p99Us)}`)}

## Server CPU per round trip (µs)

${bothActivities(record, (p) => micros(p.cpuUsPerRoundTrip), 'cpu')}

Share of one core the server used while counted (${ACTIVITY_TEXT.all}):

${modelTable(record, 'all', (p) => cores(p.serverCpuShare))}

## Memory per connection, and threads

With every connection open (all active); memory per connection from ${MEMORY_FROM} connections on, where
it is not lost in start-up work.

${modelTable(record, 'all', (p) => `${p.conns >= MEMORY_FROM ? `${kib(p.memPerConnKb)}, ` : ''}${p.threads.toLocaleString('en-US')} threads`)}`
  checkQuotedFigures(answers, tables)
  const page = `# I/O models, measured

The five I/O models of the classic texts (blocking, non-blocking, multiplexed, signal-driven
and asynchronous) as one echo server each, in [examples/io-models](../examples/io-models),
all driven by the same load, on the machine below. The claims usually made about them are
answered from this run's own numbers; run the lab on your machine and this page is rewritten
with yours.
${busyNote(record)}
## The claims

${answers}

## How this was measured

\`\`\`sh
npm install               # builds the native addon and the packages
npm run lab -- --quick    # 1 run of 1 s per point; blocking-threads up to 100 threads
npm run lab               # 3 runs of 3 s per point
\`\`\`

This page: \`${record.command}\`, ${record.startedAt.slice(0, 10)}, revision ${record.revision}, ${record.durationSeconds < 120 ? `${record.durationSeconds} s` : `${Math.round(record.durationSeconds / 60)} minutes`}.
Machine: ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node}.
${record.pinned ? `Each server ran pinned to CPU ${record.pinned.server} and the load generator to CPU ${record.pinned.load} (\`taskset -c\`).` : 'Server and load were not pinned to CPUs (taskset was unavailable or there is one CPU).'}

The load is \`bin/echo-load\`, a C program on one epoll thread that checks every byte it gets
back. It opens the connections, has each one make a first round trip (so the server has
accepted and set up all of them), then keeps one ${s.size}-byte message in flight on each
*active* connection: ${s.warmup} s of warm-up, then ${s.seconds} s counted, ${s.runs > 1 ? `${s.runs} runs per point (medians)` : 'one run per point'}. "1% active" keeps
${idleCounts} connections busy while the rest stay connected and idle. Each model gets a
fresh server for each connection count.

- **Round trips/s**: messages echoed per second, all active connections together.
- **Latency**: from sending a message to receiving its last byte, p50 and p99, in µs.
- **CPU per round trip**: the server's user + system CPU time (all threads, from
  \`/proc/<pid>/stat\`) over the counted seconds, divided by the round trips: what one echo costs
  the server, which a busy machine disturbs less than the rates.
- **Memory per connection**: growth of the server's anonymous resident memory (\`RssAnon\` in
  \`/proc/<pid>/status\`) from before the load to the moment every connection is open, divided
  by the connections: what the process itself keeps per connection. The kernel's socket
  buffers are not in it (they are the same whatever the model).

${tables}

## Where a model stopped

${stops(record)}

Raw figures, every run: [io-models.json](io-models.json).
`
  writeFileSync(`${docsDir}io-models.md`, page)
}
