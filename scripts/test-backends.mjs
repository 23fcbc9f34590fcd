// Type-checks everything, runs the test suite once per backend (DESIGN.md decision 7), then the pack check. The first pass runs every
// project with IO_BACKEND unset ('auto'); each later pass sets IO_BACKEND and re-runs the
// projects whose behaviour depends on it. Extra arguments go to vitest.
//   node scripts/test-backends.mjs                 all passes
//   IO_BACKENDS=epoll,uring node scripts/...       only those passes (plus 'auto')
import { spawnSync } from 'node:child_process'

const backendProjects = ['selectors', 'server', 'signal']
const all = ['epoll', 'epoll-et', 'uring', 'poll', 'select', 'sigio']
const chosen = process.env.IO_BACKENDS ? process.env.IO_BACKENDS.split(',').filter(Boolean) : all
const extra = process.argv.slice(2)

const passes = [{ backend: 'auto', projects: [] }, ...chosen.map((backend) => ({ backend, projects: backendProjects }))]
const results = []
// First: the types, tests included (they hold compile-time checks of the public API).
console.log('\n=== types: npx tsc -p tsconfig.json --noEmit')
const types = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { stdio: 'inherit' })
results.push({ backend: 'types', status: types.status ?? 1 })
for (const { backend, projects } of passes) {
  const env = { ...process.env }
  if (backend === 'auto') delete env.IO_BACKEND
  else env.IO_BACKEND = backend
  const args = ['vitest', 'run', '--passWithNoTests', ...projects.flatMap((p) => ['--project', p]), ...extra]
  console.log(`\n=== IO_BACKEND=${backend}: npx ${args.join(' ')}`)
  const run = spawnSync('npx', args, { stdio: 'inherit', env })
  results.push({ backend, status: run.status ?? 1 })
}
// Last: every package, packed, installs and loads alone in an empty folder.
if (!process.env.IO_SKIP_PACK_CHECK) {
  console.log('\n=== pack check: node scripts/pack-check.mjs')
  const run = spawnSync(process.execPath, ['scripts/pack-check.mjs'], { stdio: 'inherit' })
  results.push({ backend: 'pack', status: run.status ?? 1 })
}
console.log('\n=== per-backend results')
for (const r of results) console.log(`${r.backend.padEnd(9)} ${r.status === 0 ? 'passed' : `FAILED (exit ${r.status})`}`)
const failed = results.filter((r) => r.status !== 0).length
console.log(`${results.length - failed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
