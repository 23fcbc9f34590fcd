// resolveBackend, the one backend resolver: a backend named in code wins, IO_BACKEND decides
// only what 'auto' resolves to, and io_uring that is wanted but unusable falls back to epoll
// with one warning and a reason. Every case injects the probe and the environment, so the
// answers do not depend on what this machine supports.
import { describe, expect, it } from 'vitest'
import { AUTO_BACKEND, BACKENDS, Uring, type UringProbe, probeUring, resolveBackend } from '@io/core'

const works = (): UringProbe => ({ supported: true, capabilities: ['multishotPoll', 'multishotRecv', 'bufferRings'] })
const old = (): UringProbe => ({ supported: true, capabilities: ['multishotPoll'] })
const disabled = (): UringProbe => ({
  supported: false,
  code: 'EPERM',
  reason: 'io_uring_setup failed with EPERM (Operation not permitted): disabled by sysctl kernel.io_uring_disabled=2',
  capabilities: [],
})

function seams(env: NodeJS.ProcessEnv, probe: () => UringProbe) {
  const warnings: string[] = []
  return { warnings, options: { env, probe, warn: (message: string) => warnings.push(message) } }
}

describe('resolveBackend', () => {
  it('gives the backend asked for in code, whatever IO_BACKEND says', () => {
    for (const backend of ['epoll', 'epoll-et', 'uring'] as const) {
      const { options, warnings } = seams({}, works)
      expect(resolveBackend(backend, options)).toEqual({ backend, reason: `asked for ${backend}` })
      for (const value of ['epoll', 'epoll-et', 'uring', 'poll']) {
        const other = seams({ IO_BACKEND: value }, works).options
        expect(resolveBackend(backend, other).backend).toBe(backend)
      }
      expect(warnings).toEqual([])
    }
    expect(resolveBackend('epoll', seams({ IO_BACKEND: 'uring' }, works).options)).toEqual({
      backend: 'epoll',
      reason: "asked for epoll (IO_BACKEND=uring only decides 'auto')",
    })
  })

  it("lets IO_BACKEND decide what 'auto' resolves to", () => {
    for (const value of ['epoll', 'EPOLL-ET', ' uring ']) {
      const backend = value.trim().toLowerCase()
      expect(resolveBackend('auto', seams({ IO_BACKEND: value }, works).options)).toEqual({
        backend,
        reason: `auto: IO_BACKEND=${backend}`,
      })
    }
  })

  it(`'auto' without IO_BACKEND runs AUTO_BACKEND (${AUTO_BACKEND}), the measured default`, () => {
    for (const value of [undefined, '', 'auto']) {
      const { options, warnings } = seams({ IO_BACKEND: value }, works)
      expect(resolveBackend(undefined, options)).toEqual({ backend: AUTO_BACKEND, reason: `auto: ${AUTO_BACKEND}, the measured default` })
      expect(warnings).toEqual([])
    }
    // The default is a seam too: whatever it names is what 'auto' runs.
    for (const autoBackend of ['epoll', 'epoll-et', 'uring'] as const) {
      expect(resolveBackend('auto', { ...seams({}, works).options, autoBackend }).backend).toBe(autoBackend)
    }
  })

  it("leaves 'auto' on the default when IO_BACKEND names a backend the caller cannot run", () => {
    for (const value of ['poll', 'select', 'sigio']) {
      expect(resolveBackend('auto', seams({ IO_BACKEND: value }, works).options)).toEqual({
        backend: AUTO_BACKEND,
        reason: `auto: ${AUTO_BACKEND}, the measured default (IO_BACKEND=${value} names a backend this cannot run)`,
      })
    }
  })

  it('serves callers that run other backends (the selectors run all six)', () => {
    for (const backend of BACKENDS) {
      const options = { ...seams({ IO_BACKEND: backend }, works).options, accepts: BACKENDS }
      expect(resolveBackend('auto', options).backend).toBe(backend)
      expect(resolveBackend(backend, { ...options, env: {} }).backend).toBe(backend)
    }
  })

  it('falls back to epoll with a readable reason and one warning when io_uring is unavailable', () => {
    const { options, warnings } = seams({ IO_BACKEND: 'uring' }, disabled)
    const first = resolveBackend('auto', options)
    expect(first).toEqual({
      backend: 'epoll',
      reason:
        'auto: IO_BACKEND=uring, but io_uring is unavailable: io_uring_setup failed with EPERM (Operation not permitted): ' +
        'disabled by sysctl kernel.io_uring_disabled=2; using epoll',
    })
    expect(resolveBackend('uring', options).backend).toBe('epoll')
    expect(warnings).toEqual([first.reason]) // once
    expect(warnings[0]).not.toContain('\n') // one line
  })

  it('treats io_uring without a capability the caller needs as unavailable, naming it', () => {
    const needs = ['multishotRecv', 'bufferRings'] as const
    expect(resolveBackend('uring', { ...seams({}, works).options, needs }).backend).toBe('uring')
    const { options, warnings } = seams({}, old)
    const resolved = resolveBackend('uring', { ...options, needs })
    expect(resolved).toEqual({
      backend: 'epoll',
      reason:
        'asked for uring, but io_uring is unavailable: this kernel lacks multishot recv (Linux 6.0) and ' +
        'provided-buffer rings (Linux 5.19); using epoll',
    })
    expect(warnings).toEqual([resolved.reason])
    // A caller that needs none of it runs io_uring on the same kernel.
    expect(resolveBackend('uring', seams({}, old).options).backend).toBe('uring')
  })

  it('probes only when io_uring is wanted', () => {
    let probes = 0
    const counting = () => {
      probes++
      return disabled()
    }
    const { options, warnings } = seams({}, counting)
    resolveBackend('auto', options)
    resolveBackend('epoll-et', options)
    resolveBackend('auto', { ...options, env: { IO_BACKEND: 'epoll' } })
    expect(probes).toBe(0)
    expect(warnings).toEqual([])
    resolveBackend('uring', options)
    expect(probes).toBe(1)
  })

  it('emits one process warning with a code by default, however many callers fall back', async () => {
    const seen: Error[] = []
    const onWarning = (warning: Error) => seen.push(warning)
    process.on('warning', onWarning)
    try {
      resolveBackend('uring', { env: {}, probe: disabled })
      resolveBackend('auto', { env: { IO_BACKEND: 'uring' }, probe: disabled, needs: ['multishotRecv'] })
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', onWarning)
    }
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ name: 'IoUringWarning', code: 'IO_URING_UNAVAILABLE' })
    expect(seen[0].message).toMatch(/^asked for uring, but io_uring is unavailable: .*; using epoll$/)
  })

  it('rejects unknown requests, IO_BACKEND values and fallback-less lists with RangeErrors', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => resolveBackend('kqueue' as never, { env: {} }), /^"backend" must be one of auto, epoll, epoll-et, uring, got "kqueue"$/],
      [() => resolveBackend('poll' as never, { env: {} }), /^"backend" must be one of .*, got "poll"$/],
      [() => resolveBackend(undefined, { env: { IO_BACKEND: 'iocp' } }), /^"IO_BACKEND" must be one of auto, .*, got "iocp"$/],
      [() => resolveBackend(undefined, { env: {}, accepts: ['uring'] as never }), /^"options.accepts" must be .*'epoll'/],
    ]
    for (const [call, message] of cases) {
      expect(call).toThrow(expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE', message: expect.stringMatching(message) }))
    }
  })
})

const support = Uring.isSupported()
if (!support.supported) console.warn(`probeUring against a real ring skipped: ${support.reason}`)

describe('probeUring', () => {
  it('answers once per thread, and agrees with Uring.isSupported()', () => {
    const probe = probeUring()
    expect(probeUring()).toBe(probe)
    expect(Object.isFrozen(probe)).toBe(true)
    expect(probe.supported).toBe(support.supported)
  })

  it.skipIf(!support.supported)('reports the capabilities of a real ring', () => {
    const ring = new Uring({ entries: 2 })
    try {
      const f = ring.features
      for (const name of ['multishotPoll', 'multishotAccept', 'multishotRecv', 'bufferRings', 'sendZeroCopy', 'cancelByFd'] as const) {
        expect(probeUring().capabilities.includes(name), name).toBe(f[name])
      }
    } finally {
      ring.close()
    }
  })
})
