// Uring inside Node's loop: start(onComplete) through the eventfd, batching, automatic submits,
// stop/ref/unref, exceptions, and rings in worker threads.
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { expect, it } from 'vitest'
import { READABLE, Uring, constants, sockets } from '@io/core'
import { loopTurn, until } from './helpers.js'
import { type Completion, describeUring, read, ring, unixPair } from './uring-helpers.js'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const ETIME = 62

function runWorker(token: number, rounds: number): Promise<{ token: number; rounds: number; setup: boolean }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fixture('uring-worker.mjs'), { workerData: { token, rounds } })
    worker.once('message', (msg) => {
      resolve(msg)
      void worker.terminate()
    })
    worker.once('error', reject)
  })
}

/**
 * Ping-pong driven from onComplete: each received ball (token 1) queues the next recv on `from`
 * and the next send on `to`. Resolves after `rounds` balls.
 */
async function pingPong(r: Uring, from: number, to: number, rounds: number): Promise<void> {
  const inbox = Buffer.alloc(256)
  const ball = Buffer.from('ball')
  let seen = 0
  r.start((count) => {
    for (let i = 0; i < count; i++) {
      if (r.completionTokens[i] !== 1) continue
      expect(r.completionResults[i]).toBe(4)
      if (++seen === rounds) return
      r.recv(from, inbox, 0, 256, 1)
      r.send(to, ball, 0, 4, 2)
    }
  })
  r.recv(from, inbox, 0, 256, 1)
  r.send(to, ball, 0, 4, 2)
  await until(() => seen === rounds)
}

describeUring('Uring inside the Node loop', () => {
  it('calls onComplete once per batch, with the completions in the arrays', async () => {
    const r = ring()
    const pairs = [unixPair(), unixPair(), unixPair()]
    const batches: Completion[][] = []
    r.start((count) => batches.push(read(r, count)))
    expect(r.active).toBe(true)
    pairs.forEach(([a], i) => r.recv(a, Buffer.alloc(8), 0, 8, 10 + i))
    r.submit()
    pairs.forEach(([, b]) => sockets.write(b, Buffer.from('abc')))
    await until(() => batches.flat().length === 3)
    expect(new Set(batches.flat().map((c) => c.token))).toEqual(new Set([10, 11, 12]))
    expect(batches.flat().every((c) => c.result === 3)).toBe(true)
  })

  it('submits operations queued outside the callback at the end of the task, in one batch', async () => {
    const r = ring()
    const seen: number[] = []
    r.start((count) => seen.push(...read(r, count).map((c) => c.token)))
    for (let i = 0; i < 5; i++) r.timeout(0, i) // no submit() call
    expect(r.inFlight).toBe(5)
    await until(() => seen.length === 5)
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4])
  })

  it('submits operations queued inside the callback when it returns (ping-pong)', async () => {
    const r = ring()
    const [a, b] = unixPair()
    await pingPong(r, a, b, 300)
    await until(() => r.inFlight === 0)
  })

  it('delivers every completion of a CQ overflow, in batches no larger than the arrays', async () => {
    const r = ring({ entries: 4, cqEntries: 4 })
    const [a, b] = unixPair()
    sockets.write(b, Buffer.from('x'))
    const sizes: number[] = []
    const tokens: number[] = []
    r.start((count) => {
      sizes.push(count)
      tokens.push(...read(r, count).map((c) => c.token))
    })
    for (let token = 0; token < 64; token++) r.pollAdd(a, READABLE, token)
    await until(() => tokens.length === 64)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4)
    expect(tokens.sort((x, y) => x - y)).toEqual(Array.from({ length: 64 }, (_, i) => i))
  })

  it('stop() ends callbacks; wait() still works; start() picks up what arrived meanwhile', async () => {
    const r = ring()
    let calls = 0
    r.start(() => calls++)
    r.timeout(0, 1)
    await until(() => calls === 1)
    r.stop()
    expect(r.active).toBe(false)
    r.timeout(0, 2)
    r.submit()
    for (let i = 0; i < 5; i++) await loopTurn()
    expect(calls).toBe(1)
    expect(r.wait(1)).toBe(1)
    expect(r.completionTokens[0]).toBe(2)
    r.timeout(0, 3)
    expect(r.wait(1)).toBe(1) // reaped while stopped...
    r.timeout(0, 4)
    r.submit()
    const late: number[] = []
    r.start((count) => late.push(...read(r, count).map((c) => c.token)))
    await until(() => late.length === 1) // ...and this one, completed before start(), arrives
    expect(late).toEqual([4])
  })

  it('lets the callback close the ring it is called from', async () => {
    const r = new Uring()
    let called = 0
    r.timeout(0, 1)
    r.timeout(0, 2)
    r.timeout(60_000, 3)
    r.start(() => {
      called++
      r.close()
    })
    await until(() => r.closed)
    for (let i = 0; i < 3; i++) await loopTurn()
    expect(called).toBe(1)
    expect(r.inFlight).toBe(0)
  })

  it('misses no completion caused by another thread while the loop is busy reaping', async () => {
    // The eventfd is kept quiet while the loop reaps (x86, DEFER_TASKRUN); completions that
    // other CPUs queue meanwhile must still wake it. A lost wakeup would stall this ping-pong.
    const r = ring()
    const [a, b] = unixPair()
    const peer = new Worker(fixture('uring-echo-peer.mjs'), { workerData: { fd: b } })
    await pingPong(r, a, a, 3000) // sends on a; the peer echoes them back to a
    sockets.shutdown(a, constants.SHUT_WR) // the peer reads end of stream and exits
    await new Promise((resolve) => peer.once('exit', resolve))
  })

  it('refuses wait() from inside onComplete, which would overwrite the completions being read', async () => {
    const r = ring()
    const errors: unknown[] = []
    r.start(() => {
      try {
        r.wait(0, 0)
      } catch (error) {
        errors.push(error)
      }
    })
    r.timeout(0, 1)
    await until(() => errors.length === 1)
    expect(errors[0]).toMatchObject({ code: 'ERR_URING_REENTRANT_WAIT' })
  })

  it('keeps timers working beside it', async () => {
    const r = ring()
    const results: number[] = []
    r.start((count) => results.push(...read(r, count).map((c) => c.result)))
    r.timeout(1, 1)
    await new Promise((resolve) => setTimeout(resolve, 5))
    await until(() => results.length === 1)
    expect(results).toEqual([-ETIME])
  })

  it('an unref()ed started ring does not keep the process alive', () => {
    const out = execFileSync(process.execPath, [fixture('uring-unref-exit.mjs'), 'unref'], { encoding: 'utf8', timeout: 30_000 })
    expect(out.trim()).toBe('exit hasRef=false active=true inFlight=1')
  })

  it('a ref()ed started ring keeps the process alive until closed', () => {
    const out = execFileSync(process.execPath, [fixture('uring-unref-exit.mjs'), 'ref'], { encoding: 'utf8', timeout: 30_000 })
    expect(out.trim().split('\n')).toEqual([`complete 1 token 7 result -${ETIME}`, 'exit after close'])
  })

  it('sends an exception thrown by onComplete to uncaughtException', () => {
    const out = execFileSync(process.execPath, [fixture('uring-throw-in-callback.mjs')], { encoding: 'utf8', timeout: 30_000 })
    expect(out.trim()).toBe('caught boom from onComplete')
  })
})

describeUring('Uring in worker threads', () => {
  it('runs in two workers and the main thread at once, each with its own ring', async () => {
    const r = ring()
    const [a, b] = unixPair()
    const inbox = Buffer.alloc(16)
    let mainRounds = 0
    r.start((count) => {
      for (let i = 0; i < count; i++) {
        if (r.completionTokens[i] !== 1 || ++mainRounds >= 200) continue
        r.recv(a, inbox, 0, 16, 1)
        r.send(b, inbox, 0, 1, 2)
      }
    })
    r.recv(a, inbox, 0, 16, 1)
    r.send(b, Buffer.from('go'), 0, 2, 2)
    const results = await Promise.all([runWorker(1, 200), runWorker(2, 200)])
    await until(() => mainRounds >= 200)
    expect(results).toEqual([
      { token: 1, rounds: 200, setup: true },
      { token: 2, rounds: 200, setup: true },
    ])
  })

  it('survives a worker terminated while its ring is started with operations in flight', async () => {
    const worker = new Worker(
      `const { Uring, sockets } = require(${JSON.stringify(fileURLToPath(new URL('../dist/index.cjs', import.meta.url)))});
       const ring = new Uring(); const [a] = sockets.socketpair();
       ring.recv(a, Buffer.alloc(64), 0, 64, 1); ring.timeout(60000, 2); ring.start(() => {});
       ring.submit(); require('node:worker_threads').parentPort.postMessage('started')`,
      { eval: true },
    )
    await new Promise((resolve) => worker.once('message', resolve))
    const code = await worker.terminate()
    expect(code).toBe(1) // terminated, not crashed: the process and this test go on
    const r = ring()
    r.timeout(0, 1)
    expect(r.wait(1)).toBe(1)
  })
})
