import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { glibcAtLeast, hostTag, nativeHost, type NativeHost } from '../src/native-host.js'
import { GLIBC_FLOOR, locateNative, nativeCandidates, nativeLoadError, PREBUILT_TARGETS } from '../src/native-locate.js'

const root = '/app/node_modules/@io/core'
const repo = '/src/io/packages/core'
const prebuilt = (tag: string) => join(root, 'prebuilds', tag, 'io_native.node')
const checkout = '/src/io/native/build/Release/io_native.node'
const sourceBuild = join(root, 'build', 'io_native.node')

/** A host described by its tag, as a user would name it: 'linux-x64-musl', 'darwin-arm64'. */
function hostFrom(tag: string, glibcVersion = '2.36'): NativeHost {
  const [platform, arch, libc] = tag.split('-')
  if (libc === 'gnu') return { platform, arch, libc: 'glibc', glibcVersion }
  return libc === 'musl' ? { platform, arch, libc: 'musl' } : { platform, arch }
}

/** locateNative on a described host, with only `files` present. */
function locateOn(tag: string, files: string[] = [], env: Record<string, string> = {}, glibcVersion?: string, packageRoot = root) {
  return locateNative({ host: hostFrom(tag, glibcVersion), env, packageRoot, exists: (p) => files.includes(p) })
}

function errorOf(fn: () => unknown): Error & { code?: string } {
  try {
    fn()
  } catch (error) {
    return error as Error & { code?: string }
  }
  throw new Error('expected a throw')
}

describe('choosing the native binary', () => {
  it.each(PREBUILT_TARGETS)('loads the prebuilt binary on %s', (tag) => {
    expect(locateOn(tag, [prebuilt(tag)], {}, GLIBC_FLOOR)).toEqual({ path: prebuilt(tag), source: 'prebuilt' })
  })

  it('prefers a source build to the prebuilt binary, and in a checkout its own build to both', () => {
    const installed = [sourceBuild, prebuilt('linux-x64-gnu')]
    expect(locateOn('linux-x64-gnu', installed).source).toBe('source-build')
    // A source build serves hosts nothing is prebuilt for.
    expect(locateOn('linux-x64-musl', [sourceBuild])).toEqual({ path: sourceBuild, source: 'source-build' })
    const inRepo = [checkout, join(repo, 'build', 'io_native.node'), join(repo, 'prebuilds', 'linux-x64-gnu', 'io_native.node')]
    expect(locateOn('linux-x64-gnu', inRepo, {}, undefined, repo)).toEqual({ path: checkout, source: 'checkout' })
    // An installed package never looks outside itself.
    const paths = nativeCandidates({ host: hostFrom('linux-x64-gnu'), env: {}, packageRoot: root }).map((c) => c.path)
    expect(paths).toEqual([sourceBuild, prebuilt('linux-x64-gnu')])
  })

  it('takes IO_NATIVE_PATH alone, and reports it missing instead of falling back', () => {
    const env = { IO_NATIVE_PATH: '/asan/io_native.node' }
    expect(locateOn('linux-x64-gnu', ['/asan/io_native.node', checkout], env).source).toBe('IO_NATIVE_PATH')
    expect(nativeCandidates({ env, host: hostFrom('linux-x64-gnu'), packageRoot: root })).toHaveLength(1)
    const error = errorOf(() => locateOn('linux-x64-gnu', [checkout, prebuilt('linux-x64-gnu')], env))
    expect(error.code).toBe('ERR_IO_NATIVE_NOT_FOUND')
    expect(error.message).toContain('/asan/io_native.node')
  })

  it('names musl, what is prebuilt, and the build command from the installed package', () => {
    const error = errorOf(() => locateOn('linux-x64-musl'))
    expect(error.code).toBe('ERR_IO_NATIVE_UNSUPPORTED_PLATFORM')
    expect(error.message).toContain('linux-x64-musl (musl libc, as on Alpine Linux)')
    expect(error.message).toContain('node:<version>-bookworm-slim')
    expect(error.message).toContain('https://github.com/io-reactor/io/blob/main/docs/core.md#platforms')
    expect(error.message).toContain(`Prebuilt binaries: linux-x64-gnu, linux-arm64-gnu (glibc >= ${GLIBC_FLOOR}`)
    expect(error.message).toContain(`node ${root}/build-from-source.mjs`)
    expect(error.message).toContain('IO_NATIVE_PATH')
  })

  it('tells macOS users the package is Linux-only, with no build command that could not work', () => {
    const error = errorOf(() => locateOn('darwin-arm64'))
    expect(error.code).toBe('ERR_IO_NATIVE_UNSUPPORTED_PLATFORM')
    expect(error.message).toMatch(/Linux only .*epoll and io_uring.*this is darwin-arm64/)
    expect(error.message).toContain('linux-x64-gnu, linux-arm64-gnu')
    expect(error.message).not.toContain('build-from-source')
  })

  it('still tries the prebuilt binary below the glibc floor, and names both versions if it fails', () => {
    const old = hostFrom('linux-x64-gnu', '2.17')
    expect(locateOn('linux-x64-gnu', [prebuilt('linux-x64-gnu')], {}, '2.17').source).toBe('prebuilt')
    const cause = new Error('version `GLIBC_2.28\' not found')
    const error = nativeLoadError({ path: prebuilt('linux-x64-gnu'), source: 'prebuilt' }, cause, { host: old, packageRoot: root })
    expect((error as Error & { code?: string }).code).toBe('ERR_IO_NATIVE_LOAD_FAILED')
    expect(error.message).toContain(`built for glibc >= ${GLIBC_FLOOR} (this host has glibc 2.17)`)
    expect(error.message).toContain("version `GLIBC_2.28' not found")
    expect(error.message).toContain(`node ${root}/build-from-source.mjs`)
    expect((error as Error & { cause?: unknown }).cause).toBe(cause)
  })

  it('names a CPU nothing is prebuilt for', () => {
    const error = errorOf(() => locateOn('linux-riscv64-gnu'))
    expect(error.message).toContain('linux-riscv64-gnu (no binary is prebuilt for the riscv64 CPU)')
  })

  it('reports a package copy that lacks its prebuilt binary', () => {
    const error = errorOf(() => locateOn('linux-arm64-gnu'))
    expect(error.code).toBe('ERR_IO_NATIVE_NOT_FOUND')
    expect(error.message).toContain(prebuilt('linux-arm64-gnu'))
    expect(error.message).toContain('build-from-source.mjs')
  })
})

describe('describing the host', () => {
  it('spells tags as the prebuilds folders do', () => {
    expect(hostTag(hostFrom('linux-arm64-gnu'))).toBe('linux-arm64-gnu')
    expect(hostTag(hostFrom('linux-x64-musl'))).toBe('linux-x64-musl')
    expect(hostTag(hostFrom('darwin-arm64'))).toBe('darwin-arm64')
  })

  it('compares glibc versions as numbers, not strings', () => {
    expect(glibcAtLeast('2.28', '2.28')).toBe(true)
    expect(glibcAtLeast('2.9', '2.28')).toBe(false)
    expect(glibcAtLeast('2.100', '2.28')).toBe(true)
    expect(glibcAtLeast('3.0', '2.28')).toBe(true)
    expect(glibcAtLeast('1.99', '2.28')).toBe(false)
  })

  it('sees this Linux machine and its C library', () => {
    const host = nativeHost()
    expect(host.platform).toBe(process.platform)
    expect(host.arch).toBe(process.arch)
    const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime
    expect(host.libc).toBe(glibc ? 'glibc' : 'musl')
    expect(host.glibcVersion).toBe(glibc)
  })
})

describe('loading', () => {
  const made: string[] = []
  afterEach(() => {
    vi.unstubAllEnvs()
    vi.resetModules()
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true })
  })

  it('explains a binary that exists but does not load, keeping the loader error as the cause', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'io-native-'))
    made.push(dir)
    const notAnAddon = join(dir, 'io_native.node')
    writeFileSync(notAnAddon, 'not an ELF file')
    vi.stubEnv('IO_NATIVE_PATH', notAnAddon)
    vi.resetModules()
    const error = await import('../src/native.js').then(
      () => new Error('loaded'),
      (e: Error & { code?: string; cause?: Error }) => e,
    )
    expect((error as Error & { code?: string }).code).toBe('ERR_IO_NATIVE_LOAD_FAILED')
    expect(error.message).toContain(notAnAddon)
    expect(error.message).toContain('IO_NATIVE_PATH')
    expect(((error as Error & { cause?: Error }).cause as Error).message).toContain(notAnAddon)
  })
})
