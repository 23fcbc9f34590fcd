// prepack of @io/core (postpack: with --clean, removes what it staged). Puts into the package:
// - prebuilds/<tag>/io_native.node for each prebuilt target that has been built here (the host
//   build from native/build/, cross builds from native/build-<arch>/), where the loader looks;
// - native/: the addon's sources and CMakeLists.txt, with the Node-API and node-addon-api
//   headers (and their licences) in native/include/, so build-from-source.mjs needs only cmake
//   and a compiler on a user's machine.
// A target not built, or built before the newest source file, is reported; with
// IO_REQUIRE_PREBUILDS=1 (a release) either one fails the pack.
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { root, targets } from './prebuild/targets.mjs'

const pkg = join(root, 'packages', 'core')
rmSync(join(pkg, 'prebuilds'), { recursive: true, force: true })
rmSync(join(pkg, 'native'), { recursive: true, force: true })
if (process.argv.includes('--clean')) process.exit(0) // postpack: a checkout loads native/build directly

const newestSource = Math.max(
  ...['src', 'portable', 'CMakeLists.txt'].flatMap((entry) => mtimes(join(root, 'native', entry))),
)
const missing = []
for (const target of targets) {
  if (!existsSync(target.binary)) {
    missing.push(`${target.tag} (not built: ${target.native ? 'npm run build:native' : `npm run prebuild:${target.arch}`})`)
    continue
  }
  if (statSync(target.binary).mtimeMs < newestSource) missing.push(`${target.tag} (older than native/ sources: rebuild it)`)
  mkdirSync(join(pkg, 'prebuilds', target.tag), { recursive: true })
  cpSync(target.binary, join(pkg, 'prebuilds', target.tag, 'io_native.node'))
  console.log(`stage-native: prebuilds/${target.tag}/io_native.node <- ${relative(root, target.binary)}`)
}

for (const entry of ['src', 'portable', 'CMakeLists.txt']) {
  cpSync(join(root, 'native', entry), join(pkg, 'native', entry), { recursive: true })
}
const require = createRequire(join(root, 'package.json'))
const headers = [
  [dirname(require.resolve('node-api-headers/package.json')), 'include', 'LICENSE', 'node-api-headers'],
  // include_dir is relative to the working directory of the process that required it.
  [resolve(require('node-addon-api').include_dir), '.', 'LICENSE.md', 'node-addon-api'],
]
for (const [dir, sub, license, name] of headers) {
  const base = dir
  for (const file of readdirSync(join(base, sub)).filter((f) => f.endsWith('.h'))) {
    cpSync(join(base, sub, file), join(pkg, 'native', 'include', file))
  }
  cpSync(join(base, license), join(pkg, 'native', 'include', `LICENSE-${name}`))
}
console.log('stage-native: native/ sources and Node-API headers for build-from-source.mjs')

if (missing.length) {
  const message = `stage-native: the package lacks prebuilt binaries: ${missing.join('; ')}`
  if (process.env.IO_REQUIRE_PREBUILDS === '1') {
    console.error(`${message}\nA release ships every target (IO_REQUIRE_PREBUILDS=1).`)
    process.exit(1)
  }
  console.log(message)
}

function mtimes(path) {
  const stat = statSync(path)
  if (!stat.isDirectory()) return [stat.mtimeMs]
  return readdirSync(path).flatMap((entry) => mtimes(join(path, entry)))
}
