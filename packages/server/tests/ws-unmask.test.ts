// The server's unmasking: in JavaScript below NATIVE_UNMASK_FROM bytes, native from there on;
// both sides of the switch against RFC 6455 §5.3 read byte by byte.
import { expect, it } from 'vitest'
import { unmask } from '../src/ws/frames.js'

it('unmasks every length on both sides of the native switch, at every offset and phase', () => {
  const keyBytes = [0xa1, 0x02, 0xf3, 0x74]
  const key = Buffer.from(keyBytes).readInt32BE(0)
  for (let length = 0; length <= 140; length++) {
    for (let start = 0; start < 5; start++) {
      for (let phase = 0; phase < 5; phase++) {
        const expected = Buffer.alloc(start + length + 2, 0x5c)
        for (let i = 0; i < expected.length; i++) expected[i] = (i * 29) & 0xff
        const actual = Buffer.from(expected)
        for (let i = start; i < start + length; i++) expected[i] ^= keyBytes[(phase + i - start) % 4]
        unmask(actual, start, start + length, key, phase)
        expect(actual.equals(expected), `length ${length}, start ${start}, phase ${phase}`).toBe(true)
      }
    }
  }
})
