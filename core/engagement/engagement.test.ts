// Reactions, comments, bookmarks and collections, each rule with its bad inputs.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Envelope = { status: string; data: any; pagination?: { next_cursor: string | null; has_more: boolean }; error: { code: string; message: string; details: any } }
const body = async (res: Response) => (await res.json()) as Envelope

describe('engagement', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  let pub: number
  before(async () => {
    t = await createTestApp()
    for (const n of ['poster', 'fan', 'other', 'mod']) tok[n] = (await t.register(n)).token
    await t.h.users.setRole((await t.h.users.find('mod'))!.id, 'moderator', null)
    pub = (await body(await call('poster', 'POST', '/api/v1/posts', { text: 'a public post' }))).data.id
  })
  after(() => t.close())
  const call = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? tok[who] : undefined, json })

  it('keeps one reaction per member per post, switching allowed, with exact counts and the likers list', async () => {
    assert.deepEqual((await body(await call('fan', 'POST', `/api/v1/posts/${pub}/like`))).data, { likes_count: 1, dislikes_count: 0, reaction: 'like' })
    assert.deepEqual((await body(await call('fan', 'POST', `/api/v1/posts/${pub}/like`))).data.likes_count, 1, 'twice is once')
    assert.deepEqual((await body(await call('fan', 'POST', `/api/v1/posts/${pub}/dislike`))).data, { likes_count: 0, dislikes_count: 1, reaction: 'dislike' })
    await call('other', 'POST', `/api/v1/posts/${pub}/like`)
    await call('fan', 'POST', `/api/v1/posts/${pub}/like`)
    const likers = await body(await call(null, 'GET', `/api/v1/posts/${pub}/likes`))
    assert.deepEqual(likers.data.map((u: any) => u.username), ['fan', 'other'])
    assert.deepEqual((await body(await call('fan', 'DELETE', `/api/v1/posts/${pub}/like`))).data, { likes_count: 1, dislikes_count: 0, reaction: null })
    assert.equal((await call(null, 'POST', `/api/v1/posts/${pub}/like`)).status, 401)
  })

  it('refuses a like on a post you may not see, exactly as one that does not exist', async () => {
    const secret = (await body(await call('poster', 'POST', '/api/v1/posts', { text: 'only me', visibility: 'only_me' }))).data.id
    for (const path of [`/api/v1/posts/${secret}/like`, '/api/v1/posts/999999/like', `/api/v1/posts/${secret}/bookmark`, `/api/v1/posts/${secret}/comments`]) {
      const res = await call('fan', 'POST', path, path.endsWith('comments') ? { text: 'hi' } : undefined)
      assert.equal(res.status, 404, path)
      assert.equal((await body(res)).error.code, 'NOT_FOUND')
    }
    assert.equal((await call('fan', 'GET', `/api/v1/posts/${secret}/likes`)).status, 404)
  })

  it('comments with one level of replies, mentions, likes, edits and deletions by the right people', async () => {
    const c1 = (await body(await call('fan', 'POST', `/api/v1/posts/${pub}/comments`, { text: 'Great! @other' }))).data
    assert.match(c1.html, /<a href="\/u\/other" class="mention">@other<\/a>/)
    const r1 = (await body(await call('other', 'POST', `/api/v1/posts/${pub}/comments`, { text: 'Thanks', parent_id: c1.id }))).data
    const r2 = (await body(await call('poster', 'POST', `/api/v1/posts/${pub}/comments`, { text: 'reply to a reply', parent_id: r1.id }))).data
    assert.equal(r2.parent_id, c1.id, 'a reply to a reply joins the thread')
    const list = (await body(await call(null, 'GET', `/api/v1/posts/${pub}/comments`))).data
    assert.equal(list.length, 1)
    assert.deepEqual(list[0].replies.map((r: any) => r.text), ['Thanks', 'reply to a reply'])
    assert.equal((await body(await call(null, 'GET', `/api/v1/posts/${pub}`))).data.comments_count, 3)

    assert.deepEqual((await body(await call('poster', 'POST', `/api/v1/comments/${c1.id}/like`))).data, { likes_count: 1, liked: true })
    assert.equal((await call('other', 'PUT', `/api/v1/comments/${c1.id}`, { text: 'not mine' })).status, 403)
    const edited = (await body(await call('fan', 'PUT', `/api/v1/comments/${c1.id}`, { text: 'Great, edited' }))).data
    assert.ok(edited.edited_at)
    assert.equal((await call('other', 'DELETE', `/api/v1/comments/${c1.id}`)).status, 403, 'not the author of the comment or the post')
    assert.equal((await call('poster', 'DELETE', `/api/v1/comments/${r1.id}`)).status, 200, 'the post’s author may delete')
    assert.equal((await call('mod', 'DELETE', `/api/v1/comments/${c1.id}`)).status, 200, 'staff may delete')
    assert.equal((await body(await call(null, 'GET', `/api/v1/posts/${pub}`))).data.comments_count, 0, 'replies went with their comment')
    const bad = await call('fan', 'POST', `/api/v1/posts/${pub}/comments`, { text: 'x'.repeat(2001) })
    assert.match((await body(bad)).error.details.fields.text, /at most 2000/)
    assert.equal((await call('fan', 'POST', `/api/v1/posts/${pub}/comments`, { text: '  ' })).status, 400)
  })

  it('refuses comments when they are off, and follows the author’s "who can comment"', async () => {
    const off = (await body(await call('poster', 'POST', '/api/v1/posts', { text: 'no comments please', comments_enabled: false }))).data.id
    const res = await call('fan', 'POST', `/api/v1/posts/${off}/comments`, { text: 'hi' })
    assert.equal(res.status, 403)
    assert.match((await body(res)).error.message, /Comments are turned off/)
    await call('poster', 'PUT', '/api/v1/users/me/privacy', { who_can_comment: 'followers' })
    assert.equal((await call('fan', 'POST', `/api/v1/posts/${pub}/comments`, { text: 'hi' })).status, 403)
    await call('fan', 'POST', '/api/v1/users/poster/follow')
    assert.equal((await call('fan', 'POST', `/api/v1/posts/${pub}/comments`, { text: 'hi as follower' })).status, 201)
    await call('poster', 'PUT', '/api/v1/users/me/privacy', { who_can_comment: 'nobody' })
    assert.equal((await call('fan', 'POST', `/api/v1/posts/${pub}/comments`, { text: 'hi again' })).status, 403)
    assert.equal((await call('poster', 'POST', `/api/v1/posts/${pub}/comments`, { text: 'the author always can' })).status, 201)
    assert.equal((await call('poster', 'PUT', '/api/v1/users/me/privacy', { who_can_comment: 'aliens' })).status, 400)
    await call('poster', 'PUT', '/api/v1/users/me/privacy', { who_can_comment: 'everyone' })
  })

  it('keeps bookmarks private, and a collection never shows a post its viewer may not see', async () => {
    await call('fan', 'POST', `/api/v1/posts/${pub}/bookmark`)
    assert.deepEqual((await body(await call('fan', 'GET', '/api/v1/users/me/bookmarks'))).data.map((p: any) => p.id), [pub])
    assert.deepEqual((await body(await call('other', 'GET', '/api/v1/users/me/bookmarks'))).data, [])

    const col = (await body(await call('fan', 'POST', '/api/v1/collections', { name: 'Wishlist', visibility: 'public' }))).data
    assert.equal((await call('fan', 'POST', '/api/v1/collections', { name: 'wishlist' })).status, 409)
    assert.equal((await call('fan', 'POST', '/api/v1/collections', { name: '' })).status, 400)
    const followersOnly = (await body(await call('poster', 'POST', '/api/v1/posts', { text: 'for followers', visibility: 'followers' }))).data.id
    await call('fan', 'POST', `/api/v1/collections/${col.id}/posts/${pub}`)
    await call('fan', 'POST', `/api/v1/collections/${col.id}/posts/${followersOnly}`)
    assert.deepEqual((await body(await call('fan', 'GET', `/api/v1/collections/${col.id}`))).data.posts.length, 2)
    const seenByOther = (await body(await call('other', 'GET', `/api/v1/collections/${col.id}`))).data
    assert.deepEqual(seenByOther.posts.map((p: any) => p.id), [pub], 'the followers-only post is left out for a non-follower')
    assert.equal(seenByOther.posts_count, 1)
    assert.equal(seenByOther.share_url, undefined)

    const priv = (await body(await call('fan', 'POST', '/api/v1/collections', { name: 'My Fitness Tips', visibility: 'private' }))).data
    assert.equal((await call('other', 'GET', `/api/v1/collections/${priv.id}`)).status, 404)
    const token = priv.share_url.split('/').pop()
    assert.equal((await call(null, 'GET', `/api/v1/collections/shared/${token}`)).status, 200, 'shareable by link')
    assert.equal((await call('other', 'POST', `/api/v1/collections/${col.id}/posts/${pub}`)).status, 403)
    const secret = (await body(await call('poster', 'POST', '/api/v1/posts', { text: 'mine only', visibility: 'only_me' }))).data.id
    assert.equal((await call('fan', 'POST', `/api/v1/collections/${col.id}/posts/${secret}`)).status, 404)
    assert.deepEqual((await body(await call('other', 'GET', '/api/v1/collections?user=fan'))).data.map((c: any) => c.name), ['Wishlist'])
    const renamed = (await body(await call('fan', 'PUT', `/api/v1/collections/${col.id}`, { name: 'Wishes' }))).data
    assert.deepEqual([renamed.name, renamed.visibility], ['Wishes', 'public'], 'a rename keeps it public')
  })
})
