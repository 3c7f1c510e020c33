// The guests' landing page: what the community is, how to join, and recent public photos only when the operator
// allows it; never a post a guest could not see anywhere else.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Envelope = { data: any }

describe('guest landing page', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const ids: Record<string, number> = {}
  const call = (who: string | null, method: string, path: string, init: { json?: unknown; body?: BodyInit } = {}) => t.request(method, path, { token: who ? tok[who] : undefined, ...init })
  /** A post with one photo by `who`; returns the post and the media id. */
  const photoPost = async (who: string, text: string, visibility = 'public') => {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#2563eb' } }).png().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([png]), 'pic.png')
    const media = ((await (await call(who, 'POST', '/api/v1/media', { body: form })).json()) as Envelope).data as { id: number }
    await t.h.queue.drain()
    const res = await call(who, 'POST', '/api/v1/posts', { json: { text, visibility, media_ids: [media.id] } })
    assert.equal(res.status, 201)
    return { post: ((await res.json()) as Envelope).data as { id: number }, media: media.id }
  }
  const home = async () => (await (await t.request('GET', '/')).text()).replace(/\s+/g, ' ')
  const tiles = (html: string) => [...html.matchAll(/data-tile="(\d+)"/g)].map((m) => Number(m[1])).sort((a, b) => a - b)

  before(async () => {
    t = await createTestApp()
    for (const n of ['ana', 'ben', 'cat', 'dan']) {
      const r = await t.register(n)
      tok[n] = r.token
      ids[n] = r.id
    }
  })
  after(() => t.close())

  it('says what the community is, its rules and size, and how to join, with no photos by default', async () => {
    await t.h.settings.updateCore({ 'site.name': 'Riverside', 'site.description': 'Photos from the river.', 'site.rules': 'Be kind.\n\n  Credit photographers.  ' }, null)
    await photoPost('ana', 'a public photo')
    const html = await home()
    assert.match(html, /<h1>Riverside<\/h1>/)
    assert.match(html, /Photos from the river\./)
    assert.match(html, /<ol class="landing-rules"><li>Be kind\.<\/li><li>Credit photographers\.<\/li><\/ol>/)
    assert.match(html, /data-member-count="true">4 members</)
    assert.match(html, /href="\/register">Join Riverside</)
    assert.match(html, /href="\/login">Log in</)
    assert.doesNotMatch(html, /data-landing-posts/, 'photos are off unless the operator turns them on')
  })

  it('hides the count, the rules and the sign-up button when the operator says so', async () => {
    await t.h.settings.updateCore({ 'landing.show_member_count': 'false', 'site.rules': '', 'registration.open': 'false' }, null)
    const html = (await home()).split('<main')[1]!
    assert.doesNotMatch(html, /data-member-count/)
    assert.doesNotMatch(html, /data-rules/)
    assert.doesNotMatch(html, /href="\/register"/, 'no sign-up button while registration is closed')
    assert.match(html, /href="\/login">Log in</)
    assert.match(html, /New accounts are made by the admins/)
    await t.h.settings.updateCore({ 'landing.show_member_count': 'true', 'registration.open': 'true' }, null)
  })

  it('shows only what a guest may see when photos are on: no followers-only, private, suspended or unready post', async () => {
    await t.h.settings.updateCore({ 'landing.show_posts': 'true' }, null)
    const open = await photoPost('ben', 'ben public')
    const followers = await photoPost('ben', 'ben followers', 'followers')
    const onlyMe = await photoPost('ben', 'ben only me', 'only_me')
    await call('cat', 'PUT', '/api/v1/users/me', { json: { is_private: true } })
    const privateAccount = await photoPost('cat', 'cat public but private account')
    const suspended = await photoPost('dan', 'dan public')
    await t.h.users.suspend(ids.dan!, 'spam', null)
    const textOnly = ((await (await call('ben', 'POST', '/api/v1/posts', { json: { text: 'no photo' } })).json()) as Envelope).data as { id: number }
    const html = await home()
    assert.match(html, /data-landing-posts/)
    const shown = tiles(html)
    assert.ok(shown.includes(open.post.id), 'a public post of a public account is shown')
    for (const [what, id] of [['followers-only', followers.post.id], ['only-me', onlyMe.post.id], ['private account', privateAccount.post.id], ['suspended author', suspended.post.id], ['no photo', textOnly.id]] as const) {
      assert.ok(!shown.includes(id), `the ${what} post is not shown`)
    }
    for (const m of [followers.media, onlyMe.media, privateAccount.media, suspended.media]) assert.doesNotMatch(html, new RegExp(`/media/${m}/`), 'nor its file')
    assert.match(html, /data-member-count="true">3 members</, 'a suspended member is not counted')
  })

  it('shows a member their feed, not the landing page', async () => {
    const html = (await (await call('ana', 'GET', '/')).text()).replace(/\s+/g, ' ')
    assert.doesNotMatch(html, /data-landing/)
  })
})
