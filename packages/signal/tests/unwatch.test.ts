import { describe, expect, it } from 'vitest'
import { constants, sockets } from '@io/core'
import { O_ASYNC, pair, payload, pipe, sio, statusFlags } from './helpers.js'

const O_NONBLOCK = constants.O_NONBLOCK

describe('SignalDrivenIO unwatch() restores the fd', () => {
  it('sets O_NONBLOCK and O_ASYNC while watched, and restores both flags after', () => {
    const [a] = pair()
    const before = statusFlags(a)
    expect(before & (O_NONBLOCK | O_ASYNC)).toBe(0)
    const s = sio()
    s.watch(a, 1)
    expect(statusFlags(a) & (O_NONBLOCK | O_ASYNC)).toBe(O_NONBLOCK | O_ASYNC)
    expect(s.unwatch(a)).toBe(true)
    expect(statusFlags(a)).toBe(before)
  })

  it('keeps O_NONBLOCK when the fd already had it', () => {
    const [r] = pipe()
    sockets.setNonBlocking(r, true)
    const s = sio()
    s.watch(r, 1)
    s.unwatch(r)
    expect(statusFlags(r) & (O_NONBLOCK | O_ASYNC)).toBe(O_NONBLOCK)
  })

  it('sends no more signals for the fd once unwatched', () => {
    const [a, b] = pair()
    const s = sio()
    s.watch(a, 1)
    s.unwatch(a)
    const read = s.stats.signalsRead
    sockets.write(b, payload)
    expect(s.wait(30)).toBe(0)
    expect(s.stats.signalsRead).toBe(read)
  })

  it('restores the owner and signal the fd had before (another instance gets its events back)', () => {
    const [a, b] = pair()
    const first = sio()
    const second = sio()
    first.watch(a, 1)
    second.watch(a, 2) // takes the open file over: its signal, same owner thread
    sockets.write(b, payload)
    expect(second.wait(1000)).toBe(1)
    expect(first.wait(0)).toBe(0)
    sockets.read(a, Buffer.alloc(64))
    expect(second.unwatch(a)).toBe(true) // back to first's signal and O_ASYNC
    sockets.write(b, payload)
    expect(first.wait(1000)).toBe(1)
    expect(first.readyTokens[0]).toBe(1)
    expect(statusFlags(a) & O_ASYNC).toBe(O_ASYNC)
    first.unwatch(a)
    expect(statusFlags(a) & (O_ASYNC | O_NONBLOCK)).toBe(0)
  })

  it('close() restores every watched fd', () => {
    const fds = Array.from({ length: 5 }, () => pair()[0])
    const s = sio()
    fds.forEach((fd, i) => s.watch(fd, i))
    s.close()
    for (const fd of fds) expect(statusFlags(fd) & (O_NONBLOCK | O_ASYNC)).toBe(0)
  })

  it('after the fd was closed, or its number reused, unwatch() succeeds and touches nothing', () => {
    const s = sio()
    const [a, b] = sockets.socketpair()
    s.watch(a, 1)
    sockets.close(a)
    expect(s.unwatch(a)).toBe(false)
    expect(s.watching).toBe(0)

    const [c, d] = sockets.socketpair()
    s.watch(c, 2)
    sockets.close(c)
    const [e] = pair() // takes c's number
    expect(e).toBe(c)
    expect(s.unwatch(c)).toBe(false)
    expect(statusFlags(e) & (O_ASYNC | O_NONBLOCK)).toBe(0)
    sockets.close(b)
    sockets.close(d)
  })
})
