// One module state across the ESM and CJS builds (DESIGN.md decision 11), for real: a child
// process loads the built dist of @io/core both ways at once.
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { runAgainstDist } from './helpers.js'

const fixture = fileURLToPath(new URL('./fixtures/dual-state.mjs', import.meta.url))

it('an ES module and a CommonJS require of @io/core share the warn-once, the probes and moduleState', () => {
  const child = runAgainstDist([fixture])
  expect(child.stderr).not.toMatch(/Error/)
  expect(child.status).toBe(0)
  expect(JSON.parse(child.stdout)).toEqual({
    twoBuilds: true, // two module instances, or the test would prove nothing
    resolved: ['epoll', 'epoll'],
    warnings: 1,
    sameProbe: true,
    sameSupport: true,
    sameState: true,
  })
})
