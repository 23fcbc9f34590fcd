import { existsSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { codeError } from './errors.js'
import { glibcAtLeast, hostTag, nativeHost, type NativeHost } from './native-host.js'

/** The hosts @io/core ships a prebuilt binary for (`prebuilds/<tag>/io_native.node`). */
export const PREBUILT_TARGETS: readonly string[] = ['linux-x64-gnu', 'linux-arm64-gnu']

/** The oldest glibc the prebuilt binaries load on: every glibc symbol they use is at most this. */
export const GLIBC_FLOOR = '2.28'

/** Where a binary comes from, in the order {@link locateNative} looks. */
export type NativeSource = 'IO_NATIVE_PATH' | 'checkout' | 'source-build' | 'prebuilt'

/** One file {@link locateNative} would try. */
export interface NativeCandidate {
  path: string
  source: NativeSource
}

/** What {@link locateNative} takes; every field defaults to the running process. */
export interface LocateNativeOptions {
  /** The machine to choose for (default: {@link nativeHost}()). */
  host?: NativeHost
  /** Environment to read `IO_NATIVE_PATH` from (default: `process.env`). */
  env?: Record<string, string | undefined>
  /** The installed @io/core folder (default: the one this file is in). */
  packageRoot?: string
  /** File test (default: `fs.existsSync`). */
  exists?: (path: string) => boolean
}

/** Where users read which hosts are supported and how each is tested. */
const PLATFORMS_URL = 'https://github.com/io-reactor/io/blob/main/docs/core.md#platforms'

const defaultPackageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * The files @io/core would load the addon from, in order:
 * 1. `IO_NATIVE_PATH`, when set (an AddressSanitizer build, a development build): nothing else
 *    is tried then, so a mistyped path is an error rather than a silent fallback;
 * 2. in a checkout of the repository (packages/core), its build `native/build/Release/io_native.node`;
 * 3. `build/io_native.node` in the package, written by `build-from-source.mjs`;
 * 4. `prebuilds/<host tag>/io_native.node`, for the hosts in {@link PREBUILT_TARGETS}.
 */
export function nativeCandidates(options: LocateNativeOptions = {}): NativeCandidate[] {
  const override = overrideCandidate(options)
  if (override) return [override]
  const host = options.host ?? nativeHost()
  const prebuilt = prebuiltFits(host) ? [prebuiltCandidate(host, options)] : []
  return [...localCandidates(options), ...prebuilt]
}

/**
 * The file @io/core loads the addon from on `options.host` (default: this machine). Throws,
 * with a message a user can act on, when there is none:
 * - `ERR_IO_NATIVE_UNSUPPORTED_PLATFORM`: not Linux, or a Linux no binary is prebuilt for (musl,
 *   another CPU); the message names the host, what is supported, and the command that builds
 *   the addon from the installed package;
 * - `ERR_IO_NATIVE_NOT_FOUND`: `IO_NATIVE_PATH` names no file, or the prebuilt file is missing.
 */
export function locateNative(options: LocateNativeOptions = {}): NativeCandidate {
  const exists = options.exists ?? existsSync
  const root = options.packageRoot ?? defaultPackageRoot
  const override = overrideCandidate(options)
  if (override) {
    if (exists(override.path)) return override
    throw codeError('ERR_IO_NATIVE_NOT_FOUND', `@io/core: IO_NATIVE_PATH names ${override.path}, which does not exist`)
  }
  const local = localCandidates(options).find((candidate) => exists(candidate.path))
  if (local) return local
  // Only now is the host needed: a checkout or a source build never pays for the detection.
  const host = options.host ?? nativeHost()
  if (host.platform !== 'linux') throw unsupported(host, root, 'it is built on epoll and io_uring, which only Linux has')
  if (!prebuiltFits(host)) throw unsupported(host, root, whyNoPrebuilt(host))
  const prebuilt = prebuiltCandidate(host, options)
  if (exists(prebuilt.path)) return prebuilt
  throw codeError(
    'ERR_IO_NATIVE_NOT_FOUND',
    `@io/core: this copy of the package lacks its prebuilt addon for ${hostTag(host)} (${prebuilt.path}). ` +
      `Reinstall @io/core, or build the addon for this machine:\n${buildAdvice(root)}`,
  )
}

/** The command that builds the addon from an installed @io/core, for error messages and docs. */
export function buildFromSourceCommand(packageRoot: string = defaultPackageRoot): string {
  return `node ${join(packageRoot, 'build-from-source.mjs')}`
}

/**
 * Explains a binary that exists but does not load (dlopen failed): which file, why it may not
 * fit this machine, and what to do. The original error is its `cause`.
 */
export function nativeLoadError(
  candidate: NativeCandidate,
  cause: unknown,
  options: { host?: NativeHost; packageRoot?: string } = {},
): Error {
  const reason = cause instanceof Error ? cause.message : String(cause)
  let hint = `It came from ${candidate.source === 'IO_NATIVE_PATH' ? 'IO_NATIVE_PATH' : `a ${candidate.source}`}; rebuild it for this machine.`
  if (candidate.source === 'prebuilt') {
    const host = options.host ?? nativeHost()
    const old = host.glibcVersion && !glibcAtLeast(host.glibcVersion, GLIBC_FLOOR) ? ` (this host has glibc ${host.glibcVersion})` : ''
    hint =
      `The prebuilt binaries are built for glibc >= ${GLIBC_FLOOR}${old}. ` +
      `Build the addon for this machine instead:\n${buildAdvice(options.packageRoot ?? defaultPackageRoot)}`
  }
  const error = codeError('ERR_IO_NATIVE_LOAD_FAILED', `@io/core could not load ${candidate.path}: ${reason}\n${hint}`)
  ;(error as Error & { cause?: unknown }).cause = cause
  return error
}

function overrideCandidate(options: LocateNativeOptions): NativeCandidate | undefined {
  const path = (options.env ?? process.env).IO_NATIVE_PATH
  return path ? { path: resolve(path), source: 'IO_NATIVE_PATH' } : undefined
}

function localCandidates(options: LocateNativeOptions): NativeCandidate[] {
  const root = options.packageRoot ?? defaultPackageRoot
  const sourceBuild: NativeCandidate = { path: join(root, 'build', 'io_native.node'), source: 'source-build' }
  // packages/core in the repository: its own build of native/ is always the freshest there.
  if (basename(dirname(root)) !== 'packages') return [sourceBuild]
  return [{ path: resolve(root, '..', '..', 'native', 'build', 'Release', 'io_native.node'), source: 'checkout' }, sourceBuild]
}

function prebuiltCandidate(host: NativeHost, options: LocateNativeOptions): NativeCandidate {
  const root = options.packageRoot ?? defaultPackageRoot
  return { path: join(root, 'prebuilds', hostTag(host), 'io_native.node'), source: 'prebuilt' }
}

// An older glibc still gets its prebuilt binary tried: it asks for less than the floor promises
// (objdump -T shows GLIBC_2.17 at most), and if it does not load, the error says why.
function prebuiltFits(host: NativeHost): boolean {
  return PREBUILT_TARGETS.includes(hostTag(host))
}

function whyNoPrebuilt(host: NativeHost): string {
  return host.libc === 'musl' ? 'musl libc, as on Alpine Linux' : `no binary is prebuilt for the ${host.arch} CPU`
}

function unsupported(host: NativeHost, root: string, why: string): Error {
  const supported = `Prebuilt binaries: ${PREBUILT_TARGETS.join(', ')} (glibc >= ${GLIBC_FLOOR}, Node.js >= 20).`
  const platforms = `Platforms: ${PLATFORMS_URL}`
  if (host.platform !== 'linux') {
    return codeError('ERR_IO_NATIVE_UNSUPPORTED_PLATFORM', `@io/core runs on Linux only (${why}); this is ${hostTag(host)}.\n${supported}\n${platforms}`)
  }
  const musl =
    host.libc === 'musl'
      ? 'On musl the sources do not compile yet either; a glibc-based image (node:<version>-bookworm-slim ' +
        'rather than node:<version>-alpine) runs the prebuilt binary.\n'
      : ''
  return codeError(
    'ERR_IO_NATIVE_UNSUPPORTED_PLATFORM',
    `@io/core has no prebuilt native addon for ${hostTag(host)} (${why}).\n${supported}\n` +
      `Build one for this machine from the installed package:\n${buildAdvice(root)}\n${musl}${platforms}`,
  )
}

function buildAdvice(root: string): string {
  return (
    `  ${buildFromSourceCommand(root)}\n` +
    '(needs cmake, make, a C++17 compiler and the Linux kernel headers), ' +
    'or set IO_NATIVE_PATH to an io_native.node built elsewhere.'
  )
}
