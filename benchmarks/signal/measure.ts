/**
 * The three measurements of the signal-dispatch benchmark. Every one uses AF_UNIX socketpairs:
 * the benchmark writes one byte to an active pair's writer, the peer under test reports the
 * reader, and the handler reads the byte back (as a real handler must, and so that the next
 * write is a new edge for the edge-triggered peers).
 */
import { Worker } from 'node:worker_threads'
import { sockets } from '@io/core'
import { median } from '../lib/report.js'
import { dispatcher, type Peer } from './dispatchers.js'

const nowNs = () => Number(process.hrtime.bigint())
const one = Buffer.from('x')
const sink = Buffer.alloc(64)

export interface Pairs {
  readers: number[]
  writers: number[]
}

export function makePairs(n: number): Pairs {
  const readers: number[] = []
  const writers: number[] = []
  for (let i = 0; i < n; i++) {
    const [r, w] = sockets.socketpair()
    readers.push(r)
    writers.push(w)
  }
  return { readers, writers }
}

export function closePairs(p: Pairs): void {
  for (const fd of [...p.readers, ...p.writers]) sockets.close(fd)
}

/**
 * Waits (blocking, at most 1 s per call) until `expected` events were reported, reading each
 * reported reader once. Returns the ns spent inside wait(). Throws if an event never comes: a
 * lost event is a bug, not a slow result.
 */
function collect(d: ReturnType<typeof dispatcher>, readers: number[], expected: number): number {
  let got = 0
  let waiting = 0
  while (got < expected) {
    const t = nowNs()
    const k = d.wait(1000)
    waiting += nowNs() - t
    if (k === 0) throw new Error(`lost events: ${got} of ${expected} after 1 s`)
    for (let i = 0; i < k; i++) sockets.read(readers[d.tokens[i]], sink)
    got += k
  }
  return waiting
}

export interface DispatchResult {
  eventsPerSec: number
  /** Whole cycle per event: write, wait, read. */
  cycleNsPerEvent: number
  /** Time inside wait() per event. */
  waitNsPerEvent: number
  /** Time inside write() per event (where the kernel queues the signal or epoll's ready item). */
  writeNsPerEvent: number
}

/** Bursts on every one of `p`'s pairs, for `seconds`, in one thread with wait(). */
export function measureDispatch(peer: Peer, p: Pairs, seconds: number): DispatchResult {
  const d = dispatcher(peer, p.readers)
  const n = p.readers.length
  collect(d, p.readers, 0)
  let events = 0
  let writeNs = 0
  let waitNs = 0
  const start = nowNs()
  const end = start + seconds * 1e9
  while (nowNs() < end) {
    const t = nowNs()
    for (const w of p.writers) sockets.write(w, one)
    writeNs += nowNs() - t
    waitNs += collect(d, p.readers, n)
    events += n
  }
  const elapsed = nowNs() - start
  d.close()
  return {
    eventsPerSec: (events / elapsed) * 1e9,
    cycleNsPerEvent: elapsed / events,
    waitNsPerEvent: waitNs / events,
    writeNsPerEvent: writeNs / events,
  }
}

export interface LatencyResult {
  p50Us: number
  p99Us: number
}

// The writer thread: on each go (control[0] incremented by the main thread), stamps and writes
// one byte to every writer fd, then waits for the next go. fds are per process, so it writes to
// the same numbers. Plain JavaScript (eval), loading the built @io/core.
const writerSource = `
const { workerData } = require('node:worker_threads');
const { sockets } = require('@io/core');
const { writers, control, stamps } = workerData;
const one = Buffer.from('x');
for (let burst = 1; ; burst++) {
  while (Atomics.load(control, 0) < burst) Atomics.wait(control, 0, burst - 1);
  if (Atomics.load(control, 1) === 1) break;
  for (let i = 0; i < writers.length; i++) {
    stamps[i] = Number(process.hrtime.bigint());
    sockets.write(writers[i], one);
  }
}`

/**
 * Latency from write (in another thread) to the handler running inside Node's loop (start()),
 * per event, over `bursts` bursts of one write to every pair.
 */
export async function measureLatency(peer: Peer, p: Pairs, bursts: number): Promise<LatencyResult> {
  const n = p.readers.length
  const control = new Int32Array(new SharedArrayBuffer(8))
  const stamps = new Float64Array(new SharedArrayBuffer(8 * n))
  const worker = new Worker(writerSource, { eval: true, workerData: { writers: p.writers, control, stamps } })
  const d = dispatcher(peer, p.readers)
  const latencies: number[] = []
  let handled = 0
  let burstDone: () => void = () => {}
  d.start((count) => {
    const now = nowNs()
    for (let i = 0; i < count; i++) {
      const token = d.tokens[i]
      latencies.push((now - stamps[token]) / 1e3)
      sockets.read(p.readers[token], sink)
    }
    handled += count
    if (handled >= n) burstDone()
  })
  for (let burst = 0; burst < bursts; burst++) {
    handled = 0
    const done = new Promise<void>((resolve) => (burstDone = resolve))
    Atomics.add(control, 0, 1)
    Atomics.notify(control, 0)
    await done
  }
  Atomics.store(control, 1, 1)
  Atomics.add(control, 0, 1)
  Atomics.notify(control, 0)
  await worker.terminate()
  d.close()
  latencies.sort((a, b) => a - b)
  return { p50Us: median(latencies), p99Us: latencies[Math.floor(latencies.length * 0.99)] }
}

export interface BurstResult {
  usPerBurst: number
  overflows: number
  rescans: number
}

/**
 * Bursts of `active` writes among `p`'s pairs (all watched), delivered with wait(): the time
 * per burst, and for sigio how many bursts overflowed the signal queue.
 */
export function measureBursts(peer: Peer, p: Pairs, active: number, seconds: number): BurstResult {
  const d = dispatcher(peer, p.readers)
  const times: number[] = []
  const end = nowNs() + seconds * 1e9
  // Spread the active pairs over the watched ones, so a rescan cannot stop early.
  const stride = Math.max(1, Math.floor(p.writers.length / active))
  const chosen = Array.from({ length: active }, (_, i) => p.writers[(i * stride) % p.writers.length])
  while (nowNs() < end || times.length < 3) {
    const t = nowNs()
    for (const w of chosen) sockets.write(w, one)
    collect(d, p.readers, active)
    times.push((nowNs() - t) / 1e3)
  }
  const stats = d.stats()
  d.close()
  return { usPerBurst: median(times), overflows: stats?.overflows ?? 0, rescans: stats?.rescans ?? 0 }
}
