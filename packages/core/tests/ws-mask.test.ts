// maskWebSocketPayload against a byte-by-byte reading of RFC 6455 §5.3: every length around the
// 8-byte words the native loop uses, every alignment and phase, keys read as int32 and uint32.
import { describe, expect, it } from 'vitest'
import { maskWebSocketPayload } from '../src/index.js'

const TYPE = expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
const RANGE = expect.objectContaining({ name: 'RangeError', code: 'ERR_OUT_OF_RANGE' })

/** §5.3: octet i of the payload is XORed with octet (i mod 4) of the key. */
function reference(bytes: Uint8Array, start: number, end: number, keyBytes: number[], phase: number): void {
  for (let i = start; i < end; i++) bytes[i] ^= keyBytes[(phase + i - start) % 4]
}

function pattern(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length)
  for (let i = 0; i < length; i++) out[i] = (i * 131 + seed * 17 + (i >> 3)) & 0xff
  return out
}

describe('maskWebSocketPayload', () => {
  const keys = [
    [0x12, 0x34, 0x56, 0x78],
    [0xff, 0x00, 0x80, 0x01],
    [0x80, 0x7f, 0xfe, 0x02],
  ]

  it('XORs each byte with key byte (phase + i) % 4, for every length, offset and phase', () => {
    for (const keyBytes of keys) {
      const int32 = Buffer.from(keyBytes).readInt32BE(0)
      const uint32 = Buffer.from(keyBytes).readUInt32BE(0)
      for (let length = 0; length <= 40; length++) {
        for (let start = 0; start < 9; start++) {
          for (let phase = 0; phase < 6; phase++) {
            const expected = pattern(start + length + 3, length + start)
            const actual = Buffer.from(expected)
            reference(expected, start, start + length, keyBytes, phase)
            maskWebSocketPayload(actual, start, start + length, (length & 1) === 0 ? int32 : uint32, phase)
            expect(actual.equals(expected), `length ${length}, start ${start}, phase ${phase}`).toBe(true)
          }
        }
      }
    }
  })

  it('unmasks a large payload in pieces, each with its phase, to the same bytes as in one go', () => {
    const keyBytes = keys[1]
    const key = Buffer.from(keyBytes).readInt32BE(0)
    const payload = pattern(70_000, 5)
    const whole = Buffer.from(payload)
    maskWebSocketPayload(whole, 0, whole.length, key)
    const pieces = Buffer.from(payload)
    for (const [from, to] of [[0, 1], [1, 4099], [4099, 4100], [4100, 65_537], [65_537, 70_000]]) maskWebSocketPayload(pieces, from, to, key, from)
    expect(pieces.equals(whole)).toBe(true)
    maskWebSocketPayload(whole, 0, whole.length, key) // masking twice is the identity
    expect(whole.equals(payload)).toBe(true)
  })

  it('works on any view: a Uint8Array over part of an ArrayBuffer, a DataView', () => {
    const backing = pattern(64, 1)
    const expected = Buffer.from(backing)
    reference(expected, 8 + 2, 8 + 30, keys[0], 3)
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 8, 40)
    maskWebSocketPayload(view, 2, 30, 0x12345678, 3)
    expect(backing.equals(expected)).toBe(true)
    const data = new DataView(backing.buffer, backing.byteOffset + 8, 40)
    maskWebSocketPayload(data, 2, 30, 0x12345678, 3) // back again
    expect(backing.equals(pattern(64, 1))).toBe(true)
  })

  it('refuses bad arguments with TypeError and RangeError, touching nothing', () => {
    const bytes = pattern(16, 2)
    const before = Buffer.from(bytes)
    expect(() => maskWebSocketPayload('abc' as never, 0, 3, 1)).toThrow(TYPE)
    expect(() => maskWebSocketPayload(bytes, 0.5, 3, 1)).toThrow(TYPE)
    expect(() => maskWebSocketPayload(bytes, 0, 3, 1.5)).toThrow(TYPE)
    expect(() => maskWebSocketPayload(bytes, 0, 3, '1' as never)).toThrow(TYPE)
    expect(() => maskWebSocketPayload(bytes, 0, 3, 2 ** 32)).toThrow(RANGE)
    expect(() => maskWebSocketPayload(bytes, 0, 3, -(2 ** 31) - 1)).toThrow(RANGE)
    expect(() => maskWebSocketPayload(bytes, 0, 17, 1)).toThrow(RANGE)
    expect(() => maskWebSocketPayload(bytes, 5, 4, 1)).toThrow(RANGE)
    expect(() => maskWebSocketPayload(bytes, -1, 4, 1)).toThrow(RANGE)
    expect(() => maskWebSocketPayload(bytes, 0, 4, 1, -1)).toThrow(RANGE)
    expect(bytes.equals(before)).toBe(true)
    const detached = new Uint8Array(64)
    structuredClone(detached.buffer, { transfer: [detached.buffer] })
    expect(() => maskWebSocketPayload(detached, 0, 1, 1)).toThrow(RANGE)
    maskWebSocketPayload(detached, 0, 0, 1) // nothing to do is no error
  })
})
