// "Liked by X and N others" and the comment preview, as each viewer may see them (decision 017: blocked and suspended
// members are missing, never named nor counted), on the post API, the feed API and the card, for a page in one query.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { createTestApp, type Agent, type TestApp } from '../../test/harness.js'
import { cutText, postPreviews } from './previews.js'

describe('post previews: who liked it and the newest comments', () => {
  let t: TestApp
  const u: Record<string, { id: number; token: string }> = {}
  let post = 0
  let other = 0
  const pages: Record<string, Agent> = {}

  const as = async (name: string, method: string, path: string, json?: unknown) => {
    const res = await t.request(method, path, { token: u[name]!.token, json })
    assert.ok(res.ok, `${name} ${method} ${path}: ${res.status}`)
    return ((await res.json()) as { data: any }).data
  }
  const view = async (viewer: string, id = post) => (await t.request('GET', `/api/v1/posts/${id}`, { token: viewer === 'guest' ? undefined : u[viewer]!.token })).json().then((b: any) => b.data)
  /** Likes written at given minutes, so "newest" does not depend on how fast the test runs. */
  const likeAt = async (name: string, id: number, minute: number) => {
    await as(name, 'POST', `/api/v1/posts/${id}/like`)
    await t.h.db.updateTable('reactions').set({ created_at: `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z` }).where('post_id', '=', id).where('user_id', '=', u[name]!.id).execute()
  }
  const commentAt = async (name: string, id: number, text: string, minute: number, parent_id?: number) => {
    const c = await as(name, 'POST', `/api/v1/posts/${id}/comments`, { text, parent_id })
    // created_at is not updatable through Kysely's types (it never changes in the app): set it with SQL.
    await sql`update comments set created_at = ${`2026-12-01T11:${String(minute).padStart(2, '0')}:00.000Z`} where id = ${c.id}`.execute(t.h.db)
    return c.id as number
  }

  before(async () => {
    t = await createTestApp()
    for (const name of ['pv_author', 'pv_viewer', 'pv_friend', 'pv_newest', 'pv_blocker', 'pv_gone', 'pv_private', 'pv_stranger']) u[name] = await t.register(name)
    await as('pv_viewer', 'POST', '/api/v1/users/pv_friend/follow')
    await as('pv_private', 'PUT', '/api/v1/users/pv_private', { is_private: true })
    post = (await as('pv_author', 'POST', '/api/v1/posts', { text: 'previewed', visibility: 'public' })).id
    other = (await as('pv_author', 'POST', '/api/v1/posts', { text: 'liked by no one yet', visibility: 'public' })).id
    // Oldest to newest: the friend, the newest liker, then two who will be hidden from the viewer.
    await likeAt('pv_friend', post, 1)
    await likeAt('pv_newest', post, 2)
    await likeAt('pv_viewer', post, 3)
    await likeAt('pv_gone', post, 4)
    await likeAt('pv_blocker', post, 5)
    await commentAt('pv_friend', post, 'first!', 1)
    await commentAt('pv_private', post, 'a word from a private account', 2)
    const top = await commentAt('pv_newest', post, `a long one ${'word '.repeat(60)}end`, 3)
    await commentAt('pv_author', post, 'a reply is not previewed', 4, top)
    await commentAt('pv_gone', post, 'by one who will be suspended', 5)
    await commentAt('pv_blocker', post, 'by one who blocks the viewer', 6)
    await as('pv_blocker', 'POST', '/api/v1/users/pv_viewer/block')
    await t.h.users.suspend(u.pv_gone!.id, 'test', null)
    pages.guest = t.agent('10.9.0.1')
    pages.pv_viewer = t.agent('10.9.0.2')
    await pages.pv_viewer.loginViaForm('pv_viewer')
  })
  after(() => t.close())

  it('names someone the viewer follows before a newer liker, never the viewer, and counts only likers they may see', async () => {
    const v = await view('pv_viewer')
    assert.deepEqual(v.liked_by, { username: 'pv_friend', display_name: 'pv_friend' })
    // friend, newest and the viewer: the blocker (blocked either way) and the suspended member are missing.
    assert.equal(v.likes_count, 3)
    const likers = (await (await t.request('GET', `/api/v1/posts/${post}/likes`, { token: u.pv_viewer!.token })).json()) as { data: { username: string }[] }
    assert.equal(likers.data.length, v.likes_count, 'the count is the likers list’s length')
    const html = await pages.pv_viewer!.text('/u/pv_author?view=list')
    assert.match(html, new RegExp(`<a href="/p/${post}/likes">Liked by <strong>pv_friend</strong> and 2 others</a>`))
  })

  it('names the newest liker to one who follows none of them, and a blocked liker is neither named nor counted', async () => {
    const stranger = await view('pv_stranger')
    assert.deepEqual([stranger.liked_by?.username, stranger.likes_count], ['pv_blocker', 4], 'the blocker blocked only the viewer')
    const guest = await view('guest')
    assert.deepEqual([guest.liked_by?.username, guest.likes_count], ['pv_blocker', 4])
    // The blocker's own view: the viewer they blocked is missing to them too.
    const blocker = await view('pv_blocker')
    assert.deepEqual([blocker.liked_by?.username, blocker.likes_count], ['pv_newest', 3])
    await t.h.db.deleteFrom('follows').where('follower_id', '=', u.pv_viewer!.id).execute()
    try {
      const v = await view('pv_viewer')
      assert.deepEqual([v.liked_by?.username, v.likes_count], ['pv_newest', 3], 'without follows: the newest liker the viewer may see')
    } finally {
      await as('pv_viewer', 'POST', '/api/v1/users/pv_friend/follow')
    }
  })

  it('says "1 like" when the only liker is the viewer, and nothing when there are none', async () => {
    assert.equal((await view('pv_viewer', other)).liked_by, null)
    await as('pv_viewer', 'POST', `/api/v1/posts/${other}/like`)
    const v = await view('pv_viewer', other)
    assert.deepEqual([v.liked_by, v.likes_count], [null, 1])
    assert.match(await pages.pv_viewer!.text(`/p/${other}`), new RegExp(`<a href="/p/${other}/likes">1 like</a>`))
    await as('pv_viewer', 'DELETE', `/api/v1/posts/${other}/like`)
    assert.doesNotMatch(await pages.pv_viewer!.text(`/p/${other}`), /data-liked-by/)
  })

  it('previews the newest top-level comments the comments list shows each viewer, oldest first, cut short', async () => {
    for (const viewer of ['guest', 'pv_viewer', 'pv_stranger', 'pv_private', 'pv_blocker'] as const) {
      const token = viewer === 'guest' ? undefined : u[viewer]!.token
      const list = ((await (await t.request('GET', `/api/v1/posts/${post}/comments`, { token })).json()) as { data: { id: number; author: { username: string } }[] }).data
      const v = await view(viewer)
      assert.deepEqual(
        v.comments_preview.map((c: any) => c.id),
        list.slice(-2).map((c) => c.id),
        `${viewer}: the preview is the end of the list it gets`,
      )
    }
    const v = await view('pv_viewer')
    // The blocker's (blocked) and the suspended member's are missing; the private account's shows as it does in the list.
    assert.deepEqual(v.comments_preview.map((c: any) => c.author.username), ['pv_private', 'pv_newest'])
    assert.equal(v.comments_preview[1].text, cutText(`a long one ${'word '.repeat(60)}end`))
    assert.ok([...v.comments_preview[1].text].length <= 140 && v.comments_preview[1].text.endsWith('…'))
    assert.deepEqual((await view('guest')).comments_preview.map((c: any) => c.author.username), ['pv_newest', 'pv_blocker'])
    assert.doesNotMatch(JSON.stringify(await view('pv_stranger')), /one who will be suspended/)
  })

  it('shows the preview and "View all N comments" on list cards, not on the post page, without the hidden ones', async () => {
    const list = await pages.pv_viewer!.text('/u/pv_author?view=list')
    const card = list.slice(list.indexOf(`id="post-${post}"`))
    const preview = card.slice(card.indexOf('data-comment-preview'), card.indexOf('</article>'))
    assert.match(preview, new RegExp(`<a href="/p/${post}#comments" class="muted">View all ${(await view('pv_viewer')).comments_count} comments</a>`))
    assert.match(preview, /a word from a private account/)
    assert.doesNotMatch(preview, /blocks the viewer|will be suspended|reply is not previewed/)
    assert.doesNotMatch(await pages.pv_viewer!.text(`/p/${post}`), /data-comment-preview/, 'the post page shows the comments themselves')
  })

  it('reads a page of posts in one statement whatever its size', async () => {
    let statements = 0
    const counted = t.h.db.withPlugin({
      transformQuery: (args) => (statements++, args.node),
      transformResult: async (args) => args.result,
    })
    for (const size of [1, 40]) {
      statements = 0
      const ids = Array.from({ length: size }, (_, i) => (i % 2 ? other : post))
      const out = await postPreviews(counted, u.pv_viewer!.id, ids)
      assert.equal(out.get(post)?.liked_by?.username, 'pv_friend')
      assert.equal(statements, 1, `${size} posts: one statement`)
    }
  })
  it('cuts a text at a word with an ellipsis, and leaves a short one alone', () => {
    assert.equal(cutText('short  and\nsweet'), 'short and sweet')
    const cut = cutText('aaaa '.repeat(50), 20)
    assert.ok([...cut].length <= 20 && cut.endsWith('…') && !cut.includes('a…a'), cut)
  })
})
