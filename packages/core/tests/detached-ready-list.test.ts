// A started Epoll or SignalDrivenIO whose ready list was transferred away used to return from
// the loop callback without consuming the readiness: libuv called it again at once, forever, at
// 100% CPU and silently. Now it stops and reports ERR_READY_LIST_DETACHED as an uncaught
// exception, as Node reports any error from its loop.
import { expect, it } from 'vitest'
import { finished, runHostile } from './hostile-child.js'

for (const backend of ['epoll', 'sigio']) {
  it(`a started ${backend === 'epoll' ? 'Epoll' : 'SignalDrivenIO'} with a detached ready list stops and reports`, () => {
    // The child turns the loop a bounded number of times: a spin never reports and fails here.
    const outcome = finished(runHostile(`started-${backend}-ready-list-detached`))
    expect(outcome).toEqual({
      reported: true,
      errors: [expect.objectContaining({ name: 'Error', code: 'ERR_READY_LIST_DETACHED' })],
      active: false,
      calls: 0,
    })
  })
}
