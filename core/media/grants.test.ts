// Media grants: one whole read per variant, range reads until expiry, bound to one viewer and one item.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MediaGrants } from './grants.js'

describe('media grants', () => {
  it('lets its viewer read each variant whole once, and range reads until then', () => {
    const grants = new MediaGrants(() => 1_000)
    const token = grants.issue(6, 2, 60)
    assert.equal(grants.use(token, 6, 3, '1080', true), false, 'another member')
    assert.equal(grants.use(token, 6, null, '1080', true), false, 'a guest')
    assert.equal(grants.use(token, 7, 2, '1080', true), false, 'another item')
    assert.equal(grants.use('nope', 6, 2, '1080', true), false, 'a made-up token')
    assert.equal(grants.use(token, 6, 2, 'video', false), true, 'a range read')
    assert.equal(grants.use(token, 6, 2, 'video', false), true, 'another range read of the same opening')
    assert.equal(grants.use(token, 6, 2, 'poster', true), true)
    assert.equal(grants.use(token, 6, 2, 'poster', true), false, 'a second whole read')
    assert.equal(grants.use(token, 6, 2, 'poster', false), false, 'nor ranges after it')
  })

  it('refuses every read once it expires', () => {
    let now = 0
    const grants = new MediaGrants(() => now)
    const token = grants.issue(6, 2, 30)
    now = 29_999
    assert.equal(grants.use(token, 6, 2, 'video', false), true)
    now = 30_000
    assert.equal(grants.use(token, 6, 2, 'video', false), false)
    assert.equal(grants.use(token, 6, 2, '1080', true), false)
  })
})
