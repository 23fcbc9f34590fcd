/**
 * Per-test resources for selector tests: socketpairs and selectors that are closed after each
 * test (registered with `useFixtures()` inside a describe), and a few small helpers.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { sockets } from '@io/core'
import type { BaseSelector } from '@io/selectors'
import { afterEach, expect } from 'vitest'

export interface Fixtures {
  /** A socketpair (AF_UNIX, SOCK_STREAM), closed after the test unless closed by `closeFd`. */
  pair(): [number, number]
  /** A selector from `factory`, closed after the test. */
  selector<S extends BaseSelector<any>>(factory: () => S): S
  /** Closes an fd now; the cleanup will not close its number again (it may have been reused). */
  closeFd(fd: number): void
}

/** Registers an afterEach that releases what the test made. Call inside a describe. */
export function useFixtures(): Fixtures {
  const fds = new Set<number>()
  const selectors: BaseSelector<any>[] = []
  afterEach(() => {
    for (const sel of selectors.splice(0)) sel.close()
    for (const fd of fds) sockets.close(fd)
    fds.clear()
  })
  return {
    pair() {
      const pair = sockets.socketpair()
      fds.add(pair[0])
      fds.add(pair[1])
      return pair
    },
    selector(factory) {
      const sel = factory()
      selectors.push(sel)
      return sel
    },
    closeFd(fd) {
      fds.delete(fd)
      sockets.close(fd)
    },
  }
}

/** Runs `fn` and checks it throws an error of `type` with `code`. */
export function expectError(fn: () => unknown, type: new (...args: any[]) => Error, code: string): Error {
  let caught: unknown
  try {
    fn()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(type)
  expect((caught as { code?: string }).code).toBe(code)
  return caught as Error
}

/** The soft RLIMIT_NOFILE of this process, from /proc/self/limits. */
/**
 * Helper threads of select/poll watchers alive in this process: native threads named
 * "io-multiplex". Counting only those keeps a check of their lifetime exact while Node starts
 * threads of its own (GC, platform workers) whenever it likes.
 */
export function multiplexThreadCount(): number {
  let n = 0
  for (const tid of readdirSync('/proc/self/task')) {
    let name: string
    try {
      name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8')
    } catch {
      continue // the thread exited between the listing and the read
    }
    if (name.trim() === 'io-multiplex') n++
  }
  return n
}

export function openFileLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'))
  const soft = line?.split(/\s+/)[3]
  return soft === undefined || soft === 'unlimited' ? 1 << 20 : Number(soft)
}

/** Writes one byte to `fd` from a worker thread once `delayMs` has passed; resolves when it exits. */
export function writeFromWorker(fd: number, delayMs: number): Promise<void> {
  const code = `
    const { workerData } = require('node:worker_threads')
    const { writeSync } = require('node:fs')
    setTimeout(() => writeSync(workerData.fd, 'x'), workerData.delayMs)`
  const worker = new Worker(code, { eval: true, workerData: { fd, delayMs } })
  return new Promise((resolve, reject) => {
    worker.once('error', reject)
    worker.once('exit', () => resolve())
  })
}

/** A small seeded generator (mulberry32), so a failing random test can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
