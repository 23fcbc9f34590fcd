/**
 * Events delivered to JavaScript per second, level-triggered, with N registered sockets that
 * all hold unread data (so every wait can return min(N, maxEvents) events).
 *
 *   npx tsx benchmarks/epoll-events.ts [--seconds 2] [--runs 3] [--counts 1,100,1000,10000]
 *
 * Compares, in one run: @io/core Epoll.wait(0) in a loop, @io/core Epoll.start() inside Node's
 * loop, and the `epoll` npm package (one event per thread switch). Each socket is one end of an
 * AF_UNIX socketpair holding one unread byte; the other end is closed so that 10000 sockets fit
 * in the 20000-fd limit (the reader then also sees HUP, which does not change the count).
 * Every delivered event's token is read in JavaScript, as a real handler would.
 * Prints a table and writes docs/epoll-events.json and a section of docs/benchmarks.md.
 */
import { createRequire } from 'node:module'
import { Epoll, READABLE, sockets } from '@io/core'
import { machine, markdownTable, median, revision, writeJson, writeSection, type Row } from './lib/report.js'
import { cliArgs, listArg } from './lib/args.js'

const args = cliArgs()
const seconds = Number(args.get('seconds') ?? 2)
const runs = Number(args.get('runs') ?? 3)
const counts = listArg(args, 'counts', '1,100,1000,10000').map(Number)

const requirePeer = createRequire(new URL('./package.json', import.meta.url))
let EpollPackage: any = null
try {
  EpollPackage = requirePeer('epoll').Epoll
} catch (error) {
  console.warn(`epoll npm package unavailable (run benchmarks/setup.sh): ${(error as Error).message}`)
}

function makeSockets(n: number): number[] {
  const fds: number[] = []
  for (let i = 0; i < n; i++) {
    const [a, b] = sockets.socketpair()
    sockets.write(b, Buffer.from('x'))
    sockets.close(b)
    fds.push(a)
  }
  return fds
}

let sink = 0 // keeps the token reads from being optimised away

function measureWait(fds: number[]): number {
  const ep = new Epoll({ maxEvents: 1024 })
  fds.forEach((fd, i) => ep.add(fd, READABLE, i))
  let events = 0
  const tokens = ep.readyTokens
  const end = performance.now() + seconds * 1000
  while (performance.now() < end) {
    for (let k = 0; k < 64; k++) {
      const n = ep.wait(0)
      for (let i = 0; i < n; i++) sink += tokens[i]
      events += n
    }
  }
  ep.close()
  return events / seconds
}

function measureStart(fds: number[]): Promise<number> {
  return new Promise((resolve) => {
    const ep = new Epoll({ maxEvents: 1024 })
    fds.forEach((fd, i) => ep.add(fd, READABLE, i))
    let events = 0
    const tokens = ep.readyTokens
    const began = performance.now()
    ep.start((n) => {
      for (let i = 0; i < n; i++) sink += tokens[i]
      events += n
    })
    setTimeout(() => {
      const elapsed = (performance.now() - began) / 1000
      ep.close()
      resolve(events / elapsed)
    }, seconds * 1000)
  })
}

function measurePackage(fds: number[]): Promise<number> {
  return new Promise((resolve) => {
    let events = 0
    const poller = new EpollPackage((err: Error | null, fd: number) => {
      if (!err) {
        sink += fd
        events++
      }
    })
    for (const fd of fds) poller.add(fd, EpollPackage.EPOLLIN)
    const began = performance.now()
    setTimeout(() => {
      const elapsed = (performance.now() - began) / 1000
      for (const fd of fds) poller.remove(fd)
      poller.close()
      resolve(events / elapsed)
    }, seconds * 1000)
  })
}

const rows: Row[] = []
const results: unknown[] = []
for (const n of counts) {
  const fds = makeSockets(n)
  const wait: number[] = []
  const start: number[] = []
  const pkg: number[] = []
  for (let r = 0; r < runs; r++) {
    wait.push(measureWait(fds))
    start.push(await measureStart(fds))
    if (EpollPackage) pkg.push(await measurePackage(fds))
  }
  fds.forEach((fd) => sockets.close(fd))
  const row: Row = {
    sockets: n,
    'Epoll.wait events/s': median(wait),
    'Epoll.start events/s': median(start),
    'epoll pkg events/s': EpollPackage ? median(pkg) : 'n/a',
    'wait / pkg': EpollPackage ? `${(median(wait) / median(pkg)).toFixed(1)}x` : 'n/a',
    'start / pkg': EpollPackage ? `${(median(start) / median(pkg)).toFixed(1)}x` : 'n/a',
  }
  rows.push(row)
  results.push({ sockets: n, wait, start, epollPackage: pkg })
  console.log(markdownTable([row]).split('\n').slice(n === counts[0] ? 0 : 2).join('\n'))
}

const command = `npx tsx benchmarks/epoll-events.ts --seconds ${seconds} --runs ${runs} --counts ${counts.join(',')}`
writeJson('epoll-events.json', { command, machine: machine(), revision: revision(), seconds, runs, results })
writeSection(
  'epoll-events',
  `## Epoll: events delivered to JavaScript per second

Level-triggered, every registered socket holding unread data; medians of ${runs} runs of ${seconds} s each,
all three in the same run. \`epoll pkg\` is the \`epoll\` npm package (one event per thread switch).
Machine: ${machine()}; revision ${revision()}.

\`\`\`sh
bash benchmarks/setup.sh   # once: peers and C tools
${command}
\`\`\`

${markdownTable(rows)}

Raw runs: [epoll-events.json](epoll-events.json).`,
)
if (sink === -1) console.log(sink)
