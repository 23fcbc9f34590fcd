// MapSelector's rollback contract, with a backend whose kernel calls fail on demand (the way
// CPython's test_modify_unregister mocks the underlying call).
import { EVENT_READ, EVENT_WRITE, ERR_NOT_REGISTERED, PollSelector, type SelectorKey } from '@io/selectors'
import { describe, expect, it } from 'vitest'
import { expectError, useFixtures } from './fixtures.js'

class FailingSelector extends PollSelector {
  failAdd = false
  failChange = false
  protected override addInterest(key: SelectorKey): void {
    if (this.failAdd) throw Object.assign(new Error('ENOMEM: add refused'), { code: 'ENOMEM' })
    super.addInterest(key)
  }
  protected override changeInterest(old: SelectorKey, key: SelectorKey): void {
    if (this.failChange) throw Object.assign(new Error('ENOMEM: change refused'), { code: 'ENOMEM' })
    super.changeInterest(old, key)
  }
}

describe('MapSelector rollback', () => {
  const fx = useFixtures()

  it('a failing register leaves nothing registered', () => {
    const sel = fx.selector(() => new FailingSelector())
    const [rd] = fx.pair()
    sel.failAdd = true
    expectError(() => sel.register(rd, EVENT_READ), Error, 'ENOMEM')
    expect(sel.getMap().size).toBe(0)
    sel.failAdd = false
    expect(sel.register(rd, EVENT_READ).fd).toBe(rd)
  })

  it('a failing modify unregisters the fd in the map and in the kernel list', () => {
    const sel = fx.selector(() => new FailingSelector())
    const [rd] = fx.pair()
    sel.register(rd, EVENT_READ)
    sel.failChange = true
    expectError(() => sel.modify(rd, EVENT_WRITE), Error, 'ENOMEM')
    expectError(() => sel.getKey(rd), Error, ERR_NOT_REGISTERED)
    expect(sel.select(0)).toEqual([]) // an idle socket would be writable if it were still watched
  })

  it('a data-only modify makes no kernel call', () => {
    const sel = fx.selector(() => new FailingSelector())
    const [rd] = fx.pair()
    sel.register(rd, EVENT_READ, 'a')
    sel.failChange = true
    expect(sel.modify(rd, EVENT_READ, 'b').data).toBe('b')
  })
})
