// Every public export of @io/selectors carries its JSDoc on the export itself.
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { undocumentedExports } from '../../core/tests/api-docs.js'

it('every export of @io/selectors has JSDoc an editor shows', () => {
  expect(undocumentedExports(fileURLToPath(new URL('../src/index.ts', import.meta.url)))).toEqual([])
})
