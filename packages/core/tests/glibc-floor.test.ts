import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

// The wrappers that keep the prebuilt addon loadable on glibc 2.28 (native/portable/glibc_floor.cc)
// stand in for newer glibc functions. fixtures/glibc-floor-check.cc calls each wrapper beside
// the function it replaces, on this machine's newer glibc, and prints where they differ.
const repo = join(import.meta.dirname, '..', '..', '..')
const sources = [join(repo, 'native', 'portable', 'glibc_floor.cc'), join(import.meta.dirname, 'fixtures', 'glibc-floor-check.cc')]
const work = mkdtempSync(join(tmpdir(), 'io-glibc-floor-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const onPath = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0
const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime
const [major, minor] = (glibc ?? '0.0').split('.').map(Number)
// _dl_find_object, the newest function replaced, came with glibc 2.35.
const comparable = major > 2 || (major === 2 && minor >= 35)

/** Builds the check with `compiler` and runs it (through `runner`, for another CPU); its output. */
function runCheck(compiler: string, runner: string[] = []): string {
  const exe = join(work, compiler)
  execFileSync(compiler, ['-std=c++17', '-O1', '-Wall', '-Wextra', '-Werror', ...sources, '-o', exe])
  const run = spawnSync(runner[0] ?? exe, [...runner.slice(1), ...(runner.length ? [exe] : [])], { encoding: 'utf8' })
  expect(run.stderr).toBe('')
  return run.stdout
}

function expectAllAgree(output: string): void {
  const lines = output.trim().split('\n')
  expect(lines.filter((line) => !line.startsWith('ok '))).toEqual([])
  for (const name of ['strerrorname_np', 'fstat/fstat64', 'pthread_create/join, gettid', 'pthread_sigmask, tgkill']) {
    expect(lines.some((line) => line.startsWith(`ok ${name} `))).toBe(true)
  }
  expect(lines.filter((line) => line.startsWith('ok _dl_find_object '))).toHaveLength(4)
}

describe('glibc 2.28 floor wrappers', () => {
  const native = process.arch === 'x64' || process.arch === 'arm64'
  const why = !glibc
    ? 'not glibc'
    : !comparable
      ? `glibc ${glibc} lacks the newer functions to compare with`
      : !native
        ? `no wrappers for ${process.arch}`
        : !onPath('c++')
          ? 'no c++ compiler on PATH'
          : ''
  if (why) console.log(`glibc-floor: skipped on this machine: ${why}`)
  it.skipIf(why !== '')('agree with glibc on this machine', () => {
    expectAllAgree(runCheck('c++'))
  })

  const cross = process.arch === 'x64' && onPath('aarch64-linux-gnu-g++') && onPath('qemu-aarch64')
  if (!cross) console.log('glibc-floor: arm64 run skipped: needs aarch64-linux-gnu-g++ and qemu-aarch64 (npm run prebuild:arm64)')
  it.skipIf(!cross || why !== '')('agree with glibc on arm64, under qemu-user', () => {
    expectAllAgree(runCheck('aarch64-linux-gnu-g++', ['qemu-aarch64', '-L', '/usr/aarch64-linux-gnu']))
  })
})
