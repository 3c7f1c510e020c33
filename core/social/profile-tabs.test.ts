// The profile's tabs (posts, videos, tagged, saved): real URLs that work without JavaScript, paginated, and private
// like the posts grid: a private account's tabs are closed to non-followers, a block answers like a missing member,
// and the saved tab is its owner's alone. Also the header's action slot (the "Message" button's place).
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { ROOT } from '../paths.js'
import { createTestApp, type TestApp } from '../../test/harness.js'

describe('profile tabs', () => {
  let t: TestApp
  const u: Record<string, { id: number; token: string }> = {}
  const ids: Record<string, number> = {}

  const page = async (path: string, who?: string, headers: Record<string, string> = {}) => {
    const res = await t.request('GET', path, { token: who ? u[who]!.token : undefined, headers })
    return { status: res.status, html: await res.text() }
  }
  const tiles = (html: string) => [...html.matchAll(/data-tile="(\d+)"/g)].map((m) => Number(m[1]))
  const api = async (method: string, path: string, who: string, json?: unknown) => {
    const res = await t.request(method, path, { token: u[who]!.token, json })
    assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.clone().text()}`)
    return ((await res.json()) as { data: { id: number } }).data
  }
  const video = async (owner: string) =>
    (
      await t.h.db
        .insertInto('media')
        .values({ owner_id: u[owner]!.id, kind: 'video', status: 'ready', mime: 'video/mp4', size_bytes: 1, width: 320, height: 240, duration_ms: 1000, variants: '{}', error: null, updated_at: new Date().toISOString() })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id

  before(async () => {
    t = await createTestApp({ pluginDirs: [join(ROOT, 'test/fixtures/profile-plugins')], enable: ['messenger'] })
    for (const n of ['ana', 'ben', 'cal', 'shy', 'dee']) u[n] = await t.register(n)
    ids.text = (await api('POST', '/api/v1/posts', 'ana', { text: 'just words' })).id
    ids.clip = (await t.h.posts.create(u.ana!.id, { text: 'a clip', media_ids: [await video('ana')] })).id
    ids.tagsAna = (await api('POST', '/api/v1/posts', 'ben', { text: 'lunch with @ana' })).id
    ids.tagsAnaFollowers = (await api('POST', '/api/v1/posts', 'ben', { text: 'only for my followers, @ana', visibility: 'followers' })).id
    // shy is private: dee follows (accepted), cal does not.
    await t.h.db.updateTable('users').set({ is_private: 1 }).where('id', '=', u.shy!.id).execute()
    ids.shyClip = (await t.h.posts.create(u.shy!.id, { text: 'shy clip', media_ids: [await video('shy')] })).id
    ids.shyTags = (await api('POST', '/api/v1/posts', 'shy', { text: 'hello @dee' })).id
    await api('POST', '/api/v1/users/shy/follow', 'dee')
    await api('POST', '/api/v1/users/me/follow-requests/dee/accept', 'shy')
    await api('POST', `/api/v1/posts/${ids.tagsAna}/bookmark`, 'ana')
  })
  after(() => t.close())

  it('has a real URL per tab, the current one marked, Saved only on one’s own profile', async () => {
    const own = await page('/u/ana', 'ana')
    for (const [tab, href] of [
      ['posts', '/u/ana'],
      ['videos', '/u/ana/videos'],
      ['tagged', '/u/ana/tagged'],
      ['saved', '/u/ana/saved'],
    ]) assert.match(own.html, new RegExp(`<a href="${href}"( aria-current="page")? data-profile-tab="${tab}"`))
    assert.match(own.html, /<a href="\/u\/ana" aria-current="page" data-profile-tab="posts"/)
    const other = await page('/u/ana', 'ben')
    assert.doesNotMatch(other.html, /data-profile-tab="saved"/)
    assert.match((await page('/u/ana/videos', 'ben')).html, /<a href="\/u\/ana\/videos" aria-current="page" data-profile-tab="videos"/)
  })

  it('shows posts with a video on Videos, posts that mention the member on Tagged, and one’s bookmarks on Saved', async () => {
    assert.deepEqual(tiles((await page('/u/ana', 'cal')).html).sort(), [ids.text, ids.clip].sort())
    assert.deepEqual(tiles((await page('/u/ana/videos', 'cal')).html), [ids.clip])
    assert.deepEqual(tiles((await page('/u/ana/videos')).html), [ids.clip], 'guests too')
    assert.deepEqual(tiles((await page('/u/ana/tagged', 'cal')).html), [ids.tagsAna], 'a followers-only post of someone cal does not follow stays out')
    assert.deepEqual(tiles((await page('/u/ana/tagged', 'ben')).html), [ids.tagsAnaFollowers, ids.tagsAna], 'its author sees both')
    assert.deepEqual(tiles((await page('/u/ana/saved', 'ana')).html), [ids.tagsAna])
    assert.match((await page('/u/cal/videos', 'cal')).html, /No videos yet\./)
    assert.match((await page('/u/cal/tagged', 'ana')).html, /No posts mention @cal yet\./)
  })

  it('answers someone else’s Saved tab exactly like a page that does not exist', async () => {
    const missing = await page('/no/such/page', 'ben')
    assert.equal(missing.status, 404)
    const message = /That page does not exist\./
    assert.match(missing.html, message)
    for (const [path, who] of [
      ['/u/ana/saved', 'ben'],
      ['/u/ana/saved', undefined],
      ['/u/nobody_here/saved', 'ben'],
    ] as const) {
      const r = await page(path, who)
      assert.equal(r.status, 404, path)
      assert.match(r.html, message, path)
      assert.doesNotMatch(r.html, /data-tile/, path)
    }
  })

  it('closes every tab of a private account to non-followers, with its counts still shown', async () => {
    for (const tab of ['', '/videos', '/tagged']) {
      const cal = await page(`/u/shy${tab}`, 'cal')
      assert.equal(cal.status, 200)
      assert.match(cal.html, /This account is private/, tab)
      assert.deepEqual(tiles(cal.html), [], tab)
      assert.match(cal.html, /<strong>1<\/strong> follower/, 'counts are shown as before')
      const guest = await page(`/u/shy${tab}`)
      assert.match(guest.html, /This account is private/, tab)
      assert.deepEqual(tiles(guest.html), [])
    }
    assert.deepEqual(tiles((await page('/u/shy/videos', 'dee')).html), [ids.shyClip], 'a follower sees them')
    assert.deepEqual(tiles((await page('/u/dee/tagged', 'cal')).html), [], 'a private author’s mention stays hidden on the mentioned member’s tab')
    assert.deepEqual(tiles((await page('/u/dee/tagged', 'dee')).html), [ids.shyTags])
  })

  it('answers every tab across a block, either way, like a missing member', async () => {
    await api('POST', '/api/v1/users/cal/block', 'ana')
    try {
      for (const tab of ['', '/videos', '/tagged']) {
        const missing = await page(`/u/nobody_here${tab}`, 'cal')
        assert.equal(missing.status, 404)
        for (const [path, who] of [
          [`/u/ana${tab}`, 'cal'],
          [`/u/cal${tab}`, 'ana'],
        ] as const) {
          const r = await page(path, who)
          assert.equal(r.status, 404, `${path} for ${who}`)
          assert.equal(r.html.match(/<main[\s\S]*<\/main>/)?.[0].replace(/nobody_here/g, ''), missing.html.match(/<main[\s\S]*<\/main>/)?.[0].replace(/nobody_here/g, ''), `${path} for ${who}`)
        }
      }
    } finally {
      await api('DELETE', '/api/v1/users/cal/block', 'ana')
    }
  })

  it('pages a tab with the cursor: a "More" link without JavaScript, the next tiles alone for htmx', async () => {
    for (let i = 0; i < 31; i++) await api('POST', '/api/v1/posts', 'dee', { text: `hi @cal number ${i}` })
    const first = await page('/u/cal/tagged', 'ana')
    assert.equal(tiles(first.html).length, 30)
    const more = first.html.match(/<a href="(\/u\/cal\/tagged\?cursor=[^"]+)" class="more-tile"/)?.[1]
    assert.ok(more, 'a More link')
    const next = await page(more.replace(/&amp;/g, '&'), 'ana', { 'hx-request': 'true' })
    assert.doesNotMatch(next.html, /<html/)
    assert.equal(tiles(next.html).length, 1)
    assert.equal(new Set([...tiles(first.html), ...tiles(next.html)]).size, 31)
  })

  it('draws the plugins’ profile actions beside the follow button, never on one’s own profile', async () => {
    const html = (await page('/u/ana', 'ben')).html
    assert.match(html, /<div class="profile-actions" data-profile-actions="true"><form method="post" action="\/u\/ana\/follow"[\s\S]*?<a class="button secondary" href="\/messenger\/ana" data-message-button="true">Message<\/a>/)
    assert.doesNotMatch((await page('/u/ana', 'ana')).html, /data-message-button/)
    assert.doesNotMatch((await page('/u/ana')).html, /data-message-button/, 'the plugin chose nothing for guests')
  })

  it('shows the follow button’s states: Follow, Requested (cancel), Following (unfollow)', async () => {
    assert.match((await page('/u/ana', 'cal')).html, /data-follow-state="none"[\s\S]*?<button type="submit">Follow<\/button>/)
    await api('POST', '/api/v1/users/shy/follow', 'cal')
    const requested = (await page('/u/shy', 'cal')).html
    assert.match(requested, /<details class="follow-menu" data-follow-state="requested"><summary class="button secondary">Requested/)
    assert.match(requested, /action="\/u\/shy\/unfollow"[\s\S]*?Cancel request/)
    await api('POST', '/api/v1/users/ana/follow', 'cal')
    const following = (await page('/u/ana', 'cal')).html
    assert.match(following, /data-follow-state="following"><summary class="button secondary">Following/)
    assert.match(following, /action="\/u\/ana\/unfollow"[\s\S]*?Unfollow/)
  })
})
