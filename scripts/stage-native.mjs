// prepack of @io/core (postpack: with --clean, removes what it staged): puts the built addon where the package's loader looks first
// (prebuilds/linux-<arch>/io_native.node), and the addon's sources beside it (native/), so the
// tarball installs and works in an empty folder with no compiler and no install script.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const pkg = join(root, 'packages', 'core')
const built = join(root, 'native', 'build', 'Release', 'io_native.node')
if (!existsSync(built) && !process.argv.includes('--clean')) {
  console.error(`stage-native: ${built} is missing; run \`npm run build:native\` first`)
  process.exit(1)
}
const target = join(pkg, 'prebuilds', `${process.platform}-${process.arch}`)
rmSync(join(pkg, 'prebuilds'), { recursive: true, force: true })
rmSync(join(pkg, 'native'), { recursive: true, force: true })
if (process.argv.includes('--clean')) {
  // postpack: the staged copies served the tarball; a checkout loads native/build directly.
  process.exit(0)
}
mkdirSync(target, { recursive: true })
cpSync(built, join(target, 'io_native.node'))
for (const entry of ['src', 'CMakeLists.txt', 'package.json', '.clang-format']) {
  cpSync(join(root, 'native', entry), join(pkg, 'native', entry), { recursive: true })
}
console.log(`stage-native: staged ${target}/io_native.node and the addon sources`)
