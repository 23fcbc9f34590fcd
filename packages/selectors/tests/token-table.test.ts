// TokenTable: live tokens are unique, and a released token no longer maps to its fd.
import { describe, expect, it } from 'vitest'
import { TokenTable } from '../src/token-table.js'

describe('TokenTable', () => {
  it('issues distinct tokens and forgets released ones', () => {
    const tokens = new TokenTable()
    const a = tokens.issue(5)
    const b = tokens.issue(6)
    expect(a).not.toBe(b)
    expect(tokens.fdOf(a)).toBe(5)
    expect(tokens.release(5)).toBe(a)
    expect(tokens.fdOf(a)).toBeUndefined()
    expect(tokens.tokenOf(5)).toBeUndefined()
    const c = tokens.issue(5) // the fd number again: a new token, so a late report for `a` is dropped
    expect(c).not.toBe(a)
  })

  it('re-issuing for an fd replaces its token', () => {
    const tokens = new TokenTable()
    const a = tokens.issue(7)
    const b = tokens.issue(7)
    expect(tokens.fdOf(a)).toBeUndefined()
    expect(tokens.fdOf(b)).toBe(7)
  })
})
