/**
 * Fairness under a bulk sender: level- vs edge-triggered @io/server (and the C server both
 * ways, for reference). While a few connections stream large messages as fast as they can,
 * many small connections ping-pong 64-byte messages; how many small round trips still get
 * through shows how much the bulk connections starve the others. Edge-triggered drains a ready
 * connection (up to its per-event budget) before moving on; level-triggered reads once per
 * connection per wait.
 *
 *   bash benchmarks/build.sh && npm run build
 *   npx tsx benchmarks/server/fairness.ts [--seconds 3] [--runs 3] [--bulk 4x262144x8] [--small 50x64x1]
 *
 * Server pinned to CPU 0, both load generators to CPU 1. Writes docs/fairness.json and the
 * "Fairness under a bulk sender" section of docs/benchmarks.md (quoted by docs/triggering.md).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { machine, markdownTable, median, revision, writeJson, writeSection, type Row } from '../lib/report.js'
import { cliArgs } from '../lib/args.js'

const run = promisify(execFile)
const args = cliArgs()
const seconds = Number(args.get('seconds') ?? 3)
const runs = Number(args.get('runs') ?? 3)
const [bulkConns, bulkSize, bulkDepth] = (args.get('bulk') ?? '4x262144x8').split('x').map(Number)
const [smallConns, smallSize, smallDepth] = (args.get('small') ?? '50x64x1').split('x').map(Number)

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const loadBin = here('../bin/echo-load')
const cli = here('../../packages/server/dist/cli.js')
const cServer = here('../bin/c-echo-server')

const SERVERS = [
  { name: 'C level', command: [cServer, '--port', '0'] },
  { name: 'C edge', command: [cServer, '--port', '0', '--edge'] },
  { name: '@io/server epoll', command: [process.execPath, cli, 'echo', '--port', '0', '--backend', 'epoll'] },
  { name: '@io/server epoll-et', command: [process.execPath, cli, 'echo', '--port', '0', '--backend', 'epoll-et'] },
]

function start(command: string[]): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn('taskset', ['-c', '0', ...command], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout!.on('data', (chunk) => {
      out += chunk
      const match = /listening (?:on \S+:)?(\d+)/.exec(out)
      if (match !== null) resolve({ child, port: Number(match[1]) })
    })
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)))
  })
}

async function load(port: number, conns: number, size: number, depth: number): Promise<number> {
  const { stdout } = await run('taskset', ['-c', '1', loadBin, '--port', String(port), '--conns', String(conns), '--size', String(size), '--depth', String(depth), '--seconds', String(seconds), '--warmup', '0.5'])
  return JSON.parse(stdout.trim().split('\n').pop()!).rps
}

const servers = await Promise.all(SERVERS.map(async (s) => ({ ...s, ...(await start(s.command)) })))
process.on('exit', () => servers.forEach((s) => s.child.kill('SIGTERM')))
const results = new Map<string, { small: number[]; bulk: number[]; alone: number[] }>()
for (let r = 0; r < runs; r++) {
  for (let k = 0; k < servers.length; k++) {
    const s = servers[(k + r) % servers.length]
    const entry = results.get(s.name) ?? { small: [], bulk: [], alone: [] }
    entry.alone.push(await load(s.port, smallConns, smallSize, smallDepth))
    const [small, bulk] = await Promise.all([load(s.port, smallConns, smallSize, smallDepth), load(s.port, bulkConns, bulkSize, bulkDepth)])
    entry.small.push(small)
    entry.bulk.push(bulk)
    results.set(s.name, entry)
  }
}
servers.forEach((s) => s.child.kill('SIGTERM'))

const rows: Row[] = SERVERS.map(({ name }) => {
  const e = results.get(name)!
  return {
    server: name,
    'small rt/s alone': Math.round(median(e.alone)),
    'small rt/s beside bulk': Math.round(median(e.small)),
    'small kept': `${((100 * median(e.small)) / median(e.alone)).toFixed(0)}%`,
    'bulk MB/s': Math.round((median(e.bulk) * bulkSize) / 1e6),
  }
})
const table = markdownTable(rows)
console.log(table)
writeJson('fairness.json', { machine: machine(), revision: revision(), seconds, runs, bulk: { bulkConns, bulkSize, bulkDepth }, small: { smallConns, smallSize, smallDepth }, results: Object.fromEntries(results) })
writeSection(
  'fairness',
  `## Fairness under a bulk sender

${smallConns} connections ping-pong ${smallSize}-byte messages (${smallDepth} in flight) while ${bulkConns} others echo
${bulkSize}-byte messages (${bulkDepth} in flight) as fast as they can; "alone" is the small load without the bulk
one. Server on CPU 0, both loads on CPU 1; medians of ${runs} runs of ${seconds} s. Machine: ${machine()};
revision ${revision()}.

\`\`\`sh
bash benchmarks/build.sh && npm run build
npx tsx benchmarks/server/fairness.ts ${process.argv.slice(2).join(' ')}
\`\`\`

${table}

Raw runs: [fairness.json](fairness.json). What it means: [triggering.md](triggering.md).`,
)
