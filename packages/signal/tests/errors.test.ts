import { closeSync, openSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { READABLE, WRITABLE, isSystemError, sockets } from '@io/core'
import { SignalDrivenIO, sigioConstants } from '@io/signal'
import { defer, openFdCount, pair, sio, thrown } from './helpers.js'

function expectCode(fn: () => unknown, name: string, code: string): void {
  const caught = thrown(fn)
  expect(caught).toBeInstanceOf(Error)
  expect((caught as Error).name).toBe(name)
  expect((caught as { code?: string }).code).toBe(code)
}

describe('SignalDrivenIO bad arguments (before any syscall)', () => {
  it('rejects bad options', () => {
    expectCode(() => new SignalDrivenIO(null as never), 'TypeError', 'ERR_INVALID_ARG_TYPE')
    expectCode(() => new SignalDrivenIO({ maxEvents: 0 }), 'RangeError', 'ERR_OUT_OF_RANGE')
    expectCode(() => new SignalDrivenIO({ maxEvents: 1.5 }), 'TypeError', 'ERR_INVALID_ARG_TYPE')
    expectCode(() => new SignalDrivenIO({ maxEvents: 2 ** 21 }), 'RangeError', 'ERR_OUT_OF_RANGE')
    expectCode(() => new SignalDrivenIO({ signal: sigioConstants.SIGIO }), 'RangeError', 'ERR_OUT_OF_RANGE')
    expectCode(() => new SignalDrivenIO({ signal: sigioConstants.SIGRTMAX + 1 }), 'RangeError', 'ERR_OUT_OF_RANGE')
    expectCode(() => new SignalDrivenIO({ levelTriggered: 'yes' as never }), 'TypeError', 'ERR_INVALID_ARG_TYPE')
  })

  it('rejects bad fds, tokens and interests', () => {
    const s = sio()
    const [a] = pair()
    expectCode(() => s.watch(-1, 1), 'RangeError', 'ERR_OUT_OF_RANGE')
    expectCode(() => s.watch('3' as never, 1), 'TypeError', 'ERR_INVALID_ARG_TYPE')
    expectCode(() => s.watch(a, -1), 'RangeError', 'ERR_OUT_OF_RANGE')
    expectCode(() => s.watch(a, 2 ** 32), 'RangeError', 'ERR_OUT_OF_RANGE')
    expectCode(() => s.watch(a, 1, 0), 'RangeError', 'ERR_OUT_OF_RANGE')
    expectCode(() => s.watch(a, 1, 0x8000_0000), 'RangeError', 'ERR_OUT_OF_RANGE') // EPOLLET: not a poll bit
    expectCode(() => s.watch(a, 1, 64), 'RangeError', 'ERR_OUT_OF_RANGE')
    expectCode(() => s.wait('1' as never), 'TypeError', 'ERR_INVALID_ARG_TYPE')
    expectCode(() => s.wait(Number.NaN), 'TypeError', 'ERR_INVALID_ARG_TYPE')
    expectCode(() => s.start(42 as never), 'TypeError', 'ERR_INVALID_ARG_TYPE')
    expect(s.watching).toBe(0)
  })
})

describe('SignalDrivenIO errors from the kernel and from misuse', () => {
  it('a closed fd: EBADF, nothing registered', () => {
    const s = sio()
    const [a, b] = sockets.socketpair()
    sockets.close(a)
    sockets.close(b)
    const caught = thrown(() => s.watch(a, 1))
    expect(isSystemError(caught, 'EBADF')).toBe(true)
    expect((caught as { errno: number }).errno).toBe(-9)
    expect(s.watching).toBe(0)
  })

  it('a regular file, an eventfd: EPERM (they accept O_ASYNC but never signal)', () => {
    const s = sio()
    const path = join(tmpdir(), `sigio-${process.pid}.txt`)
    const file = openSync(path, 'w')
    defer(() => closeSync(file))
    const caught = thrown(() => s.watch(file, 1))
    expect(isSystemError(caught, 'EPERM')).toBe(true)
    expect((caught as { syscall: string }).syscall).toBe('fcntl')
    const efd = sockets.eventfd()
    defer(() => sockets.close(efd))
    expect(() => s.watch(efd, 2)).toThrow(expect.objectContaining({ code: 'EPERM' }))
    expect(s.watching).toBe(0)
  })

  it('watching twice: ERR_SIGIO_ALREADY_WATCHED; unknown fd: ERR_SIGIO_NOT_WATCHED', () => {
    const s = sio()
    const [a, b] = pair()
    s.watch(a, 1)
    expectCode(() => s.watch(a, 2), 'Error', 'ERR_SIGIO_ALREADY_WATCHED')
    expectCode(() => s.unwatch(b), 'Error', 'ERR_SIGIO_NOT_WATCHED')
    expectCode(() => s.modify(b, 1, READABLE), 'Error', 'ERR_SIGIO_NOT_WATCHED')
    expect(s.watching).toBe(1)
  })

  it('any use after close(): ERR_SIGIO_CLOSED; close() twice is fine', () => {
    const s = new SignalDrivenIO()
    const [a] = pair()
    s.close()
    s.close()
    expect(s.closed).toBe(true)
    expect(s.fd).toBe(-1)
    expect(s.signal).toBe(0)
    for (const fn of [
      () => s.watch(a, 1),
      () => s.unwatch(a),
      () => s.modify(a, 1, WRITABLE),
      () => s.wait(0),
      () => s.start(() => {}),
      () => s.rescan(),
    ]) {
      expectCode(fn, 'Error', 'ERR_SIGIO_CLOSED')
    }
  })

  it('a detached ready list: ERR_READY_LIST_DETACHED, no write through a stale pointer', () => {
    const s = sio()
    structuredClone(s.readyBuffer, { transfer: [s.readyBuffer] })
    expectCode(() => s.wait(0), 'Error', 'ERR_READY_LIST_DETACHED')
  })

  it('no free real-time signal: ERR_SIGIO_NO_SIGNAL, and the signal asked for must be free', () => {
    const first = sio()
    expectCode(() => new SignalDrivenIO({ signal: first.signal }), 'Error', 'ERR_SIGIO_NO_SIGNAL')
    const all: SignalDrivenIO[] = []
    let caught: unknown
    try {
      for (let i = 0; i < 64; i++) all.push(new SignalDrivenIO())
    } catch (error) {
      caught = error
    } finally {
      all.forEach((s) => s.close())
    }
    expect((caught as { code?: string }).code).toBe('ERR_SIGIO_NO_SIGNAL')
    const range = sigioConstants.SIGRTMAX - sigioConstants.SIGRTMIN + 1
    expect(all.length).toBe(range - 1) // every one but `first`'s
    const again = sio() // released signals can be claimed again
    expect(again.signal).toBeGreaterThanOrEqual(sigioConstants.SIGRTMIN)
  })

  it('leaks no fd over many instances and watches', () => {
    const before = openFdCount()
    for (let i = 0; i < 50; i++) {
      const s = new SignalDrivenIO()
      const [a, b] = sockets.socketpair()
      s.watch(a, i)
      s.start(() => {})
      s.close()
      sockets.close(a)
      sockets.close(b)
    }
    expect(openFdCount()).toBe(before)
  })
})
