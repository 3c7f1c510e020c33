// Grouped notifications as the list, the API and the page show them: "X and N others", the actors' pictures, the
// post's thumbnail (only what the recipient may load), the 24-hour window, Follow back, and who is never counted.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import sharp from 'sharp'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { GROUP_WINDOW_MS, type NotificationView } from './service.js'
import { wireNotifications } from './wire.js'

type Envelope = { data: any }

describe('grouped notifications', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}
  const names = ['ana', 'bob', 'cyd', 'dia', 'eve', 'pia']

  before(async () => {
    t = await createTestApp()
    wireNotifications(t.h)
    for (const n of names) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
  })
  after(() => t.close())

  const call = (who: string, method: string, path: string, init: { json?: unknown; body?: BodyInit } = {}) => t.request(method, path, { token: tok[who], ...init })
  const list = async (who: string): Promise<NotificationView[]> => ((await (await call(who, 'GET', '/api/v1/notifications?unread=1')).json()) as Envelope).data
  const unread = async (who: string): Promise<number> => ((await (await call(who, 'GET', '/api/v1/notifications/unread-count')).json()) as Envelope).data.unread
  const clear = (who: string) => call(who, 'POST', '/api/v1/notifications/read')
  /** A browser-like client logged in as `who`. */
  const browser = async (who: string) => {
    const a = t.agent()
    await a.loginViaForm(who)
    return a
  }
  const like = (who: string, postId: number, author: string) => t.h.hooks.emit('action:post.reacted', { postId, authorId: id[author]!, userId: id[who]!, kind: 'like', previous: null })
  const upload = async (who: string) => {
    const png = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#c2410c' } }).png().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([png]), 'pic.png')
    const res = await call(who, 'POST', '/api/v1/media', { body: form })
    assert.equal(res.status, 201)
    return ((await res.json()) as Envelope).data.id as number
  }

  it('groups likes with the actors’ pictures and the post’s thumbnail, in the API and on the page', async () => {
    const photo = await upload('ana')
    const avatar = await upload('bob')
    await t.h.queue.drain()
    await call('bob', 'PUT', '/api/v1/users/me', { json: { avatar_media_id: avatar, avatar_visibility: 'public' } })
    const postId = ((await (await call('ana', 'POST', '/api/v1/posts', { json: { text: 'sunset', media_ids: [photo] } })).json()) as Envelope).data.id
    for (const who of ['bob', 'cyd', 'dia', 'eve']) await like(who, postId, 'ana')

    const [entry, ...rest] = await list('ana')
    assert.equal(rest.length, 0, 'one entry for four likes')
    assert.equal(entry!.text, 'eve and 3 others liked your post')
    assert.equal(entry!.count, 4)
    assert.deepEqual(entry!.actors.map((a) => a.username), ['eve', 'dia', 'cyd'], 'the newest three')
    assert.ok(entry!.since <= entry!.created_at)
    assert.equal(entry!.thumbnail?.url, `/media/${photo}/150`)
    assert.equal(entry!.thumbnail?.kind, 'image')
    assert.equal(entry!.follow_back, null)
    assert.equal((await call('ana', 'GET', entry!.thumbnail!.url)).status, 200, 'the recipient may load it')
    await like('bob', postId, 'ana')
    const [again] = await list('ana')
    assert.deepEqual([again!.id, again!.count, again!.actors[0]!.username, again!.actors[0]!.avatar_url], [entry!.id, 4, 'bob', `/media/${avatar}/150`], 'liking again moves bob to the front, counted once')
    assert.equal(await unread('ana'), 1)

    const page = await (await browser('ana')).get('/notifications')
    const html = await page.text()
    assert.match(html, /class="notification-avatars notification-avatars-3"/)
    assert.match(html, new RegExp(`<img src="/media/${photo}/150" alt width="44" height="44"`))
    assert.match(html, /<time datetime="[^"]+" title="[^"]+ UTC">(now|\d+m)<\/time>/, 'a relative time, exact on hover')
    await clear('ana')
  })

  it('counts neither a blocked nor a suspended actor, in the text, the count, the pictures and the badge', async () => {
    const postId = ((await (await call('ana', 'POST', '/api/v1/posts', { json: { text: 'again' } })).json()) as Envelope).data.id
    for (const who of ['bob', 'cyd', 'dia']) await like(who, postId, 'ana')
    assert.equal((await list('ana'))[0]!.text, 'dia and 2 others liked your post')
    await t.h.safety.block(id.ana!, 'dia')
    let [entry] = await list('ana')
    assert.equal(entry!.text, 'cyd and bob liked your post')
    assert.equal(entry!.count, 2)
    assert.ok(!entry!.actors.some((a) => a.username === 'dia'))
    // Blocked the other way: cyd blocks ana. A suspended actor (bob) is hidden, and returns when unsuspended.
    await t.h.safety.block(id.cyd!, 'ana')
    ;[entry] = await list('ana')
    assert.equal(entry!.text, 'bob liked your post')
    await t.h.users.suspend(id.bob!, 'spam', null)
    assert.deepEqual(await list('ana'), [])
    assert.equal(await unread('ana'), 0, 'the badge counts only what the list shows')
    await t.h.users.unsuspend(id.bob!, null)
    assert.equal((await list('ana'))[0]!.text, 'bob liked your post')
    await clear('ana')
  })

  it('starts a new group once the open one is a day old, and the badge counts both', async () => {
    const postId = ((await (await call('eve', 'POST', '/api/v1/posts', { json: { text: 'long day' } })).json()) as Envelope).data.id
    await like('ana', postId, 'eve')
    await like('pia', postId, 'eve')
    // The group began more than GROUP_WINDOW_MS ago.
    const old = new Date(Date.now() - GROUP_WINDOW_MS - 60_000).toISOString()
    await sql`update notifications set created_at = ${old} where user_id = ${id.eve!}`.execute(t.h.db)
    await like('bob', postId, 'eve')
    const entries = await list('eve')
    assert.deepEqual(entries.map((n) => n.text), ['bob liked your post', 'pia and ana liked your post'])
    assert.equal(entries[1]!.since, old)
    assert.equal(await unread('eve'), 2)
    await clear('eve')
  })

  it('offers Follow back on a single follow, and shows Following or Requested (private accounts) after', async () => {
    await t.h.social.follow(id.bob!, 'pia')
    await t.h.db.updateTable('users').set({ is_private: 1 }).where('id', '=', id.eve!).execute()
    await t.h.social.follow(id.eve!, 'pia')
    const entries = await list('pia')
    assert.deepEqual(entries.map((n) => n.text), ['eve and bob followed you'], 'follows group too')
    assert.equal(entries[0]!.follow_back, null, 'no single button for a group')
    await clear('pia')

    await t.h.social.follow(id.cyd!, 'pia').catch(() => undefined) // cyd blocked ana, not pia
    let [entry] = await list('pia')
    assert.deepEqual(entry!.follow_back, { username: 'cyd', is_private: false, relationship: 'none' })
    const agent = await browser('pia')
    let html = await (await agent.get('/notifications')).text()
    assert.match(html, /<form method="post" action="\/notifications\/follow\/cyd" class="follow-back"/)
    // Without JavaScript: the form posts and comes back to the list, now showing Following.
    const res = await agent.post('/notifications/follow/cyd', {})
    assert.equal(res.status, 303)
    assert.equal(res.headers.get('location'), '/notifications')
    html = await (await agent.get('/notifications')).text()
    assert.match(html, /data-follow-state="following"[^>]*>Following</)

    // A private account: following back is a request, and htmx gets the new state to swap in.
    await t.h.db.updateTable('users').set({ is_private: 1 }).where('id', '=', id.dia!).execute()
    await clear('pia')
    await t.h.safety.unblock(id.ana!, 'dia')
    await t.h.social.follow(id.dia!, 'pia')
    ;[entry] = await list('pia')
    assert.deepEqual(entry!.follow_back, { username: 'dia', is_private: true, relationship: 'none' })
    const swapped = await agent.fetch('POST', '/notifications/follow/dia', { form: {}, headers: { 'hx-request': 'true' } })
    assert.equal(swapped.status, 200)
    assert.match(await swapped.text(), /^<span class="follow-state" data-follow-state="requested" role="status">Requested<\/span>$/)
    ;[entry] = await list('pia')
    assert.equal(entry!.follow_back?.relationship, 'requested')
  })

  it('answers a hidden entry or member like a missing one', async () => {
    const agent = await browser('pia')
    const [mine] = (await t.h.notifications.list(id.ana!, { limit: 1 })).items
    assert.equal((await agent.fetch('GET', `/notifications/entries/${mine!.id}`, { headers: { 'hx-request': 'true' } })).status, 404, 'another member’s entry')
    assert.equal((await agent.fetch('GET', '/notifications/entries/99999999', { headers: { 'hx-request': 'true' } })).status, 404)
    await t.h.safety.block(id.bob!, 'pia')
    const blocked = await agent.fetch('POST', '/notifications/follow/bob', { form: {}, headers: { 'hx-request': 'true' } })
    const missing = await agent.fetch('POST', '/notifications/follow/nobody_here', { form: {}, headers: { 'hx-request': 'true' } })
    assert.equal((await blocked.text()).replaceAll('bob', 'X'), (await missing.text()).replaceAll('nobody_here', 'X'))
  })
})
