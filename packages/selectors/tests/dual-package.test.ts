// One backend registry across the ESM and CJS builds (DESIGN.md decision 11), for real: a child
// process loads the built dist of @io/selectors both ways at once.
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { runAgainstDist } from '../../core/tests/helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/dual-registry.mjs', import.meta.url))

it('a backend registered through one build of @io/selectors is found through the other', () => {
  const child = runAgainstDist([fixture])
  expect(child.stderr).toBe('')
  expect(child.status).toBe(0)
  expect(JSON.parse(child.stdout)).toEqual({ twoBuilds: true, esmSeenByCjs: true, madeByCjs: true, cjsSeenByEsm: true })
})
