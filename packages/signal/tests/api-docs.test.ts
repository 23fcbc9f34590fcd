// Every public export of @io/signal carries its JSDoc on the export itself (what it re-exports
// from @io/core is documented, and checked, where @io/core declares it).
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { undocumentedExports } from '../../core/tests/api-docs.js'

it('every export of @io/signal has JSDoc an editor shows', () => {
  expect(undocumentedExports(fileURLToPath(new URL('../src/index.ts', import.meta.url)))).toEqual([])
})
