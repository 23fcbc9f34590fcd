import { describe, expect, it } from 'vitest'
import { AUTO_ENGINE, resolveServerBackend } from '@io/server'

describe('resolveServerBackend', () => {
  it("'auto' with no IO_BACKEND is the measured default, level-triggered epoll", () => {
    expect(AUTO_ENGINE).toBe('epoll')
    expect(resolveServerBackend('auto', {})).toEqual({ backend: 'epoll', reason: "'auto': level-triggered epoll" })
  })

  it('an explicit backend is honoured when IO_BACKEND is unset', () => {
    expect(resolveServerBackend('epoll', {}).backend).toBe('epoll')
    expect(resolveServerBackend('epoll-et', {})).toEqual({ backend: 'epoll-et', reason: "requested backend 'epoll-et'" })
  })

  it('IO_BACKEND=epoll|epoll-et wins over the request (one switch for the whole suite)', () => {
    expect(resolveServerBackend('auto', { IO_BACKEND: 'epoll-et' })).toEqual({ backend: 'epoll-et', reason: 'IO_BACKEND=epoll-et' })
    expect(resolveServerBackend('epoll-et', { IO_BACKEND: 'epoll' }).backend).toBe('epoll')
    expect(resolveServerBackend('epoll', { IO_BACKEND: 'epoll-et' }).backend).toBe('epoll-et')
  })

  it.each(['poll', 'select', 'sigio'])('ignores the readiness-only IO_BACKEND=%s, saying so', (value) => {
    expect(resolveServerBackend('auto', { IO_BACKEND: value })).toEqual({
      backend: 'epoll',
      reason: `'auto': level-triggered epoll (IO_BACKEND=${value} is readiness-only; a server ignores it)`,
    })
    expect(resolveServerBackend('epoll-et', { IO_BACKEND: value }).backend).toBe('epoll-et')
  })

  it('uring either runs or falls back to epoll with a readable reason', () => {
    for (const [requested, env, how] of [
      ['uring', {}, "requested backend 'uring'"],
      ['auto', { IO_BACKEND: 'uring' }, 'IO_BACKEND=uring'],
    ] as const) {
      const { backend, reason } = resolveServerBackend(requested, env)
      if (backend === 'uring') expect(reason).toBe(how)
      else {
        expect(backend).toBe('epoll')
        expect(reason).toMatch(new RegExp(`^${how}, but io_uring is unavailable \\(.+\\): using epoll$`))
      }
    }
  })

  it('rejects an IO_BACKEND that names no backend', () => {
    expect(() => resolveServerBackend('auto', { IO_BACKEND: 'kqueue' })).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }),
    )
  })
})
