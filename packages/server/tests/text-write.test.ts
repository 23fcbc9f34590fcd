import { describe, expect, it } from 'vitest'
import { writeLatin1, writeUtf8 } from '../src/engine/text-write.js'

/** Texts of every length around the short-text loop's limit, ASCII and not. */
const LENGTHS = [0, 1, 2, 47, 48, 49, 50, 200]

describe('text-write', () => {
  it('writes latin1 at an offset of a plain Uint8Array as Buffer.write does, short and long', () => {
    for (const length of LENGTHS) {
      const text = Array.from({ length }, (_, i) => String.fromCharCode(i % 3 === 0 ? 0xe9 : 0x41 + (i % 26))).join('')
      const out = new Uint8Array(length + 5).fill(0xaa)
      writeLatin1(out, text, 3)
      const expected = Buffer.alloc(length + 5, 0xaa)
      expected.write(text, 3, 'latin1')
      expect(Buffer.from(out).equals(expected), `length ${length}`).toBe(true)
    }
  })

  it('keeps the low byte of code units above 0xff, as latin1 does', () => {
    const out = new Uint8Array(3)
    writeLatin1(out, '\u0141a\u20ac', 0)
    expect([...out]).toEqual([...Buffer.from('\u0141a\u20ac', 'latin1')])
  })

  it('writes UTF-8 (ASCII, two-, three- and four-byte characters) at an offset, short and long', () => {
    for (const length of LENGTHS) {
      for (const unit of ['a', 'é', '€', '😀']) {
        const text = unit.repeat(Math.ceil(length / unit.length)).slice(0, length - (length % unit.length))
        const bytes = Buffer.byteLength(text)
        const out = new Uint8Array(bytes + 4).fill(0x55)
        writeUtf8(out, text, 2, bytes)
        const expected = Buffer.alloc(bytes + 4, 0x55)
        expected.write(text, 2, 'utf8')
        expect(Buffer.from(out).equals(expected), `${unit} x ${length}`).toBe(true)
      }
    }
  })
})
