// The LoopSource contract, once, over every source Node's loop can watch: start, stop, ref,
// unref, hasRef, active, closed and close behave the same whichever class it is.
import { afterEach, describe, expect, it } from 'vitest'
import {
  Epoll,
  MultiplexWatcher,
  PollTable,
  READABLE,
  SignalDrivenIO,
  Uring,
  constants,
  sockets,
  type LoopSource,
} from '@io/core'
import { until } from './helpers.js'

interface Subject {
  source: LoopSource<any[]>
  /** Starts it with `onReady`, called once per batch. */
  start(onReady: () => void): void
  /** Makes something ready for it to report. */
  poke(): void
  closedCode: string
}

const cleanups: Array<() => void> = []
afterEach(() => {
  while (cleanups.length) cleanups.pop()!()
})

function pair(): [number, number] {
  const fds = sockets.socketpair(constants.AF_UNIX, constants.SOCK_STREAM | constants.SOCK_NONBLOCK)
  cleanups.push(() => fds.forEach((fd) => sockets.close(fd)))
  return fds
}

const subjects: Record<string, () => Subject> = {
  Epoll() {
    const ep = new Epoll()
    const [a, b] = pair()
    ep.add(a, READABLE, 1)
    cleanups.push(() => ep.close())
    return {
      source: ep,
      start: (onReady) => ep.start(() => (sockets.read(a, Buffer.alloc(64)), onReady())),
      poke: () => sockets.write(b, Buffer.from('x')),
      closedCode: 'ERR_EPOLL_CLOSED',
    }
  },
  Uring() {
    const ring = new Uring()
    cleanups.push(() => ring.close())
    return {
      source: ring,
      start: (onReady) => ring.start(onReady),
      poke: () => ring.timeout(0, 1),
      closedCode: 'ERR_URING_CLOSED',
    }
  },
  SignalDrivenIO() {
    const sio = new SignalDrivenIO()
    const [a, b] = pair()
    cleanups.push(() => sio.close()) // before the fds close: unwatch restores them
    sio.watch(a, 1)
    return {
      source: sio,
      start: (onReady) => sio.start(() => (sockets.read(a, Buffer.alloc(64)), onReady())),
      poke: () => sockets.write(b, Buffer.from('x')),
      closedCode: 'ERR_SIGIO_CLOSED',
    }
  },
  MultiplexWatcher() {
    const watcher = new MultiplexWatcher('poll')
    const [a, b] = pair()
    const table = new PollTable()
    table.set(a, READABLE)
    cleanups.push(() => watcher.close())
    return {
      source: watcher,
      start: (onReady) => watcher.start(table, () => (sockets.read(a, Buffer.alloc(64)), onReady())),
      poke: () => sockets.write(b, Buffer.from('x')),
      closedCode: 'ERR_MULTIPLEX_CLOSED',
    }
  },
}

const uring = Uring.isSupported()
if (!uring.supported) console.warn(`LoopSource on Uring skipped: ${uring.reason}`)

describe.each(Object.keys(subjects))('%s as a LoopSource', (name) => {
  const skip = name === 'Uring' && !uring.supported

  it.skipIf(skip)('starts, calls back per batch, stops, and remembers unref across start and stop', async () => {
    const s = subjects[name]()
    expect(s.source.active).toBe(false)
    expect(s.source.hasRef()).toBe(true)
    let calls = 0
    s.start(() => calls++)
    expect(s.source.active).toBe(true)
    s.poke()
    await until(() => calls > 0)
    s.source.unref()
    expect(s.source.hasRef()).toBe(false)
    s.source.stop()
    expect(s.source.active).toBe(false)
    s.start(() => calls++)
    expect(s.source.hasRef()).toBe(false)
    s.source.ref()
    expect(s.source.hasRef()).toBe(true)
    s.source.stop()
  })

  it.skipIf(skip)('closes once, stopping first; start afterwards is refused with its code', () => {
    const s = subjects[name]()
    s.start(() => {})
    expect(s.source.closed).toBe(false)
    s.source.close()
    expect(s.source.closed).toBe(true)
    expect(s.source.active).toBe(false)
    s.source.close()
    expect(() => s.start(() => {})).toThrow(expect.objectContaining({ code: s.closedCode }))
  })
})
