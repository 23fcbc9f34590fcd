import { describe, expect, it } from 'vitest'
import { resolveServerBackend } from '@io/server'

describe('resolveServerBackend', () => {
  it("'auto' with no IO_BACKEND is level-triggered epoll", () => {
    expect(resolveServerBackend('auto', {})).toEqual({ backend: 'epoll', reason: "'auto': level-triggered epoll" })
  })

  it("'auto' honours IO_BACKEND=epoll and epoll-et", () => {
    expect(resolveServerBackend('auto', { IO_BACKEND: 'epoll' }).backend).toBe('epoll')
    expect(resolveServerBackend('auto', { IO_BACKEND: 'epoll-et' }).backend).toBe('epoll-et')
  })

  it.each(['poll', 'select', 'sigio'])("treats the readiness-only IO_BACKEND=%s as 'auto'", (value) => {
    const { backend, reason } = resolveServerBackend('auto', { IO_BACKEND: value })
    expect(backend).toBe('epoll')
    expect(reason).toContain(`IO_BACKEND=${value} is readiness-only`)
  })

  it('an explicit backend wins over IO_BACKEND', () => {
    expect(resolveServerBackend('epoll-et', { IO_BACKEND: 'epoll' }).backend).toBe('epoll-et')
    expect(resolveServerBackend('epoll', { IO_BACKEND: 'epoll-et' }).backend).toBe('epoll')
  })

  it('uring either runs or falls back to epoll with a readable reason', () => {
    const { backend, reason } = resolveServerBackend('uring', {})
    if (backend === 'uring') expect(reason).toBe("requested backend 'uring'")
    else {
      expect(backend).toBe('epoll')
      expect(reason).toMatch(/io_uring is unavailable \(.+\): using epoll/)
    }
  })

  it('rejects an IO_BACKEND that names no backend', () => {
    expect(() => resolveServerBackend('auto', { IO_BACKEND: 'kqueue' })).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }),
    )
  })
})
