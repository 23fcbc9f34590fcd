#!/usr/bin/env node
// Builds @io/core's native addon for this machine from the sources shipped in the package, for
// hosts with no prebuilt binary (musl, another CPU, glibc older than 2.28). Needs cmake, make and
// a C++17 compiler; nothing from the network.
//   node node_modules/@io/core/build-from-source.mjs            writes build/io_native.node here,
//                                                               which @io/core then loads
//   node node_modules/@io/core/build-from-source.mjs --out F    writes F (load it with IO_NATIVE_PATH=F)
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const packageRoot = dirname(fileURLToPath(import.meta.url))
const args = process.argv.slice(2)
if (args.includes('--help') || args.includes('-h')) {
  console.log('usage: node build-from-source.mjs [--out FILE] [--jobs N]')
  process.exit(0)
}
const option = (name) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const out = resolve(option('--out') ?? join(packageRoot, 'build', 'io_native.node'))
const jobs = option('--jobs') ?? String(availableParallelism())

const onPath = (command) => spawnSync('sh', ['-c', `command -v "${command}"`], { stdio: 'ignore' }).status === 0
const compiler = [process.env.CXX, 'c++', 'g++', 'clang++'].find((c) => c && onPath(c))
const lacking = [onPath('cmake') ? null : 'cmake', onPath('make') ? null : 'make', compiler ? null : 'a C++17 compiler']
if (lacking.some(Boolean)) {
  console.error(
    `build-from-source: missing ${lacking.filter(Boolean).join(', ')}. Install them, for instance:\n` +
      '  Debian/Ubuntu: apt-get install cmake make g++\n' +
      '  Alpine:        apk add cmake make g++ linux-headers\n' +
      '  Fedora/RHEL:   dnf install cmake make gcc-c++',
  )
  process.exit(1)
}

const build = mkdtempSync(join(tmpdir(), 'io-core-build-'))
try {
  const run = (cmd, list) => {
    console.log(`build-from-source: ${cmd} ${list.join(' ')}`)
    const result = spawnSync(cmd, list, { stdio: 'inherit', env: { ...process.env, CXX: compiler } })
    if (result.status !== 0) throw new Error(`${cmd} failed (exit ${result.status ?? result.signal})`)
  }
  // IO_PORTABLE=OFF: this binary only has to run where it is built.
  run('cmake', ['-S', join(packageRoot, 'native'), '-B', build, '-DCMAKE_BUILD_TYPE=Release', '-DIO_PORTABLE=OFF'])
  run('cmake', ['--build', build, '--parallel', jobs])
  const built = join(build, 'io_native.node')
  if (!existsSync(built)) throw new Error(`the build left no ${built}`)
  mkdirSync(dirname(out), { recursive: true })
  copyFileSync(built, out)
  // Load it in a fresh process, so a binary that cannot load is reported here, not at first use.
  execFileSync(process.execPath, ['-e', `require(${JSON.stringify(out)})`], { stdio: 'inherit' })
  const isDefault = out === join(packageRoot, 'build', 'io_native.node')
  console.log(
    `build-from-source: built ${out}; ` +
      (isDefault ? '@io/core loads it from now on' : `load it with IO_NATIVE_PATH=${out}`),
  )
} catch (error) {
  console.error(`build-from-source: ${error.message}`)
  process.exitCode = 1
} finally {
  rmSync(build, { recursive: true, force: true })
}
