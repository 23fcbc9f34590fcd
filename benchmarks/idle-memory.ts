/**
 * Memory per idle connection: RSS and JS heap of a server holding N idle connections, for
 * @io/server (each backend) and node:net. The clients live in a separate process, so only the
 * server's side is counted.
 *
 *   npm run build
 *   npx tsx benchmarks/idle-memory.ts [--connections 5000] [--runs 3] [--servers io-epoll,io-epoll-et,io-uring,node]
 *
 * For each server: start it (node --expose-gc), let it settle, measure (after full GCs) RSS and
 * heapUsed; open N connections from the client process, each doing one echo round trip and then
 * staying idle; measure again. Per connection = (loaded - baseline) / N. Medians of `runs`.
 *
 * Writes docs/idle-memory.json and the "Idle memory per connection" section of docs/benchmarks.md.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { machine, markdownTable, median, revision, writeJson, writeSection, type Row } from './lib/report.js'
import { cliArgs, listArg } from './lib/args.js'

const args = cliArgs()
const connections = Number(args.get('connections') ?? 5000)
const runs = Number(args.get('runs') ?? 3)
const wanted = listArg(args, 'servers', 'io-epoll,io-epoll-et,io-uring,node')

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))
const serverScript = here('./server/idle-server.mjs')
const clientScript = here('./server/idle-clients.mjs')

const SERVERS: Record<string, { label: string; argv: string[]; engine?: string }> = {
  'io-epoll': { label: '@io/server epoll', argv: ['io', 'epoll'], engine: 'epoll' },
  'io-epoll-et': { label: '@io/server epoll-et', argv: ['io', 'epoll-et'], engine: 'epoll-et' },
  'io-uring': { label: '@io/server uring', argv: ['io', 'uring'], engine: 'uring' },
  node: { label: 'node:net', argv: ['node'] },
}

type Memory = { rss: number; rssAnon: number; heapUsed: number; connections: number }

function next<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (msg: { type: string }) => {
      if (msg.type !== type) return
      child.off('message', onMessage)
      resolve(msg as T)
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`process exited (${code}) before '${type}'`)))
  })
}

async function measure(server: ChildProcess, until?: (m: Memory) => boolean): Promise<Memory> {
  for (;;) {
    const reply = next<Memory>(server, 'memory')
    server.send({ type: 'measure' })
    const memory = await reply
    if (until === undefined || until(memory)) return memory
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Opens `connections` clients against `port` and resolves once they are all connected. */
async function openClients(port: number): Promise<ChildProcess> {
  const clients = fork(clientScript, [String(port), String(connections)], { stdio: 'inherit' })
  await next(clients, 'ready')
  return clients
}

type PerConnection = { coldRss: number; rss: number; rssAnon: number; heap: number }

async function once(name: string): Promise<PerConnection | { skipped: string }> {
  const spec = SERVERS[name]
  const server = fork(serverScript, spec.argv, { execArgv: ['--expose-gc'], stdio: 'inherit' })
  try {
    const ready = await next<{ port: number; backend: string }>(server, 'ready')
    if (spec.engine !== undefined && ready.backend !== spec.engine) return { skipped: `fell back to ${ready.backend}` }
    // Warm-up: the same load once, then closed. Code paths run for the first time page in
    // the node binary and get compiled; that is a one-time cost, not memory per connection.
    const fresh = await measure(server)
    const warm = await openClients(ready.port)
    const cold = await measure(server, (m) => m.connections === connections)
    warm.kill('SIGKILL')
    await measure(server, (m) => m.connections === 0)
    const before = await measure(server)
    const clients = await openClients(ready.port)
    try {
      const after = await measure(server, (m) => m.connections === connections)
      return {
        coldRss: (cold.rss - fresh.rss) / connections,
        rss: (after.rss - before.rss) / connections,
        rssAnon: (after.rssAnon - before.rssAnon) / connections,
        heap: (after.heapUsed - before.heapUsed) / connections,
      }
    } finally {
      clients.kill('SIGKILL')
    }
  } finally {
    server.kill('SIGKILL')
  }
}

const rows: Row[] = []
const raw: Array<{ server: string; run: number } & PerConnection> = []
const notes: string[] = []
let nodeRss = NaN
for (const name of wanted) {
  const rss: number[] = []
  const cold: number[] = []
  const anon: number[] = []
  const heap: number[] = []
  let skipped: string | null = null
  for (let run = 0; run < runs && skipped === null; run++) {
    const result = await once(name)
    if ('skipped' in result) skipped = result.skipped
    else {
      rss.push(result.rss)
      cold.push(result.coldRss)
      anon.push(result.rssAnon)
      heap.push(result.heap)
      raw.push({ server: name, run, ...result })
    }
  }
  if (skipped !== null) {
    notes.push(`${SERVERS[name].label} was not measured: ${skipped}.`)
    console.warn(notes[notes.length - 1])
    continue
  }
  if (name === 'node') nodeRss = median(rss)
  rows.push({
    server: SERVERS[name].label,
    'RSS bytes/conn': Math.round(median(rss)),
    'anonymous RSS bytes/conn': Math.round(median(anon)),
    'JS heap bytes/conn': Math.round(median(heap)),
    'RSS bytes/conn, first round (cold)': Math.round(median(cold)),
  })
  console.log(`${SERVERS[name].label}: ${Math.round(median(rss))} B RSS, ${Math.round(median(heap))} B heap per connection`)
}
for (const row of rows) row['RSS vs node:net'] = Number.isFinite(nodeRss) ? `${((row['RSS bytes/conn'] as number) / nodeRss).toFixed(2)}x` : 'n/a'

const table = markdownTable(rows)
console.log(`\n${table}`)
writeJson('idle-memory.json', { machine: machine(), revision: revision(), connections, runs, raw })
const command = `npx tsx benchmarks/idle-memory.ts ${process.argv.slice(2).join(' ')}`.trim()
writeSection(
  'idle-memory',
  `## Idle memory per connection

Growth of the server process's RSS, anonymous RSS (\`RssAnon\`: without file-backed pages such as
the node binary's code) and JS heap (\`heapUsed\`, after full GCs) from before to after ${connections}
connections were opened, each did one echo round trip and then stayed idle; divided by
${connections}. Each server first served the same ${connections} connections once and saw them close
(warm-up: code paged in and compiled, pools grown), so the numbers are steady-state cost per
connection; the last column is the first round's growth, which also counts the node binary's
code paged in and compiled on first use. Clients run in a separate process. Medians of ${runs} runs. Machine: ${machine()};
revision ${revision()}.${notes.length > 0 ? `\n${notes.join('\n')}` : ''}

\`\`\`sh
npm run build
${command}
\`\`\`

${table}

Raw runs: [idle-memory.json](idle-memory.json).`,
)
