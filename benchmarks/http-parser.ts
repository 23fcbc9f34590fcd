/**
 * The HTTP/1.1 request head parser, TypeScript against native: nanoseconds per request,
 * requests per second and requests per CPU-second, in one process, side by side.
 *
 *   npx tsx benchmarks/http-parser.ts [--quick] [--seconds 1] [--runs 7] [--warmup 0.5]
 *   taskset -c 0 npx tsx benchmarks/http-parser.ts      # pinned to one core, as recorded
 *
 * What each side does per buffer is what a server does per read:
 * - TypeScript: @io/server's `findHeadEnd` and `parseHead` head after head (as its HTTP session
 *   calls them), each filling the one reusable RequestHead.
 * - native: one `parseHttpHeads` call for the whole buffer (one JS/native crossing however many
 *   requests it holds), then a walk over the records it wrote that reads each one's status and
 *   flags, as a caller must: the crossing and the reading back are part of the figure.
 *
 * Scenarios: one small GET head (as wrk sends it), one browser-like GET head with 15 header
 * fields, and 16 small GET heads pipelined in one buffer (as `h2load -m 16` sends them), parsed
 * per call. Each run measures every scenario and side for --seconds after a --warmup of the
 * same (the JIT settles), sides in alternating order; tables show medians over --runs, and the
 * ratio is the median of the ratios taken within each run, so drift on a shared machine that
 * hits both sides alike cancels. Before timing, both sides must agree on every head's end.
 *
 * Writes docs/http-parser.json and docs/http-parser.svg (native speed as a multiple of
 * TypeScript's, per scenario); --quick (0.2 s runs, 3 of them, short warm-up) writes them into
 * a temporary folder instead, as a smoke run.
 */
import { writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { HTTP_HEAD, httpHeadRecordLength, httpHeadsCapacity, parseHttpHeads } from '@io/core'
import { RequestHead, findHeadEnd, parseHead } from '../packages/server/src/http/head-parser.js'
import { HTTP_DEFAULTS } from '../packages/server/src/http/limits.js'
import { barChart } from './lib/chart.js'
import { cliArgs } from './lib/args.js'
import { machine, markdownTable, median, resultsDir, revision, writeJson, type Row } from './lib/report.js'
import { formatRatio } from './lib/same-run-samples.js'

const args = cliArgs()
const quick = args.has('quick')
const seconds = Number(args.get('seconds') ?? (quick ? 0.2 : 1))
const runs = Number(args.get('runs') ?? (quick ? 3 : 7))
const warmup = Number(args.get('warmup') ?? (quick ? 0.1 : 0.5))

const SMALL_GET = 'GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n'
const BROWSER_GET = [
  'GET /articles/2024/reactor-patterns?page=2&sort=recent HTTP/1.1',
  'Host: www.example.com',
  'Connection: keep-alive',
  'Cache-Control: max-age=0',
  'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
  'sec-ch-ua-mobile: ?0',
  'sec-ch-ua-platform: "Linux"',
  'Upgrade-Insecure-Requests: 1',
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'Sec-Fetch-Site: same-origin',
  'Sec-Fetch-Mode: navigate',
  'Sec-Fetch-User: ?1',
  'Sec-Fetch-Dest: document',
  'Referer: https://www.example.com/articles/2024/',
  'Accept-Encoding: gzip, deflate, br, zstd',
  'Accept-Language: en-GB,en;q=0.9,de;q=0.8',
  'Cookie: session=8f14e45fceea167a5a36dedd4bea2543; theme=dark; consent=1',
].join('\r\n') + '\r\n\r\n'

interface Scenario {
  name: string
  bytes: Buffer
  /** Requests in `bytes`. */
  requests: number
}

const scenarios: Scenario[] = [
  { name: 'small GET', bytes: Buffer.from(SMALL_GET), requests: 1 },
  { name: 'browser GET (15 fields)', bytes: Buffer.from(BROWSER_GET), requests: 1 },
  { name: '16 pipelined small GETs', bytes: Buffer.from(SMALL_GET.repeat(16)), requests: 16 },
]

const limits = { ...HTTP_DEFAULTS }
const head = new RequestHead(limits.maxHeaderCount)
const out = new Int32Array(httpHeadsCapacity(limits.maxHeaderCount, 16))
let sink = 0 // what each side read, so that no work is optimised away

/** The TypeScript side: every head of `buf`, one after another. Returns the heads parsed. */
function parseTypeScript(buf: Buffer): number {
  const end = buf.length
  let i = 0
  let count = 0
  while (i < end) {
    const headEnd = findHeadEnd(buf, i, i, end)
    if (headEnd < 0) break
    const verdict = parseHead(buf, i, headEnd, limits, head)
    if (verdict < 0) break
    sink += verdict + head.flags + head.fieldCount
    count++
    i = headEnd
  }
  return count
}

/** The native side: one call for all of `buf`, then each record's status and flags read back. */
function parseNative(buf: Buffer): number {
  const count = parseHttpHeads(buf, 0, buf.length, out, limits)
  let r: number = HTTP_HEAD.BATCH_HEADER
  for (let k = 0; k < count; k++) {
    sink += out[r + HTTP_HEAD.STATUS] + out[r + HTTP_HEAD.FLAGS]
    r += httpHeadRecordLength(out, r)
  }
  return count
}

const sides = [
  { name: 'TypeScript', parse: parseTypeScript },
  { name: 'native', parse: parseNative },
] as const
type SideName = (typeof sides)[number]['name']

/** Both sides find every request of every scenario, accepted, with the same head ends. */
function checkAgreement(): void {
  for (const scenario of scenarios) {
    const buf = scenario.bytes
    const typescriptEnds: number[] = []
    for (let i = 0; i < buf.length; ) {
      const headEnd = findHeadEnd(buf, i, i, buf.length)
      typescriptEnds.push(headEnd < 0 ? -1 : parseHead(buf, i, headEnd, limits, head))
      if (headEnd < 0) break
      i = headEnd
    }
    const nativeEnds: number[] = []
    const count = parseHttpHeads(buf, 0, buf.length, out, limits)
    for (let k = 0, r: number = HTTP_HEAD.BATCH_HEADER; k < count; k++, r += httpHeadRecordLength(out, r)) {
      nativeEnds.push(out[r + HTTP_HEAD.STATUS])
    }
    const same = typescriptEnds.length === scenario.requests && typescriptEnds.join() === nativeEnds.join()
    if (!same || typescriptEnds.some((e) => e <= 0)) {
      throw new Error(`"${scenario.name}": TypeScript head ends ${typescriptEnds.join()}, native ${nativeEnds.join()}`)
    }
  }
}

interface Sample {
  nsPerRequest: number
  requestsPerSecond: number
  requestsPerCpuSecond: number
}

/** Calls `parse(bytes)` for `duration` seconds; the figures per request. */
function measure(parse: (buf: Buffer) => number, scenario: Scenario, duration: number): Sample {
  const { bytes, requests } = scenario
  const batch = Math.max(1, Math.round(2000 / requests)) // calls between clock reads
  let calls = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const stop = t0 + duration * 1000
  let now = t0
  while (now < stop) {
    for (let k = 0; k < batch; k++) sink += parse(bytes)
    calls += batch
    now = performance.now()
  }
  const cpu = process.cpuUsage(cpu0)
  const total = calls * requests
  const wallSeconds = (now - t0) / 1000
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  return { nsPerRequest: (wallSeconds * 1e9) / total, requestsPerSecond: total / wallSeconds, requestsPerCpuSecond: total / cpuSeconds }
}

checkAgreement()
const samples = new Map<string, Sample[]>() // `${scenario}|${side}` -> one sample per run
const key = (scenario: Scenario, side: SideName) => `${scenario.name}|${side}`
for (let run = 0; run < runs; run++) {
  for (const scenario of scenarios) {
    const order = run % 2 === 0 ? sides : [...sides].reverse()
    for (const side of order) {
      measure(side.parse, scenario, warmup)
      const list = samples.get(key(scenario, side.name)) ?? []
      list.push(measure(side.parse, scenario, seconds))
      samples.set(key(scenario, side.name), list)
    }
  }
  console.error(`run ${run + 1} of ${runs} done`)
}

const medianOf = (scenario: Scenario, side: SideName, figure: keyof Sample) =>
  median(samples.get(key(scenario, side))!.map((s) => s[figure]))
/** Median over runs of native speed / TypeScript speed in that run (> 1: native is faster). */
function speedup(scenario: Scenario, figure: 'requestsPerSecond' | 'requestsPerCpuSecond'): number {
  const ts = samples.get(key(scenario, 'TypeScript'))!
  const native = samples.get(key(scenario, 'native'))!
  return median(native.map((s, run) => s[figure] / ts[run][figure]))
}

const rows: Row[] = scenarios.map((scenario) => ({
  scenario: scenario.name,
  'bytes/request': scenario.bytes.length / scenario.requests,
  'TS ns/request': medianOf(scenario, 'TypeScript', 'nsPerRequest'),
  'native ns/request': medianOf(scenario, 'native', 'nsPerRequest'),
  'TS M requests/s': medianOf(scenario, 'TypeScript', 'requestsPerSecond') / 1e6,
  'native M requests/s': medianOf(scenario, 'native', 'requestsPerSecond') / 1e6,
  'TS M requests/CPU-s': medianOf(scenario, 'TypeScript', 'requestsPerCpuSecond') / 1e6,
  'native M requests/CPU-s': medianOf(scenario, 'native', 'requestsPerCpuSecond') / 1e6,
  'native / TS (per s / per CPU-s)': `${formatRatio(speedup(scenario, 'requestsPerSecond'))} / ${formatRatio(speedup(scenario, 'requestsPerCpuSecond'))}`,
}))
const table = markdownTable(rows)
console.log(`\nHTTP head parser: medians of ${runs} runs of ${seconds} s${quick ? ' (a smoke run)' : ''}\n`)
console.log(table)

const dir = resultsDir(quick)
const command = `npx tsx benchmarks/http-parser.ts ${process.argv.slice(2).join(' ')}`.trim()
writeJson(
  'http-parser.json',
  {
    command,
    machine: machine(),
    revision: revision(),
    smoke: quick,
    settings: { seconds, runs, warmup },
    limits: { maxHeaderBytes: limits.maxHeaderBytes, maxTargetBytes: limits.maxTargetBytes, maxHeaderCount: limits.maxHeaderCount },
    scenarios: scenarios.map((scenario) => ({
      name: scenario.name,
      requests: scenario.requests,
      bytes: scenario.bytes.length,
      speedup: { perSecond: speedup(scenario, 'requestsPerSecond'), perCpuSecond: speedup(scenario, 'requestsPerCpuSecond') },
      runs: Object.fromEntries(sides.map((side) => [side.name, samples.get(key(scenario, side.name))])),
    })),
    table: rows,
  },
  dir,
)
writeFileSync(
  `${dir}http-parser.svg`,
  barChart({
    title: 'Native head parser, x TypeScript (dashed: equal)',
    yLabel: 'x TypeScript (median of per-run ratios)',
    series: ['per second', 'per CPU-second'],
    groups: scenarios.map((scenario) => ({
      label: scenario.name,
      values: [speedup(scenario, 'requestsPerSecond'), speedup(scenario, 'requestsPerCpuSecond')],
    })),
    reference: 1,
  }),
)
console.log(`\nresults written to ${dir}${quick ? ' (a smoke run: docs/ left as it was)' : ''}`)
if (sink === -1) console.log(sink)
