import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { sockets } from '@io/core'
import { SignalDrivenIO, readSignalStatus, sigioConstants } from '@io/signal'
import { pair, payload, sio, until } from './helpers.js'

const { SIGIO, SIGRTMIN, SIGRTMAX } = sigioConstants
const child = fileURLToPath(new URL('./fixtures/signals-child.mjs', import.meta.url))
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))

function runChild(mode: string) {
  return spawnSync(process.execPath, [child, mode], { encoding: 'utf8', timeout: 30_000, cwd: repoRoot })
}

describe('SignalDrivenIO signal choice and masks', () => {
  it('claims a distinct real-time signal per instance, at or above SIGRTMIN', () => {
    const a = sio()
    const b = sio()
    expect(SIGRTMIN).toBeGreaterThanOrEqual(34) // glibc keeps 32 and 33 for itself
    for (const s of [a, b]) {
      expect(s.signal).toBeGreaterThanOrEqual(SIGRTMIN)
      expect(s.signal).toBeLessThanOrEqual(SIGRTMAX)
    }
    expect(a.signal).not.toBe(b.signal)
  })

  it('blocks its signal and SIGIO in the owner thread, handles the signal with a marker, ignores SIGIO', () => {
    const s = sio()
    expect(s.ownerTid).toBe(process.pid) // the main thread's tid is the pid
    const status = readSignalStatus(s.ownerTid)
    expect(status.blocked).toEqual(expect.arrayContaining([s.signal, SIGIO]))
    expect(status.caught).toContain(s.signal)
    expect(status.ignored).toContain(SIGIO)
  })

  it('on close, unblocks what it blocked and leaves its signal ignored; SIGIO stays blocked while another instance needs it', () => {
    const a = new SignalDrivenIO()
    const b = new SignalDrivenIO()
    const sigA = a.signal
    a.close()
    let status = readSignalStatus()
    expect(status.blocked).not.toContain(sigA)
    expect(status.ignored).toContain(sigA)
    expect(status.caught).not.toContain(sigA)
    expect(status.blocked).toContain(SIGIO) // b still owns this thread's SIGIO
    b.close()
    status = readSignalStatus()
    expect(status.blocked).not.toContain(SIGIO)
    expect(status.ignored).toContain(SIGIO) // and never fatal afterwards either
  })

  it('reads a blocked, ignored SIGIO through the signalfd: rescan() polls every fd', async () => {
    const s = sio()
    const fds = [pair(), pair(), pair()]
    fds.forEach(([a], i) => s.watch(a, i))
    fds.forEach(([, b]) => sockets.write(b, payload))
    expect(s.wait(0)).toBe(3) // the three signals
    s.rescan() // SIGIO to the owner thread, where it is blocked and SIG_IGN
    expect(readSignalStatus(s.ownerTid).pendingThread).toContain(SIGIO)
    expect(s.wait(1000)).toBe(3) // still readable, so the rescan reports all three again
    expect(new Set(Array.from(s.readyTokens.subarray(0, 3)))).toEqual(new Set([0, 1, 2]))
    expect(s.stats.rescans).toBe(1)
    expect(s.stats.overflows).toBe(0) // asked for, not a kernel overflow
    const tokens: number[] = []
    s.start((count) => tokens.push(...s.readyTokens.subarray(0, count)))
    s.rescan()
    await until(() => tokens.length === 3)
    expect(s.stats.rescans).toBe(2)
  })
})

describe('SignalDrivenIO and the rest of the process', () => {
  it('keeps process.on("SIGINT") and child processes (SIGCHLD) working', () => {
    const result = runChild('sigint')
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('child exited 0')
    expect(result.stdout).toContain('got SIGINT')
    expect(result.status).toBe(0)
  })

  it('never dies of SIGIO reaching a thread that does not block it, with an instance or after', () => {
    const control = runChild('control')
    expect(control.signal).toBe('SIGIO') // what the default action does to a process

    const result = runChild('other-thread')
    expect(result.stderr).toBe('')
    expect(result.stdout).toContain('main blocks SIGIO: false')
    expect(result.stdout).toContain('SIGIO ignored: true')
    expect(result.stdout).toContain('alive with an instance')
    expect(result.stdout).toContain('alive after close')
    expect(result.status).toBe(0)
  })
})
