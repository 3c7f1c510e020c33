// "People you may know" on the home page: shown at once when a member's ranking is kept, otherwise loaded after
// the page from /suggestions (a fragment for htmx, a full page without JavaScript), so the page never waits for it.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

describe('home page suggestions', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  before(async () => {
    t = await createTestApp()
    for (const n of ['ana', 'ben', 'cal', 'dee']) tok[n] = (await t.register(n)).token
    const follow = async (who: string, whom: string) => assert.equal((await t.request('POST', `/api/v1/users/${whom}/follow`, { token: tok[who] })).status, 200)
    await follow('ana', 'ben')
    await follow('ben', 'cal')
    await follow('ben', 'dee')
  })
  after(() => t.close())

  const get = async (path: string, who: string, headers: Record<string, string> = {}) => {
    const res = await t.request('GET', path, { token: tok[who], headers })
    return { status: res.status, html: await res.text() }
  }

  it('leaves a first view to load them afterwards, then shows kept ones at once', async () => {
    const first = await get('/', 'ana')
    assert.match(first.html, /data-suggestions-later="true" hx-get="\/suggestions" hx-trigger="load"/)
    assert.match(first.html, /<a href="\/suggestions">People you may know<\/a>/, 'a link without JavaScript')
    assert.doesNotMatch(first.html, /data-suggestions="true"/)

    const fragment = await get('/suggestions', 'ana', { 'hx-request': 'true' })
    assert.equal(fragment.status, 200)
    assert.doesNotMatch(fragment.html, /<html/)
    assert.match(fragment.html, /data-suggestions="true"/)
    assert.match(fragment.html, /<a href="\/u\/cal">cal<\/a><span class="muted">followed by @ben<\/span>/)

    const again = await get('/', 'ana')
    assert.match(again.html, /data-suggestions="true"/)
    assert.match(again.html, /href="\/u\/dee"/)
    assert.doesNotMatch(again.html, /data-suggestions-later/)
  })

  it('has a full page without JavaScript, whose follow buttons come back to it', async () => {
    const page = await get('/suggestions', 'ana')
    assert.match(page.html, /<h1>People you may know<\/h1>/)
    assert.match(page.html, /action="\/u\/cal\/follow\?next=\/suggestions"/)
    assert.equal((await t.request('GET', '/suggestions')).status, 302, 'members only')
  })

  it('keeps blocked members out, and answers an empty fragment when there is nobody', async () => {
    assert.equal((await t.request('POST', '/api/v1/users/cal/block', { token: tok.ana })).status, 200)
    assert.doesNotMatch((await get('/suggestions', 'ana', { 'hx-request': 'true' })).html, /\/u\/cal"/)
    const none = await get('/suggestions', 'dee', { 'hx-request': 'true' })
    assert.deepEqual([none.status, none.html], [200, ''])
    assert.match((await get('/suggestions', 'dee')).html, /No suggestions yet/)
  })
})
