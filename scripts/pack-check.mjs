// Checks that each package, packed with `npm pack`, installs and works in an empty folder with
// only its declared dependencies (the other @io tarballs stand in for the registry).
//   node scripts/pack-check.mjs            prints one line per package and exits non-zero on failure
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(fileURLToPath(new URL('..', import.meta.url)))
const workspaces = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces
const work = mkdtempSync(join(tmpdir(), 'io-pack-'))
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

try {
  const tarballs = {}
  for (const dir of workspaces) {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'))
    // Each tarball lands in a folder of its own, so it is found by listing that folder: stdout
    // also carries whatever the package's prepack script prints (in colour, on some runners).
    const dest = mkdtempSync(join(work, 'pack-'))
    npm(['pack', '--pack-destination', dest], join(root, dir))
    const packed = readdirSync(dest).filter((f) => f.endsWith('.tgz'))
    if (packed.length !== 1) throw new Error(`npm pack of ${dir} left ${packed.length} tarballs in ${dest}`)
    tarballs[pkg.name] = { file: join(dest, packed[0]), pkg }
  }
  let failed = 0
  for (const [name, { file, pkg }] of Object.entries(tarballs)) {
    const app = mkdtempSync(join(work, 'app-'))
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }))
    // The package itself plus the @io tarballs it declares; nothing else from the repository.
    const deps = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@io/'))
    const closure = new Set([name])
    for (let grew = true; grew; ) {
      grew = false
      for (const d of [...closure]) {
        for (const dep of Object.keys(tarballs[d].pkg.dependencies ?? {})) {
          if (dep.startsWith('@io/') && !closure.has(dep)) closure.add(dep), (grew = true)
        }
      }
    }
    npm(['install', '--no-audit', '--no-fund', '--ignore-scripts', ...[...closure].map((n) => tarballs[n].file)], app)
    const probe = `const m = require(${JSON.stringify(name)}); const keys = Object.keys(m); if (!keys.length) throw new Error('no exports'); process.stdout.write(String(keys.length))`
    const esm = `const m = await import(${JSON.stringify(name)}); if (!Object.keys(m).length) throw new Error('no exports')`
    try {
      const count = execFileSync(process.execPath, ['-e', probe], { cwd: app, encoding: 'utf8' }).trim()
      execFileSync(process.execPath, ['--input-type=module', '-e', esm], { cwd: app, encoding: 'utf8' })
      console.log(`ok   ${name}: installs alone (with ${deps.join(', ') || 'no @io deps'}), ${count} exports, CJS and ESM`)
    } catch (error) {
      failed++
      console.log(`FAIL ${name}: ${String(error.stderr || error.message).split('\n').find((l) => /Error/.test(l)) ?? error.message}`)
    }
  }
  process.exitCode = failed ? 1 : 0
} finally {
  rmSync(work, { recursive: true, force: true })
}
