// resolveServerBackend asks @io/core's resolver, with the io_uring engine's needs. Every case
// injects the environment and the probe, so no answer depends on what this machine supports.
import { AUTO_BACKEND, type UringProbe } from '@io/core'
import { resolveServerBackend, type ServerBackendOptions, URING_ENGINE_NEEDS } from '@io/server'
import { describe, expect, it } from 'vitest'

const full = (): UringProbe => ({ supported: true, capabilities: ['multishotPoll', 'multishotRecv', 'bufferRings'] })
const pollOnly = (): UringProbe => ({ supported: true, capabilities: ['multishotPoll'] })
const disabled = (): UringProbe => ({ supported: false, code: 'EPERM', reason: 'disabled by sysctl kernel.io_uring_disabled=2', capabilities: [] })

function seams(IO_BACKEND: string | undefined, probe: () => UringProbe = full): ServerBackendOptions & { warnings: string[] } {
  const warnings: string[] = []
  return { env: { IO_BACKEND }, probe, warn: (message) => warnings.push(message), warnings }
}

describe('resolveServerBackend', () => {
  it("'auto' with no IO_BACKEND runs @io/core's measured default", () => {
    expect(resolveServerBackend('auto', seams(undefined))).toEqual({ backend: AUTO_BACKEND, reason: `auto: ${AUTO_BACKEND}, the measured default` })
    expect(resolveServerBackend(undefined, seams(undefined)).backend).toBe(AUTO_BACKEND)
  })

  it("IO_BACKEND decides what 'auto' runs (one switch for the whole suite)", () => {
    for (const engine of ['epoll', 'epoll-et', 'uring'] as const) {
      expect(resolveServerBackend('auto', seams(engine))).toEqual({ backend: engine, reason: `auto: IO_BACKEND=${engine}` })
    }
  })

  it('a backend named in code wins over IO_BACKEND', () => {
    for (const engine of ['epoll', 'epoll-et', 'uring'] as const) {
      for (const env of [undefined, 'epoll', 'epoll-et', 'uring', 'poll']) {
        expect(resolveServerBackend(engine, seams(env)).backend).toBe(engine)
      }
    }
    expect(resolveServerBackend('epoll-et', seams('uring')).reason).toBe("asked for epoll-et (IO_BACKEND=uring only decides 'auto')")
  })

  it.each(['poll', 'select', 'sigio'])("'auto' stays on the default under the readiness-only IO_BACKEND=%s, saying so", (value) => {
    expect(resolveServerBackend('auto', seams(value))).toEqual({
      backend: AUTO_BACKEND,
      reason: `auto: ${AUTO_BACKEND}, the measured default (IO_BACKEND=${value} names a backend this cannot run)`,
    })
  })

  it('io_uring without multishot recv into provided-buffer rings falls back to epoll, once warned', () => {
    expect(URING_ENGINE_NEEDS).toEqual(['multishotRecv', 'bufferRings'])
    const options = seams(undefined, pollOnly)
    const resolved = resolveServerBackend('uring', options)
    expect(resolved).toEqual({
      backend: 'epoll',
      reason:
        'asked for uring, but io_uring is unavailable: this kernel lacks multishot recv (Linux 6.0) and ' +
        'provided-buffer rings (Linux 5.19); using epoll',
    })
    expect(resolveServerBackend('auto', { ...options, env: { IO_BACKEND: 'uring' } }).backend).toBe('epoll')
    expect(options.warnings).toEqual([resolved.reason])
  })

  it('io_uring that is disabled falls back to epoll with the probe’s reason', () => {
    const options = seams('uring', disabled)
    expect(resolveServerBackend('auto', options)).toEqual({
      backend: 'epoll',
      reason: 'auto: IO_BACKEND=uring, but io_uring is unavailable: disabled by sysctl kernel.io_uring_disabled=2; using epoll',
    })
    expect(options.warnings).toHaveLength(1)
  })

  it('rejects an IO_BACKEND that names no backend', () => {
    expect(() => resolveServerBackend('auto', seams('kqueue'))).toThrow(
      expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: expect.stringContaining('got "kqueue"') }),
    )
  })
})
