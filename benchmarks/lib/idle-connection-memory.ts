/**
 * Memory per idle connection of any server, measured from outside (/proc), so that C, Node
 * and Bun servers are measured alike: the growth of the server's RSS (and of its anonymous
 * part, which leaves out file-backed pages such as the runtime's code that page in and out
 * on their own) while N more clients connect, do one exchange each and stay idle, divided by N.
 *
 * A fresh server per measurement. First a warm-up round: N clients that connect, do their
 * exchange and stay open, so that code paged in and compiled, and pools grown, on first use
 * are paid before the reading. Then the measured round: N more clients, the same way. The
 * warm-up clients stay connected because memory a server frees goes back to its allocator,
 * not to the system: had they closed, the measured round would reuse their memory and its
 * growth would hide what a connection holds. Before each reading a JavaScript server
 * collects its garbage (see settleMemory). The clients live in other processes, pinned to
 * the load CPU, and speak a line protocol: they print "ready N" once every connection has
 * done its exchange, and answer each line on stdin with "open M".
 */
import type { ChildProcess } from 'node:child_process'
import { median, type Row } from './report.js'
import { formatRatio } from './same-run-samples.js'
import { isRunning, settleMemory, spawnPinned, startServer, stopServer, withGcOnSignal, type ServerSpec, type UnavailableServer } from './server-process.js'

/** A measurement of memory per idle connection, in bytes. */
export interface IdleMemory {
  rss: number
  rssAnon: number
  /** The warm-up round's growth per connection (first use of the code paths included). */
  coldRss: number
  /** Connections of both rounds still open after the reading (under 2N: the server closed some). */
  stillOpen: number
}

/** Client processes holding connections open (see the line protocol above). */
class IdleClients {
  private lines: string[] = []
  private waiters: Array<() => void> = []

  private constructor(private readonly child: ChildProcess) {
    let pending = ''
    child.stdout!.setEncoding('utf8')
    child.stdout!.on('data', (chunk: string) => {
      const parts = (pending + chunk).split('\n')
      pending = parts.pop()!
      this.lines.push(...parts)
      for (const wake of this.waiters.splice(0)) wake()
    })
    child.stderr!.on('data', (chunk) => process.stderr.write(`[idle clients] ${chunk}`))
    child.once('exit', () => {
      for (const wake of this.waiters.splice(0)) wake()
    })
  }

  /** Starts the clients and resolves once they all did their exchange. */
  static async open(cpu: string, command: string[]): Promise<IdleClients> {
    const clients = new IdleClients(spawnPinned(cpu, command))
    const ready = await clients.nextLine(/^ready (\d+)$/, 120_000)
    if (ready === null) {
      await clients.close()
      throw new Error(`the idle clients (${command.join(' ')}) never became ready`)
    }
    return clients
  }

  private async nextLine(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray | null> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.lines.length > 0) {
        const match = pattern.exec(this.lines.shift()!)
        if (match !== null) return match
      }
      if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() > deadline) return null
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve)
        setTimeout(resolve, 100)
      })
    }
  }

  /** Connections the server has not closed. */
  async stillOpen(): Promise<number> {
    this.child.stdin!.write('\n')
    const line = await this.nextLine(/^open (\d+)$/, 10_000)
    return line === null ? NaN : Number(line[1])
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    process.kill(-this.child.pid!, 'SIGKILL')
    await exited
  }
}

/**
 * Measures one fresh server: starts it (pinned to `serverCpu`, JavaScript servers with the
 * garbage-collection preload), runs the warm-up and the measured round of `connections`
 * clients each from `clientCommand(port)` (pinned to `loadCpu`), and stops it.
 */
export async function measureIdleMemory(
  spec: ServerSpec,
  options: {
    serverCpu: string
    loadCpu: string
    connections: number
    clientCommand: (port: number) => string[]
    /**
     * Idle time before the two readings the figure is taken from (0 by default). A V8 server
     * grows its young generation once while the rounds allocate, and gives those pages back
     * only after some seconds of rest; without the rest, the step lands in whichever reading
     * comes first after it, a one-time cost counted per connection.
     */
    restMs?: number
    /**
     * V8's young generation held at this size, in MB per semi-space, in Node servers (see
     * withGcOnSignal). By default it starts at 1 MB and doubles once the rounds' surviving
     * objects outgrow it; the pages it adds are touched over the following rounds, a one-time
     * cost of the process (bounded by V8's maximum) that would otherwise be counted per
     * connection. Where a rest is not possible, holding it fixed keeps the step out.
     */
    youngGenerationMb?: number
  },
): Promise<IdleMemory | UnavailableServer> {
  const server = await startServer(spec, options.serverCpu, withGcOnSignal(spec, options.youngGenerationMb))
  if (!isRunning(server)) return server
  const n = options.connections
  const rounds: IdleClients[] = []
  try {
    const fresh = await settleMemory(server)
    const rest = () => new Promise((resolve) => setTimeout(resolve, options.restMs ?? 0))
    rounds.push(await IdleClients.open(options.loadCpu, options.clientCommand(server.port)))
    await rest()
    const warm = await settleMemory(server)
    rounds.push(await IdleClients.open(options.loadCpu, options.clientCommand(server.port)))
    await rest()
    const after = await settleMemory(server)
    const open = await Promise.all(rounds.map((clients) => clients.stillOpen()))
    return {
      rss: (after.rss - warm.rss) / n,
      rssAnon: (after.rssAnon - warm.rssAnon) / n,
      coldRss: (warm.rss - fresh.rss) / n,
      stillOpen: open[0] + open[1],
    }
  } finally {
    await Promise.all(rounds.map((clients) => clients.close()))
    await stopServer(server)
  }
}

/**
 * Memory per idle connection of each server, `runs` fresh servers each: table rows of medians
 * (bytes per connection) with ratios to the baselines' anonymous RSS, and every measurement. A server in
 * `unavailable` gets a row saying so; one whose measurement fails, a row saying it failed.
 */
export async function idleMemoryComparison(
  specs: ServerSpec[],
  baselines: ServerSpec[],
  unavailable: Map<string, string>,
  options: Parameters<typeof measureIdleMemory>[1] & { runs: number },
): Promise<{ rows: Row[]; raw: Array<Row> }> {
  const raw: Row[] = []
  /** Per server: its median figures, or why there are none. */
  const outcome = new Map<string, Row | string>()
  for (const spec of specs) {
    if (unavailable.has(spec.name)) {
      outcome.set(spec.name, 'not available')
      continue
    }
    const results: IdleMemory[] = []
    for (let run = 0; run < options.runs; run++) {
      const result = await measureIdleMemory(spec, options)
      if ('unavailable' in result) {
        console.warn(`${spec.label}: memory not measured (${result.unavailable})`)
        break
      }
      results.push(result)
      raw.push({ server: spec.name, run, ...result })
    }
    if (results.length === 0) {
      outcome.set(spec.name, 'failed')
      continue
    }
    const of = (key: keyof IdleMemory) => Math.round(median(results.map((r) => r[key])))
    outcome.set(spec.name, {
      'anonymous RSS bytes/conn': of('rssAnon'),
      'RSS bytes/conn': of('rss'),
      'first round bytes/conn': of('coldRss'),
      'closed before the reading': 2 * options.connections - Math.min(...results.map((r) => r.stillOpen)),
    })
    console.log(`${spec.label}: ${of('rssAnon')} B anonymous RSS per idle connection`)
  }
  const anon = (name: string) => {
    const figures = outcome.get(name)
    return typeof figures === 'object' ? (figures['anonymous RSS bytes/conn'] as number) : NaN
  }
  const rows = specs.map((spec) => {
    const figures = outcome.get(spec.name)!
    const row: Row =
      typeof figures === 'string'
        ? { server: spec.label, 'anonymous RSS bytes/conn': figures, 'RSS bytes/conn': '', 'first round bytes/conn': '', 'closed before the reading': '' }
        : { server: spec.label, ...figures }
    for (const baseline of baselines) row[`vs ${baseline.label}`] = formatRatio(anon(spec.name) / anon(baseline.name))
    return row
  })
  return { rows, raw }
}

/**
 * The method of idleMemoryComparison() in words, for a docs section: `what` names the
 * connection ("keep-alive connection"), `exchange` says what each one does before it idles
 * ("make one request").
 */
export function describeIdleMemory(
  what: string,
  exchange: string,
  connections: number,
  runs: number,
  { restMs = 0, youngGenerationMb }: { restMs?: number; youngGenerationMb?: number } = {},
): string {
  let rest =
    restMs > 0
      ? ` Every server rests ${restMs / 1000} s before each of the two readings, so that a V8 server has
given back the young-generation pages it grew once while the rounds allocated (a one-time step
that would otherwise be counted per connection).`
      : ''
  if (youngGenerationMb !== undefined) {
    rest += ` Node-based servers (uWebSockets.js included) run with V8's young generation held at
${youngGenerationMb} MB per semi-space (\`--min-semi-space-size=${youngGenerationMb} --max-semi-space-size=${youngGenerationMb}\`), its
starting size: by default V8 doubles it once the rounds' surviving objects outgrow it, and the
pages it adds (up to several MB, bounded by V8's maximum whatever the number of connections)
are touched over the following rounds, a one-time cost of the process that would read as
hundreds of bytes per connection.`
  }
  return `Memory per idle ${what}: growth of the server's anonymous RSS (\`RssAnon\`: the memory it
allocated, without file-backed pages such as its runtime's code, which the kernel pages in and
out on its own) while ${connections} more connections each ${exchange} and stay idle, divided by ${connections};
ratios are of this figure. Before them, a warm-up round of ${connections} connections did the same and
stays open: what a server pays once (code compiled, pools grown) is paid before the reading,
and no memory freed by closed connections is there to be reused. JavaScript servers collect
their garbage (twice) before each reading. A fresh server each run, medians of ${runs}. "RSS" is
the whole resident set; "first round", the warm-up round's growth per connection, one-time
costs included; "closed before the reading", connections of either round the server had
closed by the end of the reading. Kernel socket buffers are in no process's RSS.${rest}`
}
