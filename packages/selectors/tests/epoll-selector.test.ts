// EpollSelector beyond the shared contract: the kernel's refusals at register/modify time,
// the ready list growing with the registrations, and its options.
import { openSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sockets } from '@io/core'
import { EpollSelector, ERR_NOT_REGISTERED, ERR_SELECTOR_CLOSED, EVENT_READ, EVENT_WRITE, type SelectorEvent } from '@io/selectors'
import { describe, expect, it } from 'vitest'
import { until } from '../../core/tests/helpers.js'
import { expectError, useFixtures } from './fixtures.js'

describe('EpollSelector', () => {
  const fx = useFixtures()

  it('register of a closed fd throws EBADF and leaves nothing registered', () => {
    const sel = fx.selector(() => new EpollSelector())
    const [rd] = fx.pair()
    fx.closeFd(rd)
    expect(expectError(() => sel.register(rd, EVENT_READ), Error, 'EBADF')).toMatchObject({ errno: -9, syscall: 'epoll_ctl' })
    expect(sel.getMap().size).toBe(0)
  })

  it('register of a regular file throws EPERM and leaves nothing registered', () => {
    const sel = fx.selector(() => new EpollSelector())
    const fd = openSync(join(tmpdir(), `epoll-selector-${process.pid}`), 'w')
    try {
      expectError(() => sel.register(fd, EVENT_READ), Error, 'EPERM')
      expectError(() => sel.getKey(fd), Error, ERR_NOT_REGISTERED)
    } finally {
      closeSync(fd)
    }
  })

  it('a modify the kernel refuses (closed fd) throws EBADF and unregisters the fd', () => {
    const sel = fx.selector(() => new EpollSelector())
    const [rd] = fx.pair()
    sel.register(rd, EVENT_READ)
    fx.closeFd(rd)
    expectError(() => sel.modify(rd, EVENT_WRITE), Error, 'EBADF')
    expectError(() => sel.getKey(rd), Error, ERR_NOT_REGISTERED)
  })

  it('grows its ready list while started, and keeps delivering', async () => {
    const sel = fx.selector(() => new EpollSelector())
    const seen: SelectorEvent[] = []
    sel.start((events) => seen.push(...events))
    const pairs = Array.from({ length: 300 }, () => fx.pair())
    for (const [rd] of pairs) sel.register(rd, EVENT_READ) // several regrowths past 64
    expect(sel.active).toBe(true)
    const [rd, wr] = pairs[pairs.length - 1]
    sockets.write(wr, Buffer.from('x'))
    await until(() => seen.some(([key]) => key.fd === rd))
    for (const [, w] of pairs.slice(0, 200)) sockets.write(w, Buffer.from('x'))
    expect(sel.select()).toHaveLength(201) // one select returns every ready fd
  })

  it('fileno() is the epoll fd, and throws after close', () => {
    const sel = new EpollSelector()
    expect(sel.fileno()).toBeGreaterThan(2)
    sel.close()
    expectError(() => sel.fileno(), Error, ERR_SELECTOR_CLOSED)
  })

  it('rejects bad options', () => {
    expectError(() => new EpollSelector(null as never), TypeError, 'ERR_INVALID_ARG_TYPE')
    expectError(() => new EpollSelector({ edgeTriggered: 1 as never }), TypeError, 'ERR_INVALID_ARG_TYPE')
    const sel = new EpollSelector({ edgeTriggered: true })
    expect(sel.edgeTriggered).toBe(true)
    sel.close()
  })
})
