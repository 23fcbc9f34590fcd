import { describe, expect, it } from 'vitest'
import { HEAD_SLAB_BYTES, HeadStore } from '../src/http/head-store.js'

function bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'latin1'))
}

function kept(store: HeadStore, src: Uint8Array, start: number, end: number): { array: Uint8Array; text: string } {
  const array = store.keep(src, start, end)
  return { array, text: Buffer.from(array.buffer, array.byteOffset + store.at, end - start).toString('latin1') }
}

describe('HeadStore', () => {
  it('copies heads one after the other into one slab, unchanged when the source is reused', () => {
    const store = new HeadStore()
    const src = bytes('xxGET / HTTP/1.1\r\n\r\nyy')
    const first = kept(store, src, 2, 20)
    expect(store.at).toBe(0)
    const second = kept(store, src, 0, 4)
    expect(second.array).toBe(first.array)
    expect(store.at).toBe(18)
    src.fill(0)
    expect(Buffer.from(first.array.subarray(0, 18)).toString('latin1')).toBe('GET / HTTP/1.1\r\n\r\n')
    expect(Buffer.from(second.array.subarray(18, 22)).toString('latin1')).toBe('xxGE')
  })

  it('copies from a source that is a view into a larger buffer, short heads and long', () => {
    const store = new HeadStore()
    const whole = Buffer.from('-'.repeat(100) + 'A'.repeat(300) + 'B'.repeat(300), 'latin1')
    const view = whole.subarray(100) // byteOffset 100 into its ArrayBuffer (and Node's pool)
    expect(kept(store, view, 250, 600).text).toBe('A'.repeat(50) + 'B'.repeat(300))
    expect(kept(store, view, 298, 302).text).toBe('AABB')
    expect(kept(store, new Uint8Array(whole.buffer, whole.byteOffset + 99, 3), 0, 2).text).toBe('-A')
    // The whole of a view (a read's heads usually fill it): its own bytes, not its buffer's first.
    const tail = whole.subarray(396, 404)
    expect(kept(store, tail, 0, tail.length).text).toBe('AAAABBBB')
  })

  it('starts a new slab when the current one cannot hold the head, leaving the old one to its requests', () => {
    const store = new HeadStore()
    const src = new Uint8Array(HEAD_SLAB_BYTES / 4).fill(7)
    const first = store.keep(src, 0, src.length)
    for (let k = 1; k < 4; k++) expect(store.keep(src, 0, src.length)).toBe(first)
    expect(store.at).toBe(HEAD_SLAB_BYTES - src.length)
    const next = store.keep(src, 0, 1)
    expect(next).not.toBe(first)
    expect(store.at).toBe(0)
    expect(first.every((b) => b === 7)).toBe(true)
  })

  it('gives a head larger than a quarter slab an array of its own', () => {
    const store = new HeadStore()
    const small = store.keep(bytes('abc'), 0, 3)
    const big = bytes('z'.repeat(HEAD_SLAB_BYTES / 4 + 1))
    const own = store.keep(big, 0, big.length)
    expect(own).not.toBe(small)
    expect(own.length).toBe(big.length)
    expect(store.at).toBe(0)
    // The slab goes on where it was.
    expect(store.keep(bytes('de'), 0, 2)).toBe(small)
    expect(store.at).toBe(3)
  })
})
