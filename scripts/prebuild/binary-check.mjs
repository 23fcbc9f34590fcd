// Reads a built io_native.node with binutils and lists what would stop it loading on an older
// Linux: a GLIBC_ symbol version above the floor, a libstdc++/libgcc_s dependency (GLIBCXX_,
// CXXABI_, GCC_ versions or NEEDED entries), exported symbols beyond Node-API's two entry points,
// a symbol table left in (not stripped), or the wrong CPU.
//   node scripts/prebuild/binary-check.mjs FILE TAG     prints the findings, exits 1 on a problem
import { execFileSync } from 'node:child_process'
import { statSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { GLIBC_FLOOR, targetOf } from './targets.mjs'

const allowedNeeded = /^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|ld-linux-[\w-]+\.so\.[12])$/
const exported = new Set(['napi_register_module_v1', 'node_api_module_get_api_version_v1'])

const versionKey = (v) => v.split('.').map(Number)
function newer(a, b) {
  const [x, y] = [versionKey(a), versionKey(b)]
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) > (y[i] ?? 0)
  return false
}

/**
 * { problems: string[], glibcMax, needed, bytes } for `file`, built for `tag`. Problems name
 * each offending symbol, so a new one is fixed where it comes from (native/portable/glibc_floor.cc).
 */
export function checkBinary(file, tag) {
  const target = targetOf(tag)
  const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 })
  const problems = []
  const machine = /Machine:\s+(.+)/.exec(run('readelf', ['-h', file]))?.[1].trim()
  if (machine !== target.elfMachine) problems.push(`built for ${machine}, not ${target.elfMachine}`)
  let glibcMax = '0'
  for (const line of run('objdump', ['-T', file]).split('\n')) {
    const match = /\s\(?(GLIBC|GLIBCXX|CXXABI|GCC)_([\d.]+)\)?\s+(\S+)$/.exec(line)
    if (match) {
      const [, lib, version, symbol] = match
      if (lib !== 'GLIBC') problems.push(`${symbol} needs ${lib}_${version} (libstdc++/libgcc_s)`)
      else if (newer(version, GLIBC_FLOOR)) problems.push(`${symbol} needs GLIBC_${version} > ${GLIBC_FLOOR}`)
      else if (newer(version, glibcMax)) glibcMax = version
    }
    const def = /^[0-9a-f]+ g\s+DF \.text\s+[0-9a-f]+\s+\S+\s+(\S+)$/.exec(line)
    if (def && !exported.has(def[1])) problems.push(`exports ${def[1]}`)
  }
  const dynamic = run('readelf', ['-d', '-W', file])
  const needed = [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1])
  for (const lib of needed) if (!allowedNeeded.test(lib)) problems.push(`needs ${lib}`)
  if (/\s\.symtab\s/.test(run('readelf', ['-S', '-W', file]))) problems.push('not stripped (.symtab present)')
  return { problems, glibcMax, needed, bytes: statSync(file).size }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [file, tag] = process.argv.slice(2)
  const { problems, glibcMax, needed, bytes } = checkBinary(file, tag)
  console.log(`${tag}: ${bytes} bytes, GLIBC_ <= ${glibcMax}, needs ${needed.join(' ')}`)
  for (const problem of problems) console.log(`  problem: ${problem}`)
  process.exitCode = problems.length ? 1 : 0
}
