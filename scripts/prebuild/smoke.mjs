// Installs the packed @io/core into an empty folder and runs smoke-app.mjs there under real Node
// builds of other release lines and CPUs: the official binaries that the npm packages
// node-linux-<arch>@<major> carry, run directly on this CPU and through qemu-user on another.
//   node scripts/prebuild/smoke.mjs linux-x64-gnu 20,22,24      (npm run smoke:x64)
//   node scripts/prebuild/smoke.mjs linux-arm64-gnu 20,22       (npm run smoke:arm64)
// Options: --tarball FILE (an @io/core tarball already packed). Node builds are kept in
// native/build-smoke/ between runs.
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { onPath, root, targetOf } from './targets.mjs'

const [tag = 'linux-x64-gnu', lines = '20,22,24', ...rest] = process.argv.slice(2)
const target = targetOf(tag)
const tarballArg = rest.includes('--tarball') ? rest[rest.indexOf('--tarball') + 1] : undefined
const cache = join(root, 'native', 'build-smoke')
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })

if (!target.native && !onPath(target.qemu)) {
  console.error(`smoke: ${target.qemu} is not installed; on Debian or Ubuntu: apt-get install qemu-user`)
  process.exit(1)
}
if (!target.native && !existsSync(join(target.sysroot, 'lib'))) {
  console.error(`smoke: no ${target.sysroot}/lib for ${target.qemu} -L; apt-get install g++-${target.triple} brings it`)
  process.exit(1)
}

/** bin/node of the official build of Node `major` for the target's CPU, fetched once. */
function nodeBuild(major) {
  const dir = join(cache, `node-${target.arch}-${major}`)
  const bin = join(dir, 'package', 'bin', 'node')
  if (existsSync(bin)) return bin
  mkdirSync(dir, { recursive: true })
  npm(['pack', `node-linux-${target.arch}@${major}`, '--pack-destination', dir, '--silent'], dir)
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))
  execFileSync('tar', ['xzf', join(dir, tgz), '-C', dir, 'package/bin/node'])
  rmSync(join(dir, tgz))
  return bin
}

const work = mkdtempSync(join(tmpdir(), 'io-smoke-'))
let failed = 0
try {
  let tarball = tarballArg
  if (!tarball) {
    npm(['pack', '--pack-destination', work, '--silent'], join(root, 'packages', 'core'))
    tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')))
  }
  const app = join(work, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'smoke', private: true }))
  npm(['install', '--ignore-scripts', '--no-audit', '--no-fund', '--silent', tarball], app)
  copyFileSync(join(root, 'scripts', 'prebuild', 'smoke-app.mjs'), join(app, 'smoke-app.mjs'))
  const summary = []
  for (const major of lines.split(',')) {
    const node = nodeBuild(major)
    const command = target.native ? [node] : [target.qemu, '-L', target.sysroot, node]
    console.log(`\n=== ${tag}, Node ${major}: ${command.join(' ')} smoke-app.mjs`)
    const run = spawnSync(command[0], [...command.slice(1), 'smoke-app.mjs'], { cwd: app, stdio: 'inherit' })
    const version = execFileSync(command[0], [...command.slice(1), '--version'], { encoding: 'utf8' }).trim()
    summary.push(`${tag} node ${version}${target.native ? '' : ` (${target.qemu})`}: ${run.status === 0 ? 'passed' : 'FAILED'}`)
    if (run.status !== 0) failed++
  }
  console.log(`\n=== smoke results\n${summary.join('\n')}`)
  console.log(`${summary.length - failed} passed, ${failed} failed`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
process.exit(failed ? 1 : 0)
