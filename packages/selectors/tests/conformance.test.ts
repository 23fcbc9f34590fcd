// The conformance suite against every selector in this package (CPython runs its
// BaseSelectorTestCase once per selector class the same way).
import { EpollSelector, IoUringSelector, PollSelector, SelectSelector } from '@io/selectors'
import { describe, it } from 'vitest'
import { type ConformanceFactory, type ConformanceOptions, selectorConformanceTests } from './conformance.js'

interface Backend {
  name: string
  factory: ConformanceFactory
  options: ConformanceOptions
  /** Why this backend cannot run here (the io_uring probe's reason); the suite is skipped. */
  skip?: string
}

const uring = IoUringSelector.isSupported()
const uringSkip = uring.supported ? undefined : `io_uring unavailable: ${uring.reason ?? 'unknown'}`

const backends: Backend[] = [
  { name: 'SelectSelector', factory: () => new SelectSelector(), options: { fdLimit: SelectSelector.FD_LIMIT } },
  { name: 'PollSelector', factory: () => new PollSelector(), options: {} },
  { name: 'EpollSelector', factory: () => new EpollSelector(), options: {} },
  {
    name: 'EpollSelector (edge-triggered)',
    factory: () => new EpollSelector({ edgeTriggered: true }),
    options: { edgeTriggered: true },
  },
  { name: 'IoUringSelector', factory: () => new IoUringSelector(), options: {}, skip: uringSkip },
  {
    name: 'IoUringSelector (edge-triggered)',
    factory: () => new IoUringSelector({ edgeTriggered: true }),
    options: { edgeTriggered: true },
    skip: uringSkip,
  },
]

describe.each(backends)('$name', ({ factory, options, skip }) => {
  if (skip !== undefined) {
    it.skip(skip, () => {})
    return
  }
  selectorConformanceTests(factory, options)
})
