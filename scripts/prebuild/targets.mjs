// The prebuilt binaries @io/core ships, and how each is made on an x86_64 Debian host. The
// loader's list (PREBUILT_TARGETS in packages/core/src/native-locate.ts) must name the same
// tags; the pack check compares them.
import { execFileSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = resolve(fileURLToPath(new URL('../..', import.meta.url)))

/** The newest glibc symbol version a prebuilt binary may ask for. */
export const GLIBC_FLOOR = '2.28'

/**
 * tag: the folder under prebuilds/; buildDir: where cmake-js leaves it (the host build for the
 * host's own CPU, a cross build otherwise); elfMachine: as readelf -h names its CPU; qemu: how to run
 * that CPU's programs on another.
 */
export const targets = [
  { tag: 'linux-x64-gnu', arch: 'x64', elfMachine: 'Advanced Micro Devices X86-64', triple: 'x86_64-linux-gnu', qemu: 'qemu-x86_64' },
  { tag: 'linux-arm64-gnu', arch: 'arm64', elfMachine: 'AArch64', triple: 'aarch64-linux-gnu', qemu: 'qemu-aarch64' },
].map((target) => ({
  ...target,
  native: target.arch === process.arch,
  buildDir: join(root, 'native', target.arch === process.arch ? 'build' : `build-${target.arch}`),
  binary: join(root, 'native', target.arch === process.arch ? 'build' : `build-${target.arch}`, 'Release', 'io_native.node'),
  toolchain: join(root, 'native', 'toolchains', `${target.triple}.cmake`),
  sysroot: `/usr/${target.triple}`,
}))

/** The target a tag names, or an error listing the tags there are. */
export function targetOf(tag) {
  const target = targets.find((t) => t.tag === tag)
  if (!target) throw new Error(`unknown target ${tag}; targets: ${targets.map((t) => t.tag).join(', ')}`)
  return target
}

/** Whether `command` is on PATH. */
export function onPath(command) {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
