// SigioSelector through @io/selectors' shared conformance suite (what CPython's
// test_selectors.py covers, run against every selector), through DefaultSelector when
// IO_BACKEND=sigio, and what is particular to it.
import { describe, expect, it } from 'vitest'
import { backendFromEnv, sockets } from '@io/core'
import { DefaultSelector, EVENT_READ, EVENT_WRITE, createSelector, selectorBackend, unregisterSelectorBackend } from '@io/selectors'
import { SigioSelector, registerSigioBackend } from '@io/signal'
import { runSelectorConformance, selectorConformanceTests } from '../../selectors/tests/conformance.js'
import { defer, pair } from './helpers.js'

runSelectorConformance('SigioSelector (conformance)', () => new SigioSelector())

function selector(): SigioSelector<string> {
  const sel = new SigioSelector<string>()
  defer(() => sel.close())
  return sel
}

describe('SigioSelector as the sigio backend', () => {
  it('is registered when @io/signal loads: createSelector("sigio") makes one', () => {
    expect(selectorBackend('sigio')).toBeTypeOf('function')
    const sel = createSelector('sigio')
    expect(sel).toBeInstanceOf(SigioSelector)
    sel.close()
    unregisterSelectorBackend('sigio')
    expect(selectorBackend('sigio')).toBeUndefined()
    registerSigioBackend()
    expect(selectorBackend('sigio')).toBeTypeOf('function')
  })
})

// The whole suite runs once per IO_BACKEND (scripts/test-backends.mjs); in the sigio pass,
// DefaultSelector is a SigioSelector and goes through the conformance suite as one.
describe.runIf(backendFromEnv() === 'sigio')('DefaultSelector with IO_BACKEND=sigio', () => {
  it('is a SigioSelector', () => {
    const sel = new DefaultSelector()
    expect(sel).toBeInstanceOf(SigioSelector)
    sel.close()
  })
  selectorConformanceTests(() => new DefaultSelector())
})

describe('SigioSelector specifics', () => {
  it('grows its ready list so that one select returns every ready fd', () => {
    const sel = selector()
    const writers: number[] = []
    for (let i = 0; i < 300; i++) {
      const [r] = pair()
      sel.register(r, EVENT_WRITE)
      writers.push(r)
    }
    expect(sel.signalDrivenIO.maxEvents).toBeGreaterThanOrEqual(300)
    expect(sel.select(0)).toHaveLength(300)
  })

  it('a modify after the fd was closed fails with EBADF and unregisters it', () => {
    const sel = selector()
    const [a, b] = sockets.socketpair()
    sel.register(a, EVENT_READ)
    sockets.close(a)
    sockets.close(b)
    expect(() => sel.modify(a, EVENT_WRITE)).toThrow(expect.objectContaining({ code: 'EBADF', syscall: 'fcntl' }))
    expect(sel.getMap().has(a)).toBe(false)
  })

  it('keeps reporting the truth after a rescan (as after a queue overflow)', () => {
    const sel = selector()
    const [a, b] = pair()
    const [c] = pair()
    const ka = sel.register(a, EVENT_READ)
    sel.register(c, EVENT_READ)
    sockets.write(b, Buffer.from('x'))
    expect(sel.select(1000)).toEqual([[ka, EVENT_READ]])
    sel.signalDrivenIO.rescan()
    expect(sel.select(1000)).toEqual([[ka, EVENT_READ]])
    expect(sel.signalDrivenIO.stats.rescans).toBe(1)
    sockets.read(a, Buffer.alloc(8))
    expect(sel.select(0)).toEqual([])
  })
})
