// DefaultSelector and createSelector: the IO_BACKEND switch, the sigio registry, and the
// conformance suite against whatever DefaultSelector is in this run (npm test runs this file
// once per IO_BACKEND).
import { backendFromEnv } from '@io/core'
import {
  type BaseSelector,
  createSelector,
  DefaultSelector,
  EpollSelector,
  ERR_SELECTOR_BACKEND_UNAVAILABLE,
  IoUringSelector,
  PollSelector,
  registerSelectorBackend,
  SelectSelector,
  selectorBackend,
  unregisterSelectorBackend,
} from '@io/selectors'
import { afterEach, describe, expect, it } from 'vitest'
import { type ConformanceOptions, selectorConformanceTests } from './conformance.js'
import { expectError } from './fixtures.js'

const backend = backendFromEnv()
// What 'uring' gives here: the real ring, or epoll where io_uring is unavailable.
const uringClass = IoUringSelector.isSupported().supported ? IoUringSelector : EpollSelector

function optionsFor(sel: BaseSelector): ConformanceOptions {
  return {
    fdLimit: sel instanceof SelectSelector ? SelectSelector.FD_LIMIT : undefined,
    edgeTriggered: (sel instanceof EpollSelector || sel instanceof IoUringSelector) && sel.edgeTriggered,
  }
}

describe('createSelector', () => {
  afterEach(() => {
    unregisterSelectorBackend('sigio')
    unregisterSelectorBackend('custom')
  })

  it.each([
    ['auto', EpollSelector, false],
    ['epoll', EpollSelector, false],
    ['epoll-et', EpollSelector, true],
    ['poll', PollSelector, undefined],
    ['select', SelectSelector, undefined],
  ] as const)('%s makes a %o', (name, type, edgeTriggered) => {
    const sel = createSelector(name)
    try {
      expect(sel).toBeInstanceOf(type)
      if (edgeTriggered !== undefined) expect((sel as EpollSelector).edgeTriggered).toBe(edgeTriggered)
    } finally {
      sel.close()
    }
  })

  it('uring makes an IoUringSelector (an EpollSelector where io_uring is unavailable)', () => {
    const sel = createSelector('uring')
    try {
      expect(sel).toBeInstanceOf(uringClass)
      expect(sel.select(0)).toEqual([])
    } finally {
      sel.close()
    }
  })

  it('sigio without @io/signal loaded throws ERR_SELECTOR_BACKEND_UNAVAILABLE naming the fix', () => {
    const error = expectError(() => createSelector('sigio'), Error, ERR_SELECTOR_BACKEND_UNAVAILABLE)
    expect(error.message).toContain('@io/signal')
  })

  it('a registered backend is used by name', () => {
    const made: BaseSelector[] = []
    registerSelectorBackend('sigio', () => {
      const sel = new PollSelector()
      made.push(sel)
      return sel
    })
    expect(selectorBackend('sigio')).toBeTypeOf('function')
    const sel = createSelector('sigio')
    expect(made).toEqual([sel])
    sel.close()
    registerSelectorBackend('custom', () => new PollSelector())
    const custom = createSelector('custom')
    expect(custom).toBeInstanceOf(PollSelector)
    custom.close()
  })

  it('registerSelectorBackend rejects bad arguments', () => {
    expectError(() => registerSelectorBackend('', () => new PollSelector()), TypeError, 'ERR_INVALID_ARG_TYPE')
    expectError(() => registerSelectorBackend('x', 5 as never), TypeError, 'ERR_INVALID_ARG_TYPE')
  })
})

describe(`DefaultSelector (IO_BACKEND=${backend})`, () => {
  if (backend === 'sigio') {
    it('needs @io/signal to have registered the sigio backend', () => {
      expectError(() => new DefaultSelector(), Error, ERR_SELECTOR_BACKEND_UNAVAILABLE)
    })
    return
  }
  const probe = new DefaultSelector()
  const options = optionsFor(probe)
  probe.close()

  it('is the selector IO_BACKEND names', () => {
    const sel = new DefaultSelector()
    try {
      const expected = {
        auto: EpollSelector,
        epoll: EpollSelector,
        'epoll-et': EpollSelector,
        uring: uringClass,
        poll: PollSelector,
        select: SelectSelector,
      }
      if (backend in expected) expect(sel).toBeInstanceOf(expected[backend as keyof typeof expected])
    } finally {
      sel.close()
    }
  })

  selectorConformanceTests(() => new DefaultSelector(), options)
})
