// The argument and system errors every @io package throws (errors.ts): Node's classes and
// codes, and messages that say what the argument was.
import { invalidArgType, isSystemError, outOfRange, systemError } from '@io/core'
import { describe, expect, it } from 'vitest'

describe('invalidArgType and outOfRange', () => {
  it('are TypeError/RangeError with Node codes and a message naming the argument', () => {
    const type = invalidArgType('options.entries', 'an integer', '8')
    expect(type).toBeInstanceOf(TypeError)
    expect(type).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE', message: '"options.entries" must be an integer, got "8"' })
    const range = outOfRange('fd', 'an integer >= 0', -1)
    expect(range).toBeInstanceOf(RangeError)
    expect(range).toMatchObject({ code: 'ERR_OUT_OF_RANGE', message: '"fd" must be an integer >= 0, got -1' })
  })

  it.each([
    [undefined, 'undefined'],
    [null, 'null'],
    ['', '""'],
    ['x'.repeat(50), `"${'x'.repeat(40)}..."`],
    [NaN, 'NaN'],
    [1.5, '1.5'],
    [-Infinity, '-Infinity'],
    [true, 'true'],
    [10n, '10n'],
    [Symbol('s'), 'Symbol(s)'],
    [function handler() {}, 'the function handler'],
    [() => {}, 'a function'],
    [[1, 2], 'an array of length 2'],
    [{}, 'an object'],
    [Object.create(null), 'an object'],
    [new Map(), 'an instance of Map'],
  ])('describes %o as %s', (value, described) => {
    expect(invalidArgType('x', 'y', value).message).toBe(`"x" must be y, got ${described}`)
  })
})

describe('systemError', () => {
  it('builds the SystemError Node would throw, from a positive or negative errno', () => {
    for (const errno of [104, -104]) {
      const error = systemError(errno, 'read')
      expect(isSystemError(error, 'ECONNRESET')).toBe(true)
      expect(error).toMatchObject({ errno: -104, syscall: 'read', message: expect.stringMatching(/^ECONNRESET: connection reset by peer, read$/i) })
    }
  })
})
