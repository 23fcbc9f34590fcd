// @io/core's select/poll bindings and PollTable, as the table selectors use them: argument
// checks before any syscall, the FD_SETSIZE guard, the shared table layout, and the watcher.
import { MultiplexWatcher, multiplex, native, PollTable, sockets } from '@io/core'
import { describe, expect, it } from 'vitest'
import { until } from '../../core/tests/helpers.js'
import { expectError, useFixtures } from './fixtures.js'

const { POLLIN, POLLOUT, POLLNVAL, FD_SETSIZE } = multiplex
type Scan = (table: unknown, count: unknown, timeoutMs?: unknown) => number
const scans: Array<[string, Scan]> = [
  ['poll', native.multiplexPoll],
  ['select', native.multiplexSelect],
]

function tableOf(entries: Array<[number, number]>): ArrayBuffer {
  const buffer = new ArrayBuffer(entries.length * 8)
  const fds = new Int32Array(buffer)
  const shorts = new Int16Array(buffer)
  entries.forEach(([fd, events], i) => {
    fds[2 * i] = fd
    shorts[4 * i + 2] = events
  })
  return buffer
}

describe('multiplex scans', () => {
  const fx = useFixtures()

  describe.each(scans)('%s', (name, scan) => {
    it('rejects bad arguments with TypeError/RangeError', () => {
      const table = tableOf([[0, POLLIN]])
      expectError(() => scan(new Int32Array(2), 1, 0), TypeError, 'ERR_INVALID_ARG_TYPE')
      expectError(() => scan(table, 2, 0), RangeError, 'ERR_OUT_OF_RANGE')
      expectError(() => scan(table, -1, 0), RangeError, 'ERR_OUT_OF_RANGE')
      expectError(() => scan(table, '1', 0), TypeError, 'ERR_INVALID_ARG_TYPE')
      expectError(() => scan(table, 1, 'soon'), TypeError, 'ERR_INVALID_ARG_TYPE')
      expectError(() => scan(table, 1, NaN), TypeError, 'ERR_INVALID_ARG_TYPE')
    })

    it('rejects a detached table', () => {
      const [rd] = fx.pair()
      const table = tableOf([[rd, POLLIN]])
      structuredClone(table, { transfer: [table] })
      expectError(() => scan(table, 1, 0), RangeError, 'ERR_OUT_OF_RANGE')
    })

    it('writes revents into the shared table and returns the ready count', () => {
      const [rd, wr] = fx.pair()
      const table = tableOf([
        [rd, POLLIN],
        [wr, POLLIN | POLLOUT],
        [-1, POLLIN], // skipped, as poll(2) skips negative fds
      ])
      const shorts = new Int16Array(table)
      expect(scan(table, 3, 0)).toBe(1)
      expect([shorts[3], shorts[7], shorts[11]]).toEqual([0, POLLOUT, 0])
      sockets.write(wr, Buffer.from('x'))
      expect(scan(table, 3, 0)).toBe(2)
      expect([shorts[3], shorts[7], shorts[11]]).toEqual([POLLIN, POLLOUT, 0])
      expect(scan(table, 0, 0)).toBe(0)
    })
  })

  it('select refuses an fd >= FD_SETSIZE before the syscall (never writes past an fd_set)', () => {
    const table = tableOf([[FD_SETSIZE, POLLIN]])
    expectError(() => native.multiplexSelect(table, 1, 0), RangeError, 'ERR_OUT_OF_RANGE')
    expect(native.multiplexSelect(table, 0, 0)).toBe(0) // entries past count are not looked at
  })

  it('select throws the SystemError EBADF for a closed fd; poll reports POLLNVAL', () => {
    const [rd] = fx.pair()
    const table = tableOf([[rd, POLLIN]])
    fx.closeFd(rd)
    const error = expectError(() => native.multiplexSelect(table, 1, 0), Error, 'EBADF')
    expect(error).toMatchObject({ errno: -9, syscall: 'select' })
    expect(native.multiplexPoll(table, 1, 0)).toBe(1)
    expect(new Int16Array(table)[3]).toBe(POLLNVAL)
  })
})

describe('PollTable', () => {
  it('adds, modifies and removes entries, the last entry moving into a gap', () => {
    const table = new PollTable(2)
    expect(table.set(10, POLLIN)).toBe(0)
    expect(table.set(11, POLLOUT)).toBe(1)
    expect(table.set(12, POLLIN)).toBe(2) // grows past the initial capacity
    expect(table.set(11, POLLIN | POLLOUT)).toBe(1)
    expect(table.count).toBe(3)
    expect(table.delete(10)).toBe(true)
    expect(table.delete(10)).toBe(false)
    expect([table.fdAt(0), table.eventsAt(0), table.fdAt(1), table.eventsAt(1)]).toEqual([12, POLLIN, 11, POLLIN | POLLOUT])
    expect(table.has(12) && table.has(11) && !table.has(10)).toBe(true)
    table.clear()
    expect(table.count).toBe(0)
  })

  it('rejects fds and events that do not fit the pollfd layout', () => {
    const table = new PollTable()
    expectError(() => table.set(-1, POLLIN), RangeError, 'ERR_OUT_OF_RANGE')
    expectError(() => table.set(1.5, POLLIN), RangeError, 'ERR_OUT_OF_RANGE')
    expectError(() => table.set(3, 0x10000), RangeError, 'ERR_OUT_OF_RANGE')
    expect(table.count).toBe(0)
  })
})

describe('MultiplexWatcher', () => {
  const fx = useFixtures()

  it('rejects bad arguments and use after close', () => {
    expectError(() => new MultiplexWatcher('epoll' as never), RangeError, 'ERR_OUT_OF_RANGE')
    expectError(() => new MultiplexWatcher(1 as never), TypeError, 'ERR_INVALID_ARG_TYPE')
    const watcher = new MultiplexWatcher('poll')
    expectError(() => watcher.start(new PollTable(), undefined as never), TypeError, 'ERR_INVALID_ARG_TYPE')
    expect(watcher.active).toBe(false)
    watcher.close()
    watcher.close()
    expectError(() => watcher.start(new PollTable(), () => {}), Error, 'ERR_MULTIPLEX_CLOSED')
  })

  it('select watcher refuses a table holding an fd >= FD_SETSIZE', () => {
    const table = new PollTable()
    table.set(FD_SETSIZE + 5, POLLIN)
    const watcher = new MultiplexWatcher('select')
    try {
      expectError(() => watcher.start(table, () => {}), RangeError, 'ERR_OUT_OF_RANGE')
      expect(watcher.active).toBe(false)
    } finally {
      watcher.close()
    }
  })

  it.each(['select', 'poll'] as const)('%s: reports a detached table to onReady and stops', async (kind) => {
    const [rd, wr] = fx.pair()
    const table = new PollTable()
    table.set(rd, POLLIN)
    const watcher = new MultiplexWatcher(kind)
    try {
      const errors: Error[] = []
      watcher.start(table, (_count, error) => error && errors.push(error))
      structuredClone(table.buffer, { transfer: [table.buffer] }) // the memory is gone
      sockets.write(wr, Buffer.from('x')) // wakes the helper; the loop thread cannot scan
      await until(() => errors.length > 0)
      expect(errors[0]).toMatchObject({ code: 'ERR_TABLE_DETACHED' })
      expect(watcher.active).toBe(false)
    } finally {
      watcher.close()
    }
  })

  it('select: reports EBADF for a closed fd to onReady and stops', async () => {
    const [rd] = fx.pair()
    const table = new PollTable()
    table.set(rd, POLLIN)
    const watcher = new MultiplexWatcher('select')
    try {
      const errors: Error[] = []
      watcher.start(table, (_count, error) => error && errors.push(error))
      fx.closeFd(rd)
      watcher.update(table) // the helper wakes and selects on the closed fd
      await until(() => errors.length > 0)
      expect(errors[0]).toMatchObject({ code: 'EBADF', errno: -9, syscall: 'select' })
      expect(watcher.active).toBe(false)
    } finally {
      watcher.close()
    }
  })
})
