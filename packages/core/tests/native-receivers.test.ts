// Every method and accessor of every native class checks its receiver. Before, accessors had no
// check at all: a Uring getter called on an Epoll read the Epoll's C++ object as a Uring's
// (SIGSEGV on `completionBuffer`), and one called on a plain object threw a plain Error.
import { expect, it } from 'vitest'
import { finished, runHostile } from './hostile-child.js'

interface Call {
  member: string
  receiver: string
  error?: { name: string; code?: string; message: string }
  value?: unknown
}

it('a native method or accessor called on a foreign receiver throws ERR_INVALID_THIS', () => {
  const { results, calledWithoutNew, uring } = finished(runHostile('foreign-receivers')) as {
    results: Call[]
    calledWithoutNew: Array<{ name: string; ok: boolean; error?: { name: string; code?: string } }>
    uring: boolean
  }
  const members = new Set(results.map((r) => r.member))
  expect(members.size).toBeGreaterThan(60) // every member of the four classes
  const receivers = ['plain object', 'undefined', 'prototype', 'number', 'Epoll', 'SignalDrivenIO', ...(uring ? ['Uring'] : [])]
  for (const receiver of receivers) {
    expect(results.some((r) => r.receiver === receiver)).toBe(true)
  }
  const wrong = results.filter(
    (r) => r.error?.name !== 'TypeError' || r.error.code !== 'ERR_INVALID_THIS' || !r.error.message.includes('"this"'),
  )
  expect(wrong).toEqual([])
  for (const call of calledWithoutNew) {
    expect(call).toMatchObject({ ok: false, error: { name: 'TypeError', code: 'ERR_CONSTRUCT_CALL_REQUIRED' } })
  }
})
