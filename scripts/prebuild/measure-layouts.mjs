// Measures the two ways to ship @io/core's prebuilt binaries, with the binaries built here:
// (a) every binary inside @io/core's tarball (what the package does), and
// (b) one package per platform, pulled in through optionalDependencies (the esbuild / @napi-rs
//     pattern), beside an @io/core without binaries.
// Prints the tarball sizes and what one install downloads either way.
//   node scripts/prebuild/measure-layouts.mjs      (needs every target built: see targets.mjs)
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { root, targets } from './targets.mjs'

const missing = targets.filter((t) => !existsSync(t.binary)).map((t) => t.tag)
if (missing.length) {
  console.error(`measure-layouts: build ${missing.join(', ')} first`)
  process.exit(1)
}
const work = mkdtempSync(join(tmpdir(), 'io-layouts-'))
/** Packs `dir` and returns the tarball's path. */
const pack = (dir, ...args) => {
  const dest = mkdtempSync(join(work, 'tgz-'))
  execFileSync('npm', ['pack', '--pack-destination', dest, '--silent', ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] })
  return join(dest, readdirSync(dest)[0])
}
const size = (file) => statSync(file).size
try {
  const core = pack(join(root, 'packages', 'core'))
  const withBinaries = size(core)
  // The same package without prebuilds/: unpack the tarball, drop them, pack the rest as it is.
  const plain = join(work, 'plain')
  mkdirSync(plain)
  execFileSync('tar', ['xzf', core, '-C', plain])
  rmSync(join(plain, 'package', 'prebuilds'), { recursive: true })
  const withoutBinaries = size(pack(join(plain, 'package'), '--ignore-scripts'))
  const perPlatform = targets.map((target) => {
    const dir = join(work, target.tag)
    mkdirSync(dir)
    const [os, cpu] = target.tag.split('-')
    const manifest = { name: `@io/core-${target.tag}`, version: '0.1.0', license: 'MIT', os: [os], cpu: [cpu], libc: ['glibc'], main: 'io_native.node' }
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2))
    cpSync(join(root, 'packages', 'core', 'LICENSE'), join(dir, 'LICENSE'))
    cpSync(target.binary, join(dir, 'io_native.node'))
    return { tag: target.tag, bytes: size(pack(dir)) }
  })
  const kb = (n) => `${(n / 1024).toFixed(0)} KiB`
  console.log('| layout | tarballs | one install downloads |')
  console.log('| --- | --- | --- |')
  console.log(`| binaries inside @io/core | @io/core ${kb(withBinaries)} | ${kb(withBinaries)} |`)
  const each = perPlatform.map((p) => `${p.tag} ${kb(p.bytes)}`).join(', ')
  const one = perPlatform.map((p) => `${kb(withoutBinaries + p.bytes)} (${p.tag})`).join(', ')
  console.log(`| one package per platform | @io/core ${kb(withoutBinaries)}, ${each} | ${one} |`)
} finally {
  rmSync(work, { recursive: true, force: true })
}
