// resolveReactorBackend: IO_BACKEND wins, 'auto' follows the probe and the measurements, and
// io_uring that is wanted but unavailable falls back to epoll with one warning and a reason.
import { describe, expect, it } from 'vitest'
import { URING_MEASURED_FASTER, Uring, resolveReactorBackend, type UringSupport } from '@io/core'

const yes = (): UringSupport => ({ supported: true })
const no = (): UringSupport => ({
  supported: false,
  code: 'EPERM',
  reason: 'io_uring_setup failed with EPERM (Operation not permitted): disabled by sysctl kernel.io_uring_disabled=2',
})

function deps(env: NodeJS.ProcessEnv, probe: () => UringSupport) {
  const warnings: string[] = []
  return { warnings, deps: { env, probe, warn: (message: string) => warnings.push(message) } }
}

describe('resolveReactorBackend', () => {
  it('gives what was asked for when IO_BACKEND is unset', () => {
    for (const backend of ['epoll', 'epoll-et', 'uring'] as const) {
      const { deps: d, warnings } = deps({}, yes)
      expect(resolveReactorBackend(backend, d)).toEqual({ backend, reason: `asked for ${backend}` })
      expect(warnings).toEqual([])
    }
  })

  it('lets IO_BACKEND=epoll|epoll-et|uring override the request', () => {
    expect(resolveReactorBackend('uring', deps({ IO_BACKEND: 'epoll' }, yes).deps)).toEqual({
      backend: 'epoll',
      reason: 'IO_BACKEND=epoll',
    })
    expect(resolveReactorBackend('epoll', deps({ IO_BACKEND: 'EPOLL-ET' }, yes).deps).backend).toBe('epoll-et')
    expect(resolveReactorBackend('epoll', deps({ IO_BACKEND: 'uring' }, yes).deps)).toEqual({
      backend: 'uring',
      reason: 'IO_BACKEND=uring',
    })
  })

  it('ignores readiness-only IO_BACKEND values a reactor cannot run', () => {
    for (const value of ['poll', 'select', 'sigio', 'auto', '']) {
      expect(resolveReactorBackend('epoll-et', deps({ IO_BACKEND: value }, yes).deps).backend).toBe('epoll-et')
    }
  })

  it('auto follows the measurements: epoll while io_uring did not measure faster', () => {
    const { deps: d, warnings } = deps({}, yes)
    const auto = resolveReactorBackend('auto', { ...d, measuredFaster: false })
    expect(auto).toEqual({
      backend: 'epoll',
      reason: 'auto: io_uring did not measure faster than epoll overall (docs/uring.md); ask for uring to use it',
    })
    expect(resolveReactorBackend(undefined, d).backend).toBe(URING_MEASURED_FASTER ? 'uring' : 'epoll')
    expect(warnings).toEqual([])
  })

  it('auto picks io_uring when it measured faster and the probe says it works', () => {
    const { deps: d, warnings } = deps({}, yes)
    expect(resolveReactorBackend('auto', { ...d, measuredFaster: true })).toEqual({
      backend: 'uring',
      reason: 'auto: io_uring is supported and measured faster than epoll (docs/benchmarks.md)',
    })
    expect(warnings).toEqual([])
  })

  it('falls back to epoll with a readable reason and one warning when io_uring is unavailable', () => {
    const { deps: d, warnings } = deps({ IO_BACKEND: 'uring' }, no)
    const first = resolveReactorBackend('auto', d)
    expect(first.backend).toBe('epoll')
    expect(first.reason).toBe(
      'IO_BACKEND=uring, but io_uring is unavailable: io_uring_setup failed with EPERM (Operation not permitted): ' +
        'disabled by sysctl kernel.io_uring_disabled=2; using epoll',
    )
    expect(resolveReactorBackend('uring', d).backend).toBe('epoll')
    expect(warnings).toEqual([first.reason]) // once
    expect(warnings[0]).not.toContain('\n') // one line
  })

  it('auto warns about missing io_uring only when it would have chosen it', () => {
    const quiet = deps({}, no)
    expect(resolveReactorBackend('auto', { ...quiet.deps, measuredFaster: false }).backend).toBe('epoll')
    expect(quiet.warnings).toEqual([])
    const loud = deps({}, no)
    const resolved = resolveReactorBackend('auto', { ...loud.deps, measuredFaster: true })
    expect(resolved.backend).toBe('epoll')
    expect(resolved.reason).toMatch(/^auto, but io_uring is unavailable: /)
    expect(loud.warnings).toEqual([resolved.reason])
  })

  it('emits a process warning with a code by default', async () => {
    const seen: Error[] = []
    const onWarning = (warning: Error) => seen.push(warning)
    process.on('warning', onWarning)
    try {
      resolveReactorBackend('uring', { env: {}, probe: no })
      resolveReactorBackend('uring', { env: {}, probe: no })
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', onWarning)
    }
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ name: 'IoUringWarning', code: 'IO_URING_UNAVAILABLE' })
  })

  it('uses the real probe by default and agrees with Uring.isSupported()', () => {
    const resolved = resolveReactorBackend('uring', { env: {}, warn: () => {} })
    expect(resolved.backend).toBe(Uring.isSupported().supported ? 'uring' : 'epoll')
  })

  it('rejects unknown requests and IO_BACKEND values', () => {
    expect(() => resolveReactorBackend('kqueue' as never, { env: {} })).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }),
    )
    expect(() => resolveReactorBackend('auto', { env: { IO_BACKEND: 'iocp' } })).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' }),
    )
  })
})
