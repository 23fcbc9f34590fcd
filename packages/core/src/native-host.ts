/** The C library a Linux host runs on, as far as choosing a native binary goes. */
export type NativeLibc = 'glibc' | 'musl'

/**
 * What a native binary has to match: operating system, CPU and, on Linux, the C library and
 * its version. {@link nativeHost} describes the running process; tests describe other machines.
 */
export interface NativeHost {
  /** `process.platform`: 'linux', 'darwin', 'win32', ... */
  platform: string
  /** `process.arch`: 'x64', 'arm64', ... */
  arch: string
  /** Linux only: glibc or musl (`undefined` elsewhere). */
  libc?: NativeLibc
  /** The running glibc's version, '2.36' (glibc only). */
  glibcVersion?: string
}

/**
 * Describes the running process. The C library comes from Node's diagnostic report, whose
 * header names the glibc version Node runs on and is silent on musl.
 */
export function nativeHost(): NativeHost {
  const host: NativeHost = { platform: process.platform, arch: process.arch }
  if (host.platform !== 'linux') return host
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
  const glibcVersion = header?.glibcVersionRuntime
  return glibcVersion ? { ...host, libc: 'glibc', glibcVersion } : { ...host, libc: 'musl' }
}

/**
 * The name of a host's binary, as prebuilt folders and error messages spell it:
 * `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`.
 */
export function hostTag(host: NativeHost): string {
  const libc = host.libc === 'glibc' ? '-gnu' : host.libc === 'musl' ? '-musl' : ''
  return `${host.platform}-${host.arch}${libc}`
}

/** True when glibc version `version` ('2.36') is at least `floor` ('2.28'). */
export function glibcAtLeast(version: string, floor: string): boolean {
  const [major, minor] = version.split('.').map(Number)
  const [floorMajor, floorMinor] = floor.split('.').map(Number)
  return major !== floorMajor ? major > floorMajor : (minor ?? 0) >= (floorMinor ?? 0)
}
