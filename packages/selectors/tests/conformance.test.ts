// The conformance suite against every selector in this package (CPython runs its
// BaseSelectorTestCase once per selector class the same way).
import { EpollSelector, PollSelector, SelectSelector } from '@io/selectors'
import { describe } from 'vitest'
import { type ConformanceFactory, type ConformanceOptions, selectorConformanceTests } from './conformance.js'

interface Backend {
  name: string
  factory: ConformanceFactory
  options: ConformanceOptions
}

const backends: Backend[] = [
  { name: 'SelectSelector', factory: () => new SelectSelector(), options: { fdLimit: SelectSelector.FD_LIMIT } },
  { name: 'PollSelector', factory: () => new PollSelector(), options: {} },
  { name: 'EpollSelector', factory: () => new EpollSelector(), options: {} },
  {
    name: 'EpollSelector (edge-triggered)',
    factory: () => new EpollSelector({ edgeTriggered: true }),
    options: { edgeTriggered: true },
  },
]

describe.each(backends)('$name', ({ factory, options }) => {
  selectorConformanceTests(factory, options)
})
