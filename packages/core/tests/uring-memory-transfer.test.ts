// Memory the kernel uses after a call returns must stay where it is. Before, an ArrayBuffer
// transferred while a recv into it was in flight left the kernel writing into memory that an
// unrelated ArrayBuffer then owned.
import { expect, it } from 'vitest'
import { Uring } from '@io/core'
import { finished, runHostile } from './hostile-child.js'

const uring = Uring.isSupported()
if (!uring.supported) console.warn(`io_uring memory tests skipped: ${uring.reason}`)

it.skipIf(!uring.supported)('Uring.recv keeps its buffer in place: a transfer copies it, the data lands in it', () => {
  const outcome = finished(runHostile('uring-recv-buffer-transferred'))
  expect(outcome).toEqual({ completions: 1, result: 3000, stillAttached: 3000, received: true, othersOverwritten: 0 })
})

it.skipIf(!uring.supported)("a buffer ring's memory stays attached even through the raw addon", () => {
  const outcome = finished(runHostile('buffer-ring-memory-transferred'))
  if (outcome.skipped) return console.warn(`skipped: ${outcome.skipped}`)
  expect(outcome).toEqual({ before: 16384, after: 16384 })
})
