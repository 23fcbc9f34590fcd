// Loads the one native addon. Only @io/core loads it; every other package reaches native code
// through @io/core's exports. `require` caches the module per thread, and the addon is
// context-aware, so the main thread and each worker get their own instance.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Uring } from './uring.js'

const here = dirname(fileURLToPath(import.meta.url))
const packageRoot = resolve(here, '..')

/**
 * Paths tried, in order, when loading the addon: `IO_NATIVE_PATH` (for instance an
 * AddressSanitizer build), the monorepo's `native/build/Release/io_native.node` (present only
 * in a checkout, and always the freshest build there), then the prebuilt binary shipped in the
 * package (`prebuilds/linux-<arch>/io_native.node`).
 */
export function nativeCandidates(): string[] {
  const list: string[] = []
  if (process.env.IO_NATIVE_PATH) list.push(resolve(process.env.IO_NATIVE_PATH))
  list.push(resolve(packageRoot, '..', '..', 'native', 'build', 'Release', 'io_native.node'))
  list.push(join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'io_native.node'))
  return list
}

function load(): any {
  if (process.platform !== 'linux') {
    throw new Error(`@io/core supports Linux only (this is ${process.platform})`)
  }
  const requireNative = createRequire(import.meta.url)
  const tried = nativeCandidates()
  for (const path of tried) {
    if (existsSync(path)) return requireNative(path)
  }
  const error = new Error(
    `@io/core: native addon not found. Build it with \`npm run build:native\` at the repository root. Tried:\n  ${tried.join('\n  ')}`,
  ) as Error & { code: string }
  error.code = 'ERR_IO_NATIVE_NOT_FOUND'
  throw error
}

/**
 * The raw addon. Prefer the typed wrappers exported by @io/core: they validate what native code
 * does not (PollTable, BufferRing) and keep the memory of io_uring operations in flight from
 * being transferred away (see {@link Uring.recv}); calling the addon's classes directly does
 * neither. Native code itself still refuses wrong receivers and bad arguments with TypeError or
 * RangeError, and never crashes on them.
 */
export const native: any = load()
