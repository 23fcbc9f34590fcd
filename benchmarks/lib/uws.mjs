// Loads uWebSockets.js's native addon for this Node by its path. The package's own entry
// falls back to a slow pure-JavaScript stand-in (with a warning) when the addon does not load;
// a benchmark must fail rather than measure the stand-in under uWebSockets.js's name.
import { createRequire } from 'node:module'

/** The uWebSockets.js addon (App, us_socket_local_port, ...). */
export function loadUws() {
  const require = createRequire(import.meta.url)
  const { platform, arch, versions } = process
  return require(`@trufflesuite/uws-js-unofficial/binaries/uws_${platform}_${arch}_${versions.modules}.node`)
}
