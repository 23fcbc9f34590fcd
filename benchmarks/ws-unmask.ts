/**
 * Unmasking WebSocket payloads (RFC 6455 §5.3): JavaScript against @io/core's native
 * `maskWebSocketPayload`, nanoseconds per payload by size, in one process, side by side. It
 * shows where the server's switch to native code (`NATIVE_UNMASK_FROM` in
 * packages/server/src/ws/frames.ts) pays.
 *
 *   taskset -c 0 npx tsx benchmarks/ws-unmask.ts [--quick] [--seconds 0.5] [--runs 7] [--warmup 0.2]
 *
 * Sides, each over the same buffer, from an odd offset and a non-zero key phase (as a payload
 * that follows a frame header lands in a read):
 * - JavaScript, words: 32-bit XORs through an Int32Array view over the aligned middle, bytes
 *   at either end (a view made per call).
 * - JavaScript, bytes: the key rotated once, then four byte XORs per step (the server's loop
 *   for small payloads).
 * - native: one call into the addon (the call's fixed cost included).
 * Tables show medians over --runs; the ratio is the median of per-run ratios. Writes
 * docs/ws-unmask.json and the "WebSocket unmasking" section of docs/benchmarks.md; --quick
 * writes them into a temporary folder instead, as a smoke run.
 */
import { performance } from 'node:perf_hooks'
import { maskWebSocketPayload } from '@io/core'
import { NATIVE_UNMASK_FROM, unmaskBytes } from '../packages/server/src/ws/frames.js'
import { cliArgs } from './lib/args.js'
import { markdownTable, median, provenance, resultsDir, writeJson, writeSection, type Row } from './lib/report.js'
import { formatRatio } from './lib/same-run-samples.js'

const args = cliArgs()
const quick = args.has('quick')
const seconds = Number(args.get('seconds') ?? (quick ? 0.05 : 0.5))
const runs = Number(args.get('runs') ?? (quick ? 3 : 7))
const warmup = Number(args.get('warmup') ?? (quick ? 0.02 : 0.2))
const SIZES = [16, 32, 64, 125, 256, 1024, 4096, 16384, 65536]
const KEY = 0x37fa213d | 0
const PHASE = 1
const START = 3

function keyByte(n: number): number {
  return (KEY >>> (24 - 8 * (n & 3))) & 0xff
}

function jsWords(buf: Uint8Array, start: number, end: number, key: number, phase: number): void {
  let i = start
  while (i < end && ((buf.byteOffset + i) & 3) !== 0) {
    buf[i] ^= keyByte(phase + i - start)
    i++
  }
  const words = (end - i) >>> 2
  if (words > 0) {
    const p = phase + i - start
    const k = keyByte(p) | (keyByte(p + 1) << 8) | (keyByte(p + 2) << 16) | (keyByte(p + 3) << 24)
    const view = new Int32Array(buf.buffer, buf.byteOffset + i, words)
    for (let w = 0; w < words; w++) view[w] ^= k
    i += words << 2
  }
  for (; i < end; i++) buf[i] ^= keyByte(phase + i - start)
}

const sides = [
  { name: 'JavaScript, words', mask: jsWords },
  { name: 'JavaScript, bytes', mask: unmaskBytes },
  { name: 'native', mask: maskWebSocketPayload },
] as const
type Mask = (buf: Uint8Array, start: number, end: number, key: number, phase: number) => void

// Every side must do the same thing before any is timed.
for (const size of SIZES) {
  const expected = Buffer.alloc(START + size + 8, 0x41)
  for (let i = START; i < START + size; i++) expected[i] ^= keyByte(PHASE + i - START)
  for (const side of sides) {
    const buf = Buffer.alloc(START + size + 8, 0x41)
    side.mask(buf, START, START + size, KEY, PHASE)
    if (!buf.equals(expected)) throw new Error(`${side.name} unmasks ${size} bytes wrongly`)
  }
}

const buffer = Buffer.alloc(START + SIZES[SIZES.length - 1] + 8)
/** Nanoseconds per payload of `size` bytes over `duration` seconds. */
function measure(mask: Mask, size: number, duration: number): number {
  const batch = Math.max(8, Math.round(200_000 / (size + 64)))
  let calls = 0
  const t0 = performance.now()
  const stop = t0 + duration * 1000
  let now = t0
  while (now < stop) {
    for (let k = 0; k < batch; k++) mask(buffer, START, START + size, KEY, PHASE)
    calls += batch
    now = performance.now()
  }
  return ((now - t0) * 1e6) / calls
}

const samples = new Map<string, number[]>()
const key = (size: number, side: string) => `${size}|${side}`
for (let run = 0; run < runs; run++) {
  for (const size of SIZES) {
    const order = run % 2 === 0 ? sides : [...sides].reverse()
    for (const side of order) {
      measure(side.mask, size, warmup)
      const list = samples.get(key(size, side.name)) ?? []
      list.push(measure(side.mask, size, seconds))
      samples.set(key(size, side.name), list)
    }
  }
  console.error(`run ${run + 1} of ${runs} done`)
}

const ns = (size: number, side: string) => median(samples.get(key(size, side))!)
/** Median over runs of the JavaScript time / the native time (> 1: native is faster). */
const speedup = (size: number, side: string) => median(samples.get(key(size, side))!.map((t, run) => t / samples.get(key(size, 'native'))![run]))
const rows: Row[] = SIZES.map((size) => ({
  'payload bytes': size,
  'JS words ns': ns(size, 'JavaScript, words'),
  'JS bytes ns': ns(size, 'JavaScript, bytes'),
  'native ns': ns(size, 'native'),
  'native vs JS words': formatRatio(speedup(size, 'JavaScript, words')),
  'native vs JS bytes': formatRatio(speedup(size, 'JavaScript, bytes')),
}))
const table = markdownTable(rows)
console.log(`\nWebSocket unmasking: medians of ${runs} runs of ${seconds} s${quick ? ' (a smoke run)' : ''}\n`)
console.log(table)

const dir = resultsDir(quick)
writeJson('ws-unmask.json', { settings: { seconds, runs, warmup, start: START, phase: PHASE }, sizes: SIZES, runs: Object.fromEntries(samples), table: rows }, dir)
writeSection(
  'ws-unmask',
  `## WebSocket unmasking

Nanoseconds to unmask one payload in place (RFC 6455 §5.3), starting at an odd offset and a
non-zero key phase, as a payload behind a frame header lands in a read. "JS words": 32-bit XORs
through an Int32Array view made per call; "JS bytes": the key rotated once, then byte XORs;
"native": one call of @io/core's \`maskWebSocketPayload\`, its fixed cost included. Medians of
${runs} runs of ${seconds} s; ratios are medians of per-run ratios (> 1: native is faster).
The WebSocket server unmasks payloads from ${NATIVE_UNMASK_FROM} bytes on natively and smaller ones with the byte
loop. ${provenance('ws-unmask.ts', 'npm run build')}

${table}

Raw runs: [ws-unmask.json](ws-unmask.json).`,
  dir,
)
console.log(`\nresults written to ${dir}${quick ? ' (a smoke run: docs/ left as it was)' : ''}`)
