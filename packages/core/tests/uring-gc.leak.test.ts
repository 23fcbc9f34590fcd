// Buffers handed to the kernel outlive JavaScript's references until their completion arrives,
// and are released (collectable) once it has. Runs in the `leak` project (--expose-gc).
import { expect, it } from 'vitest'
import { Uring, sockets } from '@io/core'
import { readdirSync, readlinkSync } from 'node:fs'
import { describeUring, readExactly, reap, ring, tcpPair, unixPair } from './uring-helpers.js'

const gc = (globalThis as { gc?: () => void }).gc // --expose-gc (vitest.config.ts)

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc!()
    // FinalizationRegistry callbacks run as tasks after a collection.
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Fills the socket's send buffer until a non-blocking send would block; returns the bytes sent. */
function fill(fd: number): number {
  sockets.setNonBlocking(fd, true)
  const chunk = Buffer.alloc(64 * 1024)
  let total = 0
  for (let n = sockets.send(fd, chunk); n !== -1; n = sockets.send(fd, chunk)) total += n
  return total
}

/** Open io_uring descriptors of this process. */
function ringFds(): number {
  let count = 0
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`).includes('io_uring')) count++
    } catch {
      // the fd readdir itself used, gone by now
    }
  }
  return count
}

const pattern = (i: number) => (i % 251) + 1 // never 0, unlike the filler

describeUring('Uring and the garbage collector', () => {
  it('runs with --expose-gc', () => {
    expect(typeof gc).toBe('function')
  })

  it('a Buffer collected by JavaScript while its send is in flight is still sent intact', async () => {
    const r = ring()
    const [a, b] = unixPair()
    const filler = fill(b) // the send below cannot start until a is drained
    const collected: string[] = []
    const registry = new FinalizationRegistry<string>((name) => collected.push(name))
    const size = 256 * 1024
    ;(() => {
      const payload = Buffer.alloc(size)
      for (let i = 0; i < size; i++) payload[i] = pattern(i)
      registry.register(payload, 'payload')
      r.send(b, payload, 0, size, 1)
      r.submit()
    })()
    await collectGarbage()
    // Churn the heap so that freed memory would be reused and overwritten.
    const churn = Array.from({ length: 64 }, () => Buffer.alloc(size, 0xee))
    expect(churn.length).toBe(64)
    expect(collected).toEqual([]) // native code still holds it
    expect(r.inFlight).toBe(1)

    expect(readExactly(a, filler).length).toBe(filler)
    const [done] = reap(r, 1) // a stream send may be partial: check what it reports
    expect(done.result).toBeGreaterThan(0)
    const received = readExactly(a, done.result)
    expect(received.every((byte, i) => byte === pattern(i))).toBe(true)
    // The completion released the pin: now the Buffer can go.
    await collectGarbage()
    expect(collected).toEqual(['payload'])
  })

  it('a receive buffer dropped by JavaScript stays alive until its data arrives', async () => {
    const r = ring()
    const [a, b] = unixPair()
    const collected: string[] = []
    const registry = new FinalizationRegistry<string>((name) => collected.push(name))
    ;(() => {
      const inbox = Buffer.alloc(32)
      registry.register(inbox, 'inbox')
      r.recv(a, inbox, 0, 32, 1)
      r.submit()
    })()
    await collectGarbage()
    expect(collected).toEqual([])
    sockets.write(b, Buffer.from('late data'))
    expect(reap(r, 1)[0].result).toBe(9)
    await collectGarbage()
    expect(collected).toEqual(['inbox'])
  })

  it('a zero-copy send keeps its Buffer until the notification, then lets it go', async () => {
    const r = ring()
    if (!r.features.sendZeroCopy) return
    const [client, server] = tcpPair()
    const collected: string[] = []
    const registry = new FinalizationRegistry<string>((name) => collected.push(name))
    ;(() => {
      const payload = Buffer.alloc(128 * 1024, 3)
      registry.register(payload, 'zc')
      r.send(client, payload, 0, payload.length, 1, { zeroCopy: true })
      r.submit()
    })()
    await collectGarbage()
    expect(collected).toEqual([])
    expect(readExactly(server, 128 * 1024).every((byte) => byte === 3)).toBe(true)
    reap(r, 2)
    expect(r.inFlight).toBe(0)
    await collectGarbage()
    expect(collected).toEqual(['zc'])
  })

  it('rings dropped without close() are cleaned up by the collector: no fd leak', async () => {
    const [a] = unixPair()
    const before = ringFds()
    // In a function of its own, so that no stack slot keeps the last ring alive.
    const dropSome = () => {
      for (let i = 0; i < 50; i++) {
        const dropped = new Uring({ entries: 4 })
        dropped.recv(a, Buffer.alloc(8), 0, 8, i)
        dropped.timeout(60_000, i)
        dropped.submit()
      }
    }
    dropSome()
    expect(ringFds()).toBe(before + 50)
    await collectGarbage()
    expect(ringFds()).toBe(before)
  })
})
