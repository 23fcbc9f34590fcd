import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { WOULD_BLOCK, sockets } from '@io/core'
import { SignalDrivenIO, readSignalStatus } from '@io/signal'
import { pair, sio, until } from './helpers.js'

const workerFile = fileURLToPath(new URL('./fixtures/echo-worker.mjs', import.meta.url))

interface Report {
  rounds: number
  tokens: number[]
  blocksItsSignals: boolean
  overflows: number
}

/** A worker whose instance exists; `go()` starts its echo rounds and resolves with its report. */
async function startWorker(token: number, rounds: number) {
  const worker = new Worker(workerFile, { workerData: { token, rounds } })
  const failed = new Promise<never>((_, reject) => worker.once('error', reject))
  const hello: { signal: number; ownerTid: number } = await Promise.race([
    new Promise<{ signal: number; ownerTid: number }>((resolve) => worker.once('message', resolve)),
    failed,
  ])
  const go = async (): Promise<Report> => {
    const done = new Promise<Report>((resolve) => worker.once('message', resolve))
    worker.postMessage('go')
    const report = await Promise.race([done, failed])
    await worker.terminate()
    return report
  }
  return { ...hello, go }
}

describe('SignalDrivenIO in worker threads', () => {
  it('runs in two workers and the main thread at once, each thread the owner of its own', async () => {
    const main = sio()
    const [a, b] = pair()
    main.watch(a, 3)
    const buf = Buffer.alloc(64)
    let mainRounds = 0
    main.start(() => {
      while (sockets.read(a, buf) !== WOULD_BLOCK) if (++mainRounds < 200) sockets.write(b, Buffer.from('again'))
    })
    const [one, two] = await Promise.all([startWorker(1, 200), startWorker(2, 200)])
    // Three instances alive at once: three owner threads, three signals.
    expect(new Set([main.ownerTid, one.ownerTid, two.ownerTid]).size).toBe(3)
    expect(new Set([main.signal, one.signal, two.signal]).size).toBe(3)
    expect(readSignalStatus().blocked).not.toContain(one.signal) // blocked only in its owner
    sockets.write(b, Buffer.from('go'))
    const reports = await Promise.all([one.go(), two.go()])
    await until(() => mainRounds === 200)
    expect(reports[0]).toMatchObject({ rounds: 200, tokens: [1], blocksItsSignals: true })
    expect(reports[1]).toMatchObject({ rounds: 200, tokens: [2], blocksItsSignals: true })
  })

  it('releases the signal of a worker terminated while its instance is started', async () => {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { SignalDrivenIO } = require('@io/signal');
       const { sockets } = require('@io/core');
       const sio = new SignalDrivenIO(); const [a] = sockets.socketpair(); sio.watch(a, 1);
       sio.start(() => {}); parentPort.postMessage(sio.signal)`,
      { eval: true },
    )
    const signal: number = await new Promise((resolve) => worker.once('message', resolve))
    expect(readSignalStatus().caught).toContain(signal)
    const code = await worker.terminate()
    expect(code).toBe(1) // terminated, not crashed: the process and this test go on
    expect(readSignalStatus().caught).not.toContain(signal) // released by the env cleanup hook
    const again = new SignalDrivenIO({ signal })
    expect(again.signal).toBe(signal)
    again.close()
  })
})
