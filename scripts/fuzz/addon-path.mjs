// Where the fuzzer finds the addon: IO_NATIVE_PATH (an AddressSanitizer build, say), else the
// repository's own build, as @io/core looks for it.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export function addonPath() {
  if (process.env.IO_NATIVE_PATH) return process.env.IO_NATIVE_PATH
  const built = fileURLToPath(new URL('../../native/build/Release/io_native.node', import.meta.url))
  if (!existsSync(built)) throw new Error(`the addon is not built (${built}): run npm run build:native`)
  return built
}
