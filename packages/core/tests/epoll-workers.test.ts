import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { describe, expect, it } from 'vitest'
import { Epoll, READABLE, sockets } from '@io/core'
import { until } from './helpers.js'

const workerFile = fileURLToPath(new URL('./fixtures/epoll-worker.mjs', import.meta.url))

function runWorker(token: number, rounds: number): Promise<{ token: number; count: number; rounds: number }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: { token, rounds } })
    worker.once('message', (msg) => {
      resolve(msg)
      void worker.terminate()
    })
    worker.once('error', reject)
  })
}

describe('Epoll in worker threads', () => {
  it('runs in two workers and the main thread at once, each with its own Epoll', async () => {
    const ep = new Epoll()
    const [a, b] = sockets.socketpair()
    ep.add(a, READABLE, 3)
    let mainRounds = 0
    ep.start(() => {
      sockets.read(a, Buffer.alloc(64))
      if (++mainRounds < 200) sockets.write(b, Buffer.from('again'))
    })
    sockets.write(b, Buffer.from('go'))
    const results = await Promise.all([runWorker(1, 200), runWorker(2, 200)])
    await until(() => mainRounds === 200)
    ep.close()
    sockets.close(a)
    sockets.close(b)
    expect(results).toEqual([
      { token: 1, count: 1, rounds: 200 },
      { token: 2, count: 1, rounds: 200 },
    ])
  })

  it('survives a worker terminated while its Epoll is started', async () => {
    const worker = new Worker(
      `const { Epoll, READABLE, sockets } = require(${JSON.stringify(fileURLToPath(new URL('../dist/index.cjs', import.meta.url)))});
       const ep = new Epoll(); const [a] = sockets.socketpair(); ep.add(a, READABLE, 1);
       ep.start(() => {}); require('node:worker_threads').parentPort.postMessage('started')`,
      { eval: true },
    )
    await new Promise((resolve) => worker.once('message', resolve))
    const code = await worker.terminate()
    expect(code).toBe(1) // terminated, not crashed: the process and this test go on
    const ep = new Epoll()
    expect(ep.wait(0)).toBe(0)
    ep.close()
  })
})
