/**
 * The I/O-model lab: every echo server of examples/io-models (plus node:net and @io/server's
 * callback style as references) under the same C load, over 1 to 5,000 connections, with all
 * connections busy and with 1% busy (the rest connected and idle).
 *
 *   npm run lab                 # full: 3 runs of 3 s per point
 *   npm run lab -- --quick      # 1 run of 1 s per point, blocking-threads up to 100
 *   npm run lab -- --from-json  # re-render docs/io-models.md and charts from docs/io-models.json
 *   options: --models a,b --conns 1,10,100 --seconds S --warmup W --runs R
 *            --server-cpu 0 --load-cpu 1 --max-threads N
 *
 * Per point: round trips/s and p50/p99 latency (echo-load), server CPU per round trip and
 * memory per connection (/proc/<pid>/stat and status of the server). Server and load are pinned
 * to different CPUs with taskset. Each model gets a fresh server per connection count. Writes
 * docs/io-models.json, docs/io-models.md and docs/io-models-*.svg.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import { cliArgs, listArg } from '../lib/args.js'
import { docsDir, median, revision, writeJson } from '../lib/report.js'
import { runLoad, type LoadResult } from './load-run.js'
import { MODELS, type ModelSpec } from './models.js'
import { renderPage } from './page.js'
import { fdsBackTo, memAvailableKb, openFds, pendingSignalLimit, sampleProcess } from './process-sample.js'
import { connections, micros, rate } from './format.js'
import { type Cell, type LabRecord, type ModelRecord, idleActive } from './record.js'
import { startServer, stopServer } from './server-process.js'

const argv = process.argv.slice(2)
const quick = argv.includes('--quick')
if (argv.includes('--from-json')) {
  renderPage(JSON.parse(readFileSync(`${docsDir}io-models.json`, 'utf8')) as LabRecord)
  console.log('rendered docs/io-models.md and charts from docs/io-models.json')
  process.exit(0)
}
const args = cliArgs(argv.filter((a) => a !== '--quick'))
const settings = {
  seconds: Number(args.get('seconds') ?? (quick ? 1 : 3)),
  warmup: Number(args.get('warmup') ?? (quick ? 0.3 : 1)),
  runs: Number(args.get('runs') ?? (quick ? 1 : 3)),
  size: 64,
  depth: 1,
  connCounts: listArg(args, 'conns', '1,10,100,1000,5000').map(Number),
  idleShare: 0.01,
}
const maxThreads = Number(args.get('max-threads') ?? (quick ? 100 : Infinity))
const wanted = listArg(args, 'models', MODELS.map((m) => m.id).join(','))
const models = MODELS.filter((m) => wanted.includes(m.id))
const PRIME_SECONDS = 120 // every connection's first round trip; thread start-up is the slow part

const loadBin = fileURLToPath(new URL('../bin/echo-load', import.meta.url))
if (!existsSync(loadBin)) {
  console.error(`missing ${loadBin}: run \`bash benchmarks/build.sh\` first`)
  process.exit(1)
}
const serverCpu = args.get('server-cpu') ?? '0'
const loadCpu = args.get('load-cpu') ?? '1'
let pinned: LabRecord['pinned'] = null
try {
  if (cpus().length >= 2) {
    execFileSync('taskset', ['-c', serverCpu, 'true'])
    pinned = { server: serverCpu, load: loadCpu }
  }
} catch {}
if (pinned === null) console.warn('taskset unavailable or a single CPU: server and load are not pinned')

const record: LabRecord = {
  command: `npm run lab${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
  quick,
  revision: revision(),
  machine: {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    kernel: release(),
    node: process.version,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    pendingSignalLimit: pendingSignalLimit(),
  },
  pinned,
  loadAverage: { start: loadavg()[0], end: NaN },
  settings,
  startedAt: new Date().toISOString(),
  durationSeconds: 0,
  models: Object.fromEntries(
    models.map((m): [string, ModelRecord] => [
      m.id,
      { id: m.id, label: m.label, example: m.example ?? null, skipped: null, stoppedAt: null, serverSaid: [], cells: [] },
    ]),
  ),
}

const started = performance.now()
const planned = models.length * settings.connCounts.length * 2
let done = 0
function progress(text: string): void {
  const elapsed = Math.round((performance.now() - started) / 1000)
  console.log(`[${String(done).padStart(3)}/${planned} ${Math.floor(elapsed / 60)}:${String(elapsed % 60).padStart(2, '0')}] ${text}`)
}

/** Why a model is not measured at `conns` connections (thread memory, --max-threads), or null. */
function reasonToStop(spec: ModelSpec, model: ModelRecord, conns: number): string | null {
  if (spec.id !== 'blocking-threads') return null
  if (conns > maxThreads) return `--max-threads is ${maxThreads}${quick ? ' (the --quick default)' : ''}`
  const perConn = model.cells.findLast((c) => c.memPerConnKb !== undefined)?.memPerConnKb
  if (perConn === undefined) return null
  const needKb = perConn * conns
  const availableKb = memAvailableKb()
  if (needKb <= availableKb / 2) return null
  const gib = (kb: number) => `${(kb / 2 ** 20).toFixed(1)} GiB`
  return `${conns.toLocaleString('en-US')} threads would need about ${gib(needKb)} (${(perConn / 1024).toFixed(1)} MiB each, as measured), more than half of the ${gib(availableKb)} available`
}

function summarize(conns: number, activity: Cell['activity'], active: number, runs: LoadResult[], memPerConnKb?: number): Cell {
  const m = (pick: (r: LoadResult) => number) => median(runs.map(pick).filter(Number.isFinite))
  return {
    conns,
    activity,
    active,
    rps: m((r) => r.rps),
    p50Us: m((r) => r.p50Us),
    p99Us: m((r) => r.p99Us),
    cpuUsPerRoundTrip: m((r) => r.cpuUsPerRoundTrip),
    serverCpuShare: m((r) => r.serverCpuShare),
    refused: Math.max(...runs.map((r) => r.closed)),
    corrupt: runs.reduce((n, r) => n + r.corrupt, 0),
    memPerConnKb,
    threads: Math.max(...runs.map((r) => r.loaded.threads)),
    runs: runs.map((r) => ({ rps: r.rps, cpuUsPerRoundTrip: r.cpuUsPerRoundTrip, p99Us: r.p99Us })),
  }
}

/** Remembers the first line of each kind the server printed on stderr (refusals, warnings). */
function noteServerOutput(model: ModelRecord, stderr: string): void {
  for (const line of stderr.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const kind = line.replace(/\d+/g, 'N')
    if (!model.serverSaid.some((said) => said.replace(/\d+/g, 'N') === kind)) model.serverSaid.push(line)
  }
}

for (const conns of settings.connCounts) {
  for (const spec of models) {
    const model = record.models[spec.id]
    if (model.skipped !== null || model.stoppedAt !== null) {
      done += 2
      continue
    }
    const stop = reasonToStop(spec, model, conns)
    if (stop !== null) {
      model.stoppedAt = { conns, reason: stop }
      done += 2
      progress(`${spec.id}: ${stop}`)
      continue
    }
    const doneAfter = done + 2
    let server
    try {
      server = await startServer(spec, pinned?.server ?? null)
    } catch (error) {
      model.skipped = (error as Error).message
      done = doneAfter
      progress(`${spec.id}: not measured: ${model.skipped}`)
      continue
    }
    await new Promise((resolve) => setTimeout(resolve, 200)) // let start-up work settle before the baseline
    const baseline = sampleProcess(server.pid)
    const baselineFds = openFds(server.pid)
    try {
      for (const activity of ['all', 'idle'] as const) {
        const active = activity === 'all' ? conns : idleActive(conns, settings.idleShare)
        done++
        if (activity === 'idle' && active === conns) continue // the same measurement as 'all'
        const runs: LoadResult[] = []
        for (let run = 0; run < settings.runs; run++) {
          runs.push(
            await runLoad(server.pid, {
              loadBin,
              port: server.port,
              conns,
              active,
              size: settings.size,
              depth: settings.depth,
              seconds: settings.seconds,
              warmup: settings.warmup,
              primeSeconds: PRIME_SECONDS,
              cpu: pinned?.load ?? null,
            }),
          )
          // The next load starts from a server with no connection left over (select's fd
          // numbers, and memory, depend on it).
          if (!(await fdsBackTo(server.pid, baselineFds))) console.warn(`${spec.id}: connections still open 30 s after the load ended`)
        }
        const memPerConnKb = activity === 'all' ? (runs[0].loaded.rssAnonKb - baseline.rssAnonKb) / conns : undefined
        const cell = summarize(conns, activity, active, runs, memPerConnKb)
        model.cells.push(cell)
        const refused = cell.refused > 0 ? `, ${cell.refused} refused` : ''
        progress(`${spec.id}, ${connections(conns)}, ${active.toLocaleString('en-US')} active: ${rate(cell.rps)} round trips/s, p99 ${micros(cell.p99Us)} µs, ${micros(cell.cpuUsPerRoundTrip)} µs CPU each${refused}`)
      }
    } catch (error) {
      model.stoppedAt = { conns, reason: (error as Error).message }
      progress(`${spec.id}: stopped at ${connections(conns)}: ${model.stoppedAt.reason}`)
    } finally {
      done = doneAfter
      noteServerOutput(model, server.stderr())
      await stopServer(server)
    }
  }
}

record.loadAverage.end = loadavg()[0]
record.durationSeconds = Math.round((performance.now() - started) / 1000)
writeJson('io-models.json', record)
renderPage(record)
console.log(`wrote docs/io-models.json, docs/io-models.md and charts in ${record.durationSeconds} s`)
