// robots.txt and the sitemap: public profiles and public posts only; a private account, a followers-only or only-me
// post, a suspended member's post and a post hidden from guests are as missing from the sitemap as from a guest.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

describe('robots.txt and the sitemap', () => {
  let t: TestApp
  const ids: Record<string, number> = {}

  before(async () => {
    t = await createTestApp()
    const open = await t.register('seoopen')
    const shy = await t.register('seoshy')
    const gone = await t.register('seogone')
    ids.public = (await t.h.posts.create(open.id, { text: 'for everyone', visibility: 'public' })).id
    ids.followers = (await t.h.posts.create(open.id, { text: 'for followers', visibility: 'followers' })).id
    ids.onlyMe = (await t.h.posts.create(open.id, { text: 'for me', visibility: 'only_me' })).id
    ids.shy = (await t.h.posts.create(shy.id, { text: 'shy but public', visibility: 'public' })).id
    ids.suspended = (await t.h.posts.create(gone.id, { text: 'soon hidden', visibility: 'public' })).id
    await t.h.db.updateTable('users').set({ is_private: 1 }).where('id', '=', shy.id).execute()
    await t.h.db.updateTable('users').set({ suspended_at: new Date().toISOString() }).where('id', '=', gone.id).execute()
  })
  after(() => t.close())

  it('lists public profiles and posts, and nothing a guest could not open', async () => {
    const res = await t.request('GET', '/sitemap.xml')
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /application\/xml/)
    const xml = await res.text()
    assert.match(xml, /<loc>[^<]*\/u\/seoopen<\/loc>/)
    assert.match(xml, new RegExp(`<loc>[^<]*/p/${ids.public}</loc>`))
    for (const hidden of ['followers', 'onlyMe', 'shy', 'suspended']) {
      assert.doesNotMatch(xml, new RegExp(`/p/${ids[hidden]}<`), `${hidden} is not listed`)
      assert.notEqual((await t.request('GET', `/p/${ids[hidden]}`)).status, 200, `${hidden} is missing for a guest too`)
    }
    assert.doesNotMatch(xml, /\/u\/seoshy</, 'a private account is not listed')
    assert.doesNotMatch(xml, /\/u\/seogone</, 'a suspended member is not listed')
  })

  it('points crawlers at the sitemap and away from the console, or away from everything when the operator says so', async () => {
    const robots = await (await t.request('GET', '/robots.txt')).text()
    assert.match(robots, /^User-agent: \*$/m)
    assert.match(robots, /^Disallow: \/admin$/m)
    assert.match(robots, /^Sitemap: http.*\/sitemap\.xml$/m)
    await t.h.settings.updateCore({ 'seo.index': false, 'seo.robots_extra': 'User-agent: GPTBot\nDisallow: /' }, null)
    const closed = await (await t.request('GET', '/robots.txt')).text()
    assert.match(closed, /^Disallow: \/$/m)
    assert.match(closed, /^User-agent: GPTBot$/m)
    assert.doesNotMatch(closed, /Sitemap:/)
    assert.doesNotMatch(await (await t.request('GET', '/sitemap.xml')).text(), /<url>/)
  })
})
