import { spawn, spawnSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const child = fileURLToPath(new URL('./fixtures/overflow-child.mjs', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
const prlimit = spawnSync('prlimit', ['--version'], { encoding: 'utf8' })
const hasPrlimit = prlimit.status === 0

interface Outcome {
  ok: boolean
  reason: string
  bytes: number
  expectedBytes: number
  limit: number
  stats: { overflows: number; rescans: number; signalsRead: number }
  all: Array<{ overflows: number; rescans: number }>
}

function run(sigpending: number, sockets: number, rounds: number, mode: 'sync' | 'thread' = 'sync', instances = 1): Outcome {
  const args = [`--sigpending=${sigpending}`, process.execPath, child, String(sockets), String(rounds), mode, String(instances)]
  const result = spawnSync('prlimit', args, { encoding: 'utf8', timeout: 90_000, cwd: repoRoot })
  if (result.status !== 0) throw new Error(`child failed (${result.status} ${result.signal}): ${result.stderr}`)
  return JSON.parse(result.stdout.trim().split('\n').pop()!)
}

// Real-time signals queue up to RLIMIT_SIGPENDING; past it the kernel sends SIGIO and drops
// the events. A child with the limit lowered watches 1000 sockets and writes to all of them at
// once: the rescan on SIGIO must still deliver every byte.
describe.skipIf(!hasPrlimit)('SignalDrivenIO queue overflow (prlimit --sigpending)', () => {
  it('delivers every byte over 1000 sockets with the queue limited to 64 signals', () => {
    const outcome = run(64, 1000, 3)
    expect(outcome.limit).toBe(64)
    expect(outcome.reason).toBe('done')
    expect(outcome.bytes).toBe(outcome.expectedBytes)
    expect(outcome.ok).toBe(true)
    expect(outcome.stats.overflows).toBeGreaterThan(0)
    expect(outcome.stats.rescans).toBeGreaterThan(0)
  })

  it('delivers every byte, in order, while another thread keeps writing through the overflows', () => {
    const outcome = run(64, 1000, 20, 'thread')
    expect(outcome.reason).toBe('done')
    expect(outcome.ok).toBe(true)
    expect(outcome.stats.overflows).toBeGreaterThan(0)
  })

  it('delivers every byte to two instances of one thread, though only one of them reads each SIGIO', () => {
    // Regression: SIGIO is one pending bit per thread, read by whichever signalfd comes first;
    // the instance that did not read it must rescan too.
    const outcome = run(64, 1000, 3, 'sync', 2)
    expect(outcome.ok).toBe(true)
    for (const stats of outcome.all) expect(stats.rescans).toBeGreaterThan(0)
  })

  it('delivers every byte with no room for a single queued signal (limit 0)', () => {
    const outcome = run(0, 200, 2)
    expect(outcome.ok).toBe(true)
    expect(outcome.stats.overflows).toBeGreaterThan(0)
  })
})

// Regression: poll(2) refuses more fds than RLIMIT_NOFILE with EINVAL, and a rescan polled
// every watched fd in one call; with the limit lowered after the fds were opened, the rescan
// saw nothing. It now polls in slices.
describe.skipIf(!hasPrlimit)('SignalDrivenIO rescan after RLIMIT_NOFILE was lowered', () => {
  it('still reports every watched fd', async () => {
    const script = fileURLToPath(new URL('./fixtures/lowered-nofile-child.mjs', import.meta.url))
    const proc = spawn(process.execPath, [script, '1500'], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] })
    const lines = createInterface({ input: proc.stdout! })
    const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`child exited ${code}`))))
    const next = () => Promise.race([new Promise<string>((resolve) => lines.once('line', resolve)), exited])
    expect(await next()).toBe('ready')
    const lowered = spawnSync('prlimit', [`--pid=${proc.pid}`, '--nofile=1024:20000'], { encoding: 'utf8' })
    expect(lowered.status).toBe(0)
    const soft = spawnSync('prlimit', [`--pid=${proc.pid}`, '--nofile', '--output=SOFT', '--noheadings'], { encoding: 'utf8' })
    expect(soft.stdout.trim()).toBe('1024')
    proc.stdin!.write('go\n')
    const outcome = JSON.parse(await next())
    expect(outcome).toEqual({ seen: 1500, rescans: 1 })
  })
})
