import { createRequire } from 'node:module'
import { locateNative, nativeLoadError } from './native-locate.js'
import type { Uring } from './uring.js'

function load(): any {
  const candidate = locateNative()
  try {
    return createRequire(import.meta.url)(candidate.path)
  } catch (cause) {
    throw nativeLoadError(candidate, cause)
  }
}

/**
 * The raw addon: the one native module, found by {@link locateNative}
 * (`IO_NATIVE_PATH`, a checkout's build, a source build in the package, then the prebuilt
 * binary for this host). Only @io/core loads it; every other package reaches native code
 * through @io/core's exports. `require` caches it per thread, and the addon is context-aware,
 * so the main thread and each worker get their own instance. Prefer the typed wrappers.
 *
 * Prefer the typed wrappers exported by @io/core: they validate what native code
 * does not (PollTable, BufferRing) and keep the memory of io_uring operations in flight from
 * being transferred away (see {@link Uring.recv}); calling the addon's classes directly does
 * neither. Native code itself still refuses wrong receivers and bad arguments with TypeError or
 * RangeError, and never crashes on them.
 */
export const native: any = load()
