// MultiplexWatcher (the select/poll helper thread) in worker threads: each thread's watchers
// are its own, and a worker that ends with one started releases its thread and eventfds.
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { sockets } from '@io/core'
import { describe, expect, it } from 'vitest'
import { openFdCount, until } from '../../core/tests/helpers.js'
import { multiplexThreadCount } from './fixtures.js'

const coreDist = JSON.stringify(fileURLToPath(new URL('../../core/dist/index.cjs', import.meta.url)))

function threadCount(): number {
  return readdirSync('/proc/self/task').length
}

// A worker that watches `fd` with a started watcher of `kind`, reports each batch, and stays
// started until terminated.
function startWorker(kind: 'select' | 'poll', fd: number): Worker {
  return new Worker(
    `const { MultiplexWatcher, PollTable, multiplex } = require(${coreDist})
     const { parentPort, workerData } = require('node:worker_threads')
     const table = new PollTable()
     table.set(workerData.fd, multiplex.POLLIN)
     const watcher = new MultiplexWatcher(workerData.kind)
     watcher.start(table, (count) => parentPort.postMessage({ count, revents: table.reventsAt(0) }))
     parentPort.postMessage('started')`,
    { eval: true, workerData: { kind, fd } },
  )
}

describe('MultiplexWatcher in worker threads', () => {
  it('runs in two workers at once and is released when they are terminated', async () => {
    const fdsBefore = openFdCount()
    const threadsBefore = threadCount()
    const helpersBefore = multiplexThreadCount()
    const [rd, wr] = sockets.socketpair()
    const workers = [startWorker('select', rd), startWorker('poll', rd)]
    const reports = workers.map((worker) => {
      const seen: unknown[] = []
      worker.on('message', (msg) => seen.push(msg))
      return seen
    })
    await until(() => reports.every((seen) => seen.includes('started')))
    expect(multiplexThreadCount()).toBe(helpersBefore + 2) // one helper thread per started watcher
    sockets.write(wr, Buffer.from('x'))
    await until(() => reports.every((seen) => seen.some((m) => typeof m === 'object')))
    for (const seen of reports) expect(seen.find((m) => typeof m === 'object')).toEqual({ count: 1, revents: 1 })
    for (const worker of workers) expect(await worker.terminate()).toBe(1)
    sockets.close(rd)
    sockets.close(wr)
    await until(() => openFdCount() === fdsBefore && multiplexThreadCount() === helpersBefore && threadCount() <= threadsBefore)
  })
})
