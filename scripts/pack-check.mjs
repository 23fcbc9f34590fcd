// The pack check: what a user of the published packages gets, checked before anything is published.
//  1. contents   each workspace packed with `npm pack`: LICENSE, README (Install first, ESM and
//                CJS examples, platforms, absolute links), repository/homepage/bugs/keywords/
//                license, no install script; @io/core with its sources, headers and prebuilt binaries
//  2. publish    `npm publish --dry-run --offline` of every tarball: no network, no login
//  3. binaries   each prebuilt addon read with objdump -T / readelf (scripts/prebuild/binary-check.mjs):
//                GLIBC_ <= 2.28, no libstdc++/libgcc_s, stripped, right CPU
//  4. install    each package alone in an empty folder (the other @io tarballs stand in for the
//                registry) with --ignore-scripts and no compiler on PATH, then loaded from CJS and
//                ESM, and its README's examples run; @io/core's smoke test (scripts/prebuild/smoke-app.mjs: CJS, ESM, a worker)
//  5. fallback   the errors for hosts with no prebuilt binary, from the installed package, and
//                the build-from-source command they print, run there (needs cmake and c++)
// A binary not built on this machine (the arm64 one needs `npm run prebuild:arm64`) is skipped
// with the reason. Prints one line per check and 'N passed, N failed, N skipped'.
//   node scripts/pack-check.mjs
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkBinary } from './prebuild/binary-check.mjs'
import { GLIBC_FLOOR, onPath, root, targets } from './prebuild/targets.mjs'

const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces
const work = mkdtempSync(join(tmpdir(), 'io-pack-'))
const counts = { passed: 0, failed: 0, skipped: 0 }
function report(status, what, detail = '') {
  counts[status]++
  const word = { passed: 'ok  ', failed: 'FAIL', skipped: 'skip' }[status]
  // Children print in colour when FORCE_COLOR is set (as on CI); the details are quoted plain.
  const plain = String(detail).replace(/\x1b\[[0-9;]*m/g, '')
  console.log(`${word} ${what}${plain ? `: ${plain}` : ''}`)
}
/** Runs `fn`; a throw is a failure with its message, a returned string the detail of a pass. */
function check(what, fn) {
  try {
    report('passed', what, fn() ?? '')
  } catch (error) {
    report('failed', what, firstLines(error))
  }
}
const firstLines = (error) => String(error.stderr || error.stdout || error.message).trim().split('\n').slice(0, 12).join('\n     ')
function assert(condition, message) {
  if (!condition) throw new Error(message)
}

// npm without the variables an enclosing `npm test` exports (npm_config_*, npm_package_*), and,
// for installs, with a PATH that holds node and nothing else: no cc, c++, make, cmake, python.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)))
const bareBin = join(work, 'bin')
mkdirSync(bareBin)
symlinkSync(process.execPath, join(bareBin, 'node'))
const bareEnv = { ...cleanEnv, PATH: bareBin }
const npmCli = process.env.npm_execpath?.endsWith('.js')
  ? process.env.npm_execpath
  : realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim())
const npm = (args, cwd, env = cleanEnv) =>
  execFileSync(process.execPath, [npmCli, ...args], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
const node = (args, cwd, env = bareEnv) => execFileSync(process.execPath, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

try {
  // 1. contents
  const tarballs = {}
  for (const dir of workspaces) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
    // Each tarball lands in a folder of its own and is found by listing it: npm's stdout also
    // carries what a prepack script prints, in colour on some runners.
    const dest = mkdtempSync(join(work, 'pack-'))
    npm(['pack', '--pack-destination', dest], join(root, dir))
    const [file] = readdirSync(dest).filter((f) => f.endsWith('.tgz'))
    execFileSync('tar', ['xzf', join(dest, file), '-C', dest])
    tarballs[pkg.name] = { file: join(dest, file), unpacked: join(dest, 'package'), pkg }
    check(`${pkg.name} contents`, () => checkContents(join(dest, 'package'), join(dest, file)))
  }
  const core = tarballs['@io/core']
  check('@io/core ships its sources for build-from-source.mjs', () => {
    for (const file of ['build-from-source.mjs', 'native/CMakeLists.txt', 'native/include/napi.h', 'native/include/node_api.h', 'native/portable/glibc_floor.cc']) {
      assert(existsSync(join(core.unpacked, file)), `${file} missing`)
    }
    return `${readdirSync(join(core.unpacked, 'native', 'src')).length} source folders, Node-API headers`
  })

  // 2. publish
  for (const [name, { file }] of Object.entries(tarballs)) {
    check(`${name} npm publish --dry-run --offline`, () => {
      npm(['publish', '--dry-run', '--offline', file], work)
      return `${(statSync(file).size / 1024).toFixed(0)} KiB packed`
    })
  }

  // 3. binaries
  for (const target of targets) {
    const binary = join(core.unpacked, 'prebuilds', target.tag, 'io_native.node')
    if (!existsSync(binary)) {
      const how = target.native ? 'npm run build:native' : `npm run prebuild:${target.arch} (needs g++-${target.triple})`
      report('skipped', `${target.tag} binary`, `not built on this machine: ${how}`)
      continue
    }
    check(`${target.tag} binary`, () => {
      const { problems, glibcMax, needed, bytes } = checkBinary(binary, target.tag)
      assert(!problems.length, problems.join('; '))
      return `${(bytes / 1024).toFixed(0)} KiB, stripped, GLIBC_ <= ${glibcMax} (floor ${GLIBC_FLOOR}), needs ${needed.join(' ')}`
    })
  }

  // 4. install
  check('no compiler on the install PATH', () => {
    const found = ['cc', 'c++', 'gcc', 'g++', 'clang', 'make', 'cmake', 'python3'].filter(
      (tool) => spawnSync(process.execPath, ['-e', `require('child_process').execFileSync('${tool}', ['--version'], { stdio: 'ignore' })`], { env: bareEnv }).status === 0,
    )
    assert(!found.length, `${found.join(', ')} reachable`)
    return `PATH=${bareBin} (node only)`
  })
  const apps = {}
  for (const [name, { pkg }] of Object.entries(tarballs)) {
    const closure = dependencyClosure(name, tarballs)
    const app = mkdtempSync(join(work, 'app-'))
    apps[name] = app
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }))
    check(`${name} installs alone (${[...closure].filter((n) => n !== name).join(', ') || 'no @io deps'}), then loads from CJS and ESM`, () => {
      npm(['install', '--no-audit', '--no-fund', '--ignore-scripts', ...[...closure].map((n) => tarballs[n].file)], app, bareEnv)
      const count = node(['-e', `const m = require(${JSON.stringify(name)}); if (!Object.keys(m).length) throw new Error('no exports'); process.stdout.write(String(Object.keys(m).length))`], app)
      node(['--input-type=module', '-e', `const m = await import(${JSON.stringify(name)}); if (!Object.keys(m).length) throw new Error('no exports')`], app)
      return `${count} exports${pkg.bin ? `, bin ${Object.keys(pkg.bin).join(' ')}` : ''}`
    })
    check(`${name} README examples run as written (ESM, CJS)`, () => {
      const readme = readFileSync(join(tarballs[name].unpacked, 'README.md'), 'utf8')
      const [esm, cjs] = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])
      writeFileSync(join(app, 'example.mjs'), esm)
      writeFileSync(join(app, 'example.cjs'), cjs)
      // The timeout only turns a hang into a failure; the examples end on their own.
      const run = (file) => execFileSync(process.execPath, [file], { cwd: app, env: bareEnv, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] })
      return [run('example.mjs'), run('example.cjs')].map((out) => `'${out.trim().split('\n')[0]}'`).join(', ')
    })
  }
  const coreApp = apps['@io/core']
  writeFileSync(join(coreApp, 'smoke-app.mjs'), readFileSync(join(root, 'scripts', 'prebuild', 'smoke-app.mjs')))
  check('@io/core smoke test, installed (CJS, ESM, worker thread, Epoll, TCP, errors)', () => {
    const out = node(['smoke-app.mjs'], coreApp)
    return out.trim().split('\n').pop()
  })

  // 5. fallback
  const installed = join(coreApp, 'node_modules', '@io', 'core')
  const simulate = (tag) =>
    node(['--input-type=module', '-e', `
      const core = await import('@io/core')
      const [platform, arch, libc] = ${JSON.stringify(tag)}.split('-')
      const host = { platform, arch, ...(libc === 'musl' ? { libc: 'musl' } : {}) }
      try { core.locateNative({ host, env: {} }); console.log('no error') } catch (e) { console.log(e.code + '\\n' + e.message) }`], coreApp)
  check('linux-x64-musl gets the build command of the installed package', () => {
    const out = simulate('linux-x64-musl')
    assert(out.startsWith('ERR_IO_NATIVE_UNSUPPORTED_PLATFORM') && out.includes('linux-x64-musl'), out)
    const command = /node (\S+build-from-source\.mjs)/.exec(out)?.[1]
    assert(command && realpathSync(command) === realpathSync(join(installed, 'build-from-source.mjs')), `no runnable command in: ${out}`)
    return `node ${command.replace(coreApp, '<app>')}`
  })
  check('darwin-arm64 is told the package is Linux-only', () => {
    const out = simulate('darwin-arm64')
    assert(out.startsWith('ERR_IO_NATIVE_UNSUPPORTED_PLATFORM') && /Linux only.*darwin-arm64/.test(out), out)
    return out.split('\n')[1]
  })
  const tools = ['cmake', 'make', 'c++'].filter((tool) => !onPath(tool))
  if (tools.length) {
    report('skipped', 'build-from-source.mjs in the installed package', `${tools.join(', ')} not on PATH`)
  } else {
    check('build-from-source.mjs in the installed package, then loaded instead of the prebuilt binary', () => {
      execFileSync(process.execPath, [join(installed, 'build-from-source.mjs')], { cwd: coreApp, env: cleanEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      rmSync(join(installed, 'prebuilds'), { recursive: true })
      return node(['smoke-app.mjs', '--expect-source', 'source-build'], coreApp).trim().split('\n').pop()
    })
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
console.log(`pack check: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`)
process.exitCode = counts.failed ? 1 : 0

/** The package and every @io package it needs, from the tarballs' manifests. */
function dependencyClosure(name, tarballs) {
  const closure = new Set([name])
  for (const n of closure) {
    for (const dep of Object.keys(tarballs[n].pkg.dependencies ?? {})) if (dep.startsWith('@io/')) closure.add(dep)
  }
  return closure
}

/** What every published package must carry; returns a one-line summary. */
function checkContents(dir, tarball) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const problems = []
  for (const field of ['repository', 'homepage', 'bugs', 'keywords', 'license']) if (!pkg[field] || pkg[field].length === 0) problems.push(`no ${field}`)
  for (const script of ['preinstall', 'install', 'postinstall']) if (pkg.scripts?.[script]) problems.push(`declares an install-time script (${script})`)
  // npm runs `node-gyp rebuild` at install for any package with a binding.gyp.
  if (existsSync(join(dir, 'binding.gyp'))) problems.push('ships binding.gyp (an implicit install script)')
  if (!existsSync(join(dir, 'LICENSE'))) problems.push('no LICENSE')
  const readme = existsSync(join(dir, 'README.md')) ? readFileSync(join(dir, 'README.md'), 'utf8') : ''
  if (!readme) problems.push('no README.md')
  const headings = [...readme.matchAll(/^## (.+)$/gm)].map((m) => m[1])
  if (headings[0] !== 'Install') problems.push(`README opens with "${headings[0]}", not Install`)
  if (!readme.includes(`npm install ${pkg.name}`)) problems.push(`README lacks \`npm install ${pkg.name}\``)
  if (!/```js\n(?:.*\n)*?import .* from '@io\//.test(readme)) problems.push('README has no ESM example')
  if (!/```js\n(?:.*\n)*?.*require\('@io\//.test(readme)) problems.push('README has no CJS example')
  if (!headings.includes('Platforms')) problems.push('README has no Platforms section')
  if (!readme.includes(pkg.homepage)) problems.push('README does not link its docs page (homepage)')
  const relative = [...readme.matchAll(/\]\((?!https:\/\/|#)([^)]+)\)/g)].map((m) => m[1])
  if (relative.length) problems.push(`README links not absolute: ${relative.join(', ')}`)
  assert(!problems.length, problems.join('; '))
  const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).trim().split('\n').length
  return `${files} files, ${(statSync(tarball).size / 1024).toFixed(0)} KiB, LICENSE, README, metadata, no install script`
}
