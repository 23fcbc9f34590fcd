// createSelector and DefaultSelector: names in code win, IO_BACKEND only decides 'auto' and never
// makes a selector edge-triggered, the sigio registry, and the conformance suite against
// whatever DefaultSelector is in this run (npm test runs this file once per IO_BACKEND).
import { backendFromEnv, type UringProbe } from '@io/core'
import {
  type BaseSelector,
  createSelector,
  DefaultSelector,
  EpollSelector,
  ERR_SELECTOR_BACKEND_UNAVAILABLE,
  IoUringSelector,
  PollSelector,
  registerSelectorBackend,
  resolveSelectorBackend,
  SelectSelector,
  selectorBackend,
  unregisterSelectorBackend,
} from '@io/selectors'
import { afterEach, describe, expect, it } from 'vitest'
import { type ConformanceOptions, selectorConformanceTests } from './conformance.js'
import { expectError } from './fixtures.js'

const backend = backendFromEnv()
const support = IoUringSelector.isSupported()
if (!support.supported) console.warn(`createSelector('uring') on a real ring skipped: ${support.reason}`)
const disabled = (): UringProbe => ({ supported: false, reason: 'disabled by sysctl kernel.io_uring_disabled=2', capabilities: [] })

function optionsFor(sel: BaseSelector): ConformanceOptions {
  return {
    fdLimit: sel instanceof SelectSelector ? SelectSelector.FD_LIMIT : undefined,
    edgeTriggered: (sel instanceof EpollSelector || sel instanceof IoUringSelector) && sel.edgeTriggered,
  }
}

// Makes a selector with `make`, checks it, closes it.
function check(make: () => BaseSelector, type: abstract new (...args: never[]) => BaseSelector, edgeTriggered?: boolean): void {
  const sel = make()
  try {
    expect(sel).toBeInstanceOf(type)
    if (edgeTriggered !== undefined) expect((sel as EpollSelector).edgeTriggered).toBe(edgeTriggered)
  } finally {
    sel.close()
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
    check(() => createSelector(name, { env: {} }), type, edgeTriggered)
  })

  it('a backend named in code wins over IO_BACKEND', () => {
    for (const env of ['epoll', 'epoll-et', 'uring', 'poll', 'select', 'sigio']) {
      check(() => createSelector('poll', { env: { IO_BACKEND: env } }), PollSelector)
      check(() => createSelector('epoll-et', { env: { IO_BACKEND: env } }), EpollSelector, true)
      check(() => createSelector('epoll', { env: { IO_BACKEND: env } }), EpollSelector, false)
    }
  })

  it("IO_BACKEND decides what 'auto' makes, and never makes it edge-triggered", () => {
    const cases = [
      ['epoll', EpollSelector],
      ['epoll-et', EpollSelector],
      ['poll', PollSelector],
      ['select', SelectSelector],
    ] as const
    for (const [env, type] of cases) check(() => createSelector('auto', { env: { IO_BACKEND: env } }), type, type === EpollSelector ? false : undefined)
    expect(resolveSelectorBackend('auto', { env: { IO_BACKEND: 'epoll-et' } })).toEqual({ backend: 'epoll-et', reason: 'auto: IO_BACKEND=epoll-et' })
  })

  it('uring where io_uring is unavailable makes an EpollSelector, warning once with the reason', () => {
    const warnings: string[] = []
    const options = { env: {}, probe: disabled, warn: (message: string) => warnings.push(message) }
    check(() => createSelector('uring', options), EpollSelector, false)
    check(() => createSelector('auto', { ...options, env: { IO_BACKEND: 'uring' } }), EpollSelector, false)
    expect(warnings).toEqual(["asked for uring, but io_uring is unavailable: disabled by sysctl kernel.io_uring_disabled=2; using epoll"])
  })

  it.skipIf(!support.supported)('uring makes a level-triggered IoUringSelector where io_uring works', () => {
    check(() => createSelector('uring', { env: {} }), IoUringSelector, false)
    check(() => createSelector('auto', { env: { IO_BACKEND: 'uring' } }), IoUringSelector, false)
  })

  it('sigio without @io/signal loaded throws ERR_SELECTOR_BACKEND_UNAVAILABLE naming the fix', () => {
    const error = expectError(() => createSelector('sigio'), Error, ERR_SELECTOR_BACKEND_UNAVAILABLE)
    expect(error.message).toContain('@io/signal')
    expectError(() => createSelector('auto', { env: { IO_BACKEND: 'sigio' } }), Error, ERR_SELECTOR_BACKEND_UNAVAILABLE)
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
    const auto = createSelector('auto', { env: { IO_BACKEND: 'sigio' } })
    expect(made).toEqual([sel, auto])
    sel.close()
    auto.close()
    registerSelectorBackend('custom', () => new PollSelector())
    check(() => createSelector('custom'), PollSelector)
  })

  it('rejects bad arguments with messages that name them', () => {
    const noName = expectError(() => registerSelectorBackend('', () => new PollSelector()), TypeError, 'ERR_INVALID_ARG_TYPE')
    expect(noName.message).toBe('"name" must be a non-empty string, got ""')
    const noFactory = expectError(() => registerSelectorBackend('x', undefined as never), TypeError, 'ERR_INVALID_ARG_TYPE')
    expect(noFactory.message).toBe('"factory" must be a function, got undefined')
    expectError(() => createSelector(5 as never), TypeError, 'ERR_INVALID_ARG_TYPE')
    expectError(() => createSelector('kqueue'), Error, ERR_SELECTOR_BACKEND_UNAVAILABLE)
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

  it("is the level-triggered selector of the backend 'auto' resolves to", () => {
    const classes = { epoll: EpollSelector, 'epoll-et': EpollSelector, uring: IoUringSelector, poll: PollSelector, select: SelectSelector }
    const resolved = resolveSelectorBackend().backend as keyof typeof classes
    check(() => new DefaultSelector(), classes[resolved])
    expect(options.edgeTriggered).toBe(false)
  })

  selectorConformanceTests(() => new DefaultSelector(), options)
})
