// Cross-compiles the addon for another CPU with Debian's cross toolchain, then checks the result
// the way the pack check will (binary-check.mjs). The pack check and `npm pack` of @io/core pick
// it up from native/build-<arch>/ from then on.
//   node scripts/prebuild/cross-build.mjs linux-arm64-gnu     (npm run prebuild:arm64)
import { spawnSync } from 'node:child_process'
import { relative } from 'node:path'
import { checkBinary } from './binary-check.mjs'
import { onPath, root, targetOf } from './targets.mjs'

const target = targetOf(process.argv[2] ?? 'linux-arm64-gnu')
const compiler = `${target.triple}-g++`
if (target.native) {
  console.error(`cross-build: ${target.tag} is this machine's own CPU; \`npm run build:native\` builds it`)
  process.exit(1)
}
if (!onPath(compiler)) {
  console.error(`cross-build: ${compiler} is not installed; on Debian or Ubuntu: apt-get install g++-${target.triple}`)
  process.exit(1)
}
const args = [
  'cmake-js', 'compile', '-d', 'native', '-O', relative(root, target.buildDir),
  `--CDCMAKE_TOOLCHAIN_FILE=${target.toolchain}`,
]
console.log(`cross-build: npx ${args.join(' ')}`)
const build = spawnSync('npx', args, { cwd: root, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
const { problems, glibcMax, bytes } = checkBinary(target.binary, target.tag)
console.log(`cross-build: ${relative(root, target.binary)}: ${bytes} bytes, GLIBC_ <= ${glibcMax}`)
for (const problem of problems) console.error(`  problem: ${problem}`)
process.exit(problems.length ? 1 : 0)
