// `node --import @io/signal app.cjs`, where app.cjs requires @io/selectors: the sigio backend
// that @io/signal registers through one build of @io/selectors must be found through the other
// (DESIGN.md decision 11). A child process runs each program against the built dist.
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { runAgainstDist } from './helpers.js'

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url))

it.each([
  ['--import', 'dual-app.cjs'],
  ['--require', 'dual-app.mjs'],
])('node %s @io/signal %s makes a SigioSelector under IO_BACKEND=sigio', (flag, program) => {
  const child = runAgainstDist([flag, '@io/signal', program], { cwd: fixtures, env: { ...process.env, IO_BACKEND: 'sigio' } })
  expect(child.stderr).toBe('')
  expect(child.status).toBe(0)
  expect(child.stdout).toBe('SigioSelector\n')
})
