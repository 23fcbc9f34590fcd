// Shared by the @io/signal tests: fds and instances that are cleaned up after each test, the
// ready list as pairs, and an fd's status flags as the kernel shows them.
import { readFileSync } from 'node:fs'
import { afterEach } from 'vitest'
import { SignalDrivenIO, type SignalDrivenIOOptions } from '@io/signal'
import { constants, sockets } from '@io/core'

export { until, loopTurn, openFdCount, runAgainstDist } from '../../core/tests/helpers.js'

const cleanup: Array<() => void> = []
afterEach(() => {
  while (cleanup.length) cleanup.pop()!()
})

/** Runs `fn` after the current test. */
export function defer(fn: () => void): void {
  cleanup.push(fn)
}

function closeQuietly(fd: number): void {
  try {
    sockets.close(fd)
  } catch {
    // already closed by the test
  }
}

/** A blocking AF_UNIX stream socketpair (watch() makes the watched end non-blocking). */
export function pair(): [number, number] {
  const fds = sockets.socketpair(constants.AF_UNIX, constants.SOCK_STREAM)
  defer(() => fds.forEach(closeQuietly))
  return fds
}

/** A pipe: [readEnd, writeEnd]. */
export function pipe(): [number, number] {
  const fds = sockets.pipe2(0)
  defer(() => fds.forEach(closeQuietly))
  return fds
}

export function sio(options?: SignalDrivenIOOptions): SignalDrivenIO {
  const s = new SignalDrivenIO(options)
  defer(() => s.close())
  return s
}

/** What `fn` throws (undefined if it returns). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

/** The (token, band) pairs of the last wait, read from the ready list. */
export function ready(s: SignalDrivenIO, count: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  for (let i = 0; i < count; i++) out.push([s.readyTokens[i], s.readyBands[i]])
  return out
}

/** The fd's file status flags (O_NONBLOCK, O_ASYNC...) from /proc/self/fdinfo. */
export function statusFlags(fd: number): number {
  const text = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
  const match = /^flags:\s*([0-7]+)/m.exec(text)
  if (!match) throw new Error(`no flags in /proc/self/fdinfo/${fd}`)
  return parseInt(match[1], 8)
}

/** O_ASYNC (FASYNC) on Linux x86-64 and arm64: octal 020000. */
export const O_ASYNC = 0o20000

export const payload = Buffer.from('hello')
