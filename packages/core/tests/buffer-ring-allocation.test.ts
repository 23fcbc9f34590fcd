// A BufferRing whose memory cannot be had used to abort the process (V8's fatal out-of-memory
// error in napi_create_arraybuffer); it now throws RangeError ERR_MEMORY_ALLOCATION_FAILED, as
// `new ArrayBuffer(n)` does. Shown under a 3 GiB address-space limit with a 4 GiB ring.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { Uring, nativeCandidates } from '@io/core'
import { finished, runChild } from './hostile-child.js'

const fixture = fileURLToPath(new URL('./fixtures/buffer-ring-allocation.mjs', import.meta.url))
const uring = Uring.isSupported()
// AddressSanitizer reserves terabytes of shadow memory: it cannot run under the limit.
const sanitized = /asan/.test(process.env.LD_PRELOAD ?? '')
const skip = !uring.supported ? `io_uring: ${uring.reason}` : sanitized ? 'under AddressSanitizer' : ''
if (skip) console.warn(`BufferRing allocation test skipped: ${skip}`)

it.skipIf(skip !== '')('a BufferRing that cannot be allocated throws RangeError, not a fatal error', () => {
  const addon = nativeCandidates().find((candidate) => existsSync(candidate.path))!.path
  const limited = ['sh', '-c', 'ulimit -v 3145728 && exec "$0" "$@"', process.execPath, fixture, addon]
  const outcome = finished(runChild(limited))
  if (outcome.skipped) return console.warn(`skipped: ${outcome.skipped}`)
  expect(outcome).toEqual({
    ok: false,
    error: expect.objectContaining({ name: 'RangeError', code: 'ERR_MEMORY_ALLOCATION_FAILED' }),
  })
})
