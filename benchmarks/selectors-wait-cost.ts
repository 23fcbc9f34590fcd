/**
 * The cost of waiting: time and CPU per `select()` call with N idle registered sockets plus
 * one active one, for every @io/selectors backend, and the cost of registering N sockets.
 *
 *   npx tsx benchmarks/selectors-wait-cost.ts [--seconds 0.25] [--runs 5] [--counts 10,100,1000,5000,9000]
 *
 * The classic claim: select and poll cost grows with the fds *watched*, epoll with the fds
 * *ready*. Setup: one AF_UNIX socketpair whose reader holds an unread byte (always ready,
 * registered last, so select/poll also walk the whole answer to find it, as any caller must),
 * and N idle UDP sockets registered for EVENT_READ (one fd each, never readable; UDP so that
 * 9000 of them fit the 20000-fd limit with room to spare). Each call is `select(0)` and
 * returns that one event. SelectSelector stops below FD_SETSIZE (1024): it is measured at the
 * counts that fit, plus the largest N that fits. IoUringSelector (level-triggered, multishot
 * poll) runs where the kernel offers io_uring; elsewhere it is left out with the probe's
 * reason. Every backend runs in the same process, one after another per N, and the runs
 * alternate, so drift hits all of them alike.
 *
 * Registration is timed twice: the register() calls alone, and register() plus the first
 * select(0), because IoUringSelector's register() only queues a poll request that reaches the
 * kernel (and is armed there) in the next select.
 *
 * Prints tables and writes docs/selectors-wait-cost.json, docs/selectors-wait-cost.svg (drawn
 * here), and the results section of docs/selectors.md.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { sockets } from '@io/core'
import {
  type BaseSelector,
  EpollSelector,
  EVENT_READ,
  IoUringSelector,
  PollSelector,
  SelectSelector,
} from '@io/selectors'
import { logLineChart } from './lib/chart.js'
import { docsDir, machine, markdownTable, median, revision, type Row, writeJson } from './lib/report.js'
import { cliArgs, listArg } from './lib/args.js'

const args = cliArgs()
const seconds = Number(args.get('seconds') ?? 0.25)
const runs = Number(args.get('runs') ?? 5)
const counts = listArg(args, 'counts', '10,100,1000,5000,9000').map(Number)

interface Backend {
  name: string
  make: () => BaseSelector
  /** Largest fd the backend can watch, exclusive. */
  fdLimit: number
}

const backends: Backend[] = [
  { name: 'select', make: () => new SelectSelector(), fdLimit: SelectSelector.FD_LIMIT },
  { name: 'poll', make: () => new PollSelector(), fdLimit: Infinity },
  { name: 'epoll', make: () => new EpollSelector(), fdLimit: Infinity },
]
const uring = IoUringSelector.isSupported()
if (uring.supported) backends.push({ name: 'io_uring', make: () => new IoUringSelector(), fdLimit: Infinity })
else console.warn(`io_uring not measured: ${uring.reason}`)

// The active socket first (lowest fds), then the idle ones in rising fd order.
const [activeReader, activeWriter] = sockets.socketpair()
sockets.write(activeWriter, Buffer.from('x'))
const maxCount = Math.max(...counts)
const idle: number[] = []
for (let i = 0; i < maxCount; i++) idle.push(sockets.socket(sockets.constants.AF_INET, sockets.constants.SOCK_DGRAM))

// The largest N select can hold: every registered fd (the idle prefix and the reader) < 1024.
const selectMax = idle.filter((fd) => fd < SelectSelector.FD_LIMIT).length
const allCounts = [...new Set([...counts, selectMax])].filter((n) => n <= maxCount).sort((a, b) => a - b)

function fits(backend: Backend, n: number): boolean {
  return n === 0 || idle[n - 1] < backend.fdLimit
}

interface Sample {
  usPerCall: number
  userUsPerCall: number
  sysUsPerCall: number
}

let sink = 0 // keeps result handling from being optimised away

function measureWait(sel: BaseSelector): Sample {
  for (let i = 0; i < 50; i++) sink += sel.select(0).length // warm up
  let calls = 0
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  const end = t0 + seconds * 1000
  let now = t0
  while (now < end) {
    for (let k = 0; k < 16; k++) sink += sel.select(0).length
    calls += 16
    now = performance.now()
  }
  const cpu = process.cpuUsage(cpu0)
  return {
    usPerCall: ((now - t0) * 1000) / calls,
    userUsPerCall: cpu.user / calls,
    sysUsPerCall: cpu.system / calls,
  }
}

interface RegisterCost {
  /** µs per register() into a fresh selector. */
  fresh: number
  /** µs per register() in steady state. */
  steady: number
  /** µs per fd for the steady-state register() calls plus the select(0) that follows them. */
  steadyWithSelect: number
}

// µs per register() of the N idle sockets plus the active one: on a fresh selector (for
// EpollSelector that includes growing its ready list), then steady state (the same fds again
// after unregistering them, so nothing is allocated or grown). Each pass ends with a select(0):
// timed in the last pass, and untimed after each unregister round so that removals queued
// by IoUringSelector reach the kernel outside the timed register calls.
function registerAll(sel: BaseSelector, n: number): RegisterCost {
  const pass = () => {
    const t0 = performance.now()
    for (let i = 0; i < n; i++) sel.register(idle[i], EVENT_READ)
    sel.register(activeReader, EVENT_READ)
    const t1 = performance.now()
    sink += sel.select(0).length
    const t2 = performance.now()
    return { register: ((t1 - t0) * 1000) / (n + 1), withSelect: ((t2 - t0) * 1000) / (n + 1) }
  }
  const unregisterAll = () => {
    for (let i = 0; i < n; i++) sel.unregister(idle[i])
    sel.unregister(activeReader)
    sink += sel.select(0).length
  }
  const fresh = pass().register
  for (let round = 0; round < 2; round++) {
    unregisterAll()
    pass()
  }
  unregisterAll()
  const steady = pass()
  return { fresh, steady: steady.register, steadyWithSelect: steady.withSelect }
}

interface Result {
  backend: string
  n: number
  runs: Sample[]
  register: RegisterCost[]
  median: Sample & { registerFreshUsPerFd: number; registerSteadyUsPerFd: number; registerAndSelectUsPerFd: number }
}

const results: Result[] = []
for (const n of allCounts) {
  const present = backends.filter((b) => fits(b, n))
  const byName = new Map(present.map((b) => [b.name, { runs: [] as Sample[], reg: [] as RegisterCost[] }]))
  for (let r = 0; r < runs; r++) {
    const order = r % 2 === 0 ? present : [...present].reverse()
    for (const backend of order) {
      const sel = backend.make()
      const entry = byName.get(backend.name)!
      entry.reg.push(registerAll(sel, n))
      const ready = sel.select(0)
      if (ready.length !== 1 || ready[0][0].fd !== activeReader) throw new Error(`${backend.name}: expected exactly the active socket to be ready`)
      entry.runs.push(measureWait(sel))
      sel.close()
    }
  }
  for (const backend of present) {
    const { runs: samples, reg } = byName.get(backend.name)!
    results.push({
      backend: backend.name,
      n,
      runs: samples,
      register: reg,
      median: {
        usPerCall: median(samples.map((s) => s.usPerCall)),
        userUsPerCall: median(samples.map((s) => s.userUsPerCall)),
        sysUsPerCall: median(samples.map((s) => s.sysUsPerCall)),
        registerFreshUsPerFd: median(reg.map((r) => r.fresh)),
        registerSteadyUsPerFd: median(reg.map((r) => r.steady)),
        registerAndSelectUsPerFd: median(reg.map((r) => r.steadyWithSelect)),
      },
    })
  }
  console.error(`N=${n} done`)
}

for (const fd of idle) sockets.close(fd)
sockets.close(activeReader)
sockets.close(activeWriter)

const names = backends.map((b) => b.name)
const find = (name: string, n: number) => results.find((r) => r.backend === name && r.n === n)

function tableOf(metric: (r: Result) => number, withRatio: boolean): Row[] {
  return allCounts.map((n) => {
    const row: Row = { 'idle fds (N)': n }
    for (const name of names) {
      const r = find(name, n)
      row[name] = r ? Number(metric(r).toFixed(2)) : 'n/a'
    }
    if (withRatio) {
      const epoll = find('epoll', n)
      for (const name of names.filter((other) => other === 'poll' || other === 'io_uring')) {
        const other = find(name, n)
        row[`${name} / epoll`] = epoll && other ? `${(metric(other) / metric(epoll)).toFixed(1)}x` : 'n/a'
      }
    }
    return row
  })
}

const waitRows = tableOf((r) => r.median.usPerCall, true)
const cpuRows = tableOf((r) => r.median.userUsPerCall + r.median.sysUsPerCall, false)
const sysRows = tableOf((r) => r.median.sysUsPerCall, false)
const registerRows = tableOf((r) => r.median.registerSteadyUsPerFd, false).map((row, i) => {
  const epoll = find('epoll', allCounts[i])
  return { ...row, 'epoll, fresh selector': epoll ? Number(epoll.median.registerFreshUsPerFd.toFixed(2)) : 'n/a' }
})
const registerSelectRows = tableOf((r) => r.median.registerAndSelectUsPerFd, false)

console.log('\nµs per select(0) call (wall clock), median of runs')
console.log(markdownTable(waitRows))
console.log('\nCPU µs per call (user + system)')
console.log(markdownTable(cpuRows))
console.log('\nkernel (system) CPU µs per call')
console.log(markdownTable(sysRows))
console.log('\nµs per register() call, steady state (and epoll on a fresh selector)')
console.log(markdownTable(registerRows))
console.log('\nµs per fd: register() calls plus the first select(0), steady state')
console.log(markdownTable(registerSelectRows))

const command = `npx tsx benchmarks/selectors-wait-cost.ts --seconds ${seconds} --runs ${runs} --counts ${counts.join(',')}`
writeJson('selectors-wait-cost.json', {
  command,
  machine: machine(),
  revision: revision(),
  seconds,
  runs,
  setup: '1 active AF_UNIX socketpair reader (registered last) + N idle UDP sockets, all EVENT_READ; select(0) per call',
  selectMax,
  uring: uring.supported ? 'measured' : `not measured: ${uring.reason}`,
  results,
})
writeFileSync(
  `${docsDir}selectors-wait-cost.svg`,
  logLineChart({
    title: 'Cost of one select() call: N idle sockets + 1 ready',
    xLabel: 'idle registered sockets (N)',
    yLabel: 'µs per call (median; solid wall, dashed CPU)',
    series: names.flatMap((name, i) => [
      {
        name: `${name}, wall`,
        color: i,
        points: results.filter((r) => r.backend === name).map((r) => ({ x: r.n, y: r.median.usPerCall })),
      },
      {
        name: `${name}, CPU`,
        color: i,
        dashed: true,
        points: results
          .filter((r) => r.backend === name)
          .map((r) => ({ x: r.n, y: r.median.userUsPerCall + r.median.sysUsPerCall })),
      },
    ]),
  }),
)

// Rewrite the results block of docs/selectors.md in place.
const page = `${docsDir}selectors.md`
const startMark = '<!-- bench:selectors-wait-cost -->'
const endMark = '<!-- /bench:selectors-wait-cost -->'
const block = `${startMark}
Machine: ${machine()}; revision ${revision()}; medians of ${runs} runs of ${seconds} s per backend and N.

\`\`\`sh
${command}
\`\`\`

**µs per \`select(0)\` call** (wall clock; lower is better):

${markdownTable(waitRows)}

**CPU µs per call** (user + system time of this process; less disturbed than wall time by
other processes on a shared machine):

${markdownTable(cpuRows)}

**Kernel CPU µs per call** (the system-time share):

${markdownTable(sysRows)}

**µs per \`register()\`**, steady state (the same N + 1 fds registered again after
unregistering them), and for EpollSelector also into a fresh selector, whose ready list grows
as it fills:

${markdownTable(registerRows)}

**µs per fd for register() plus the first \`select(0)\`** (steady state): IoUringSelector's
\`register()\` only queues a poll request; the kernel takes it, and checks the fd, in that select.

${markdownTable(registerSelectRows)}

![µs per select() call against N](selectors-wait-cost.svg)

Raw runs: [selectors-wait-cost.json](selectors-wait-cost.json).
${endMark}`
const text = readFileSync(page, 'utf8')
const at = text.indexOf(startMark)
const stop = text.indexOf(endMark)
if (at < 0 || stop < at) throw new Error(`${page} has no ${startMark} block`)
writeFileSync(page, text.slice(0, at) + block + text.slice(stop + endMark.length))
if (sink === -1) console.log(sink)
