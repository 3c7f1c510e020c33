// Empty lists say what is missing and link to what fills them, never a bare "Nothing here".
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

describe('empty states', () => {
  let t: TestApp
  before(async () => (t = await createTestApp()))
  after(() => t.close())

  it('gives a new member an empty feed, saved list and profile with the links that fill them', async () => {
    const a = t.agent('10.44.0.1')
    await a.registerViaForm('newcomer')
    const state = (html: string) => /<div class="card empty-state" data-empty="true">(.*?)<\/div>/s.exec(html)?.[1] ?? ''
    const home = state(await a.text('/'))
    assert.match(home, /<p class="empty-title">Your feed is empty<\/p>/)
    assert.match(home, /href="\/explore"/)
    assert.match(home, /href="\/compose"/)
    const saved = state(await a.text('/bookmarks'))
    assert.match(saved, /Nothing saved yet/)
    assert.match(saved, /Only you see what you save/)
    const own = state(await a.text('/u/newcomer'))
    assert.match(own, /Share your first post/)
    assert.match(own, /href="\/compose"/)
    await t.register('quiet_one')
    const theirs = state(await a.text('/u/quiet_one'))
    assert.match(theirs, /No posts yet\./)
    assert.doesNotMatch(theirs, /compose/, 'no "share" link on someone else’s profile')
  })
})
