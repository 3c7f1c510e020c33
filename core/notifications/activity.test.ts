// The activity log: a member's own posts, likes, comments and follows, newest first, and nobody else's.
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import type { ActivityItem } from './activity.js'

type Envelope = { data: any; pagination?: { next_cursor: string | null; has_more: boolean } }
const body = async (res: Response) => (await res.json()) as Envelope

describe('activity log', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}
  const posts: Record<string, number> = {}
  let commentId = 0

  const call = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? tok[who] : undefined, json })
  const post = async (who: string, text: string, extra: Record<string, unknown> = {}) => ((await body(await call(who, 'POST', '/api/v1/posts', { text, ...extra }))).data.id as number)
  const activity = async (who: string, query = ''): Promise<Envelope> => body(await call(who, 'GET', `/api/v1/users/me/activity${query}`))
  // Each step a few milliseconds apart, so "newest first" has one answer.
  const step = () => sleep(5)

  before(async () => {
    t = await createTestApp()
    for (const n of ['ana', 'bob', 'cyd']) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
    await call('ana', 'PUT', '/api/v1/users/me', { display_name: 'Ana' })
    posts.ana = await post('ana', 'ana’s post')
    posts.cyd = await post('cyd', 'cyd’s post')
    await step()
    posts.bob = await post('bob', 'My first post\nwith two lines')
    await step()
    posts.later = await post('bob', 'Later', { publish_at: new Date(Date.now() + 3_600_000).toISOString() })
    await step()
    // Reactions and comments as the engagement service stores them.
    await t.h.db.insertInto('reactions').values({ post_id: posts.ana, user_id: id.bob!, kind: 'like', created_at: new Date().toISOString() }).execute()
    await step()
    await t.h.db.insertInto('reactions').values({ post_id: posts.cyd, user_id: id.bob!, kind: 'dislike', created_at: new Date().toISOString() }).execute()
    await step()
    commentId = (await t.h.db.insertInto('comments').values({ post_id: posts.ana, author_id: id.bob!, text: 'Nice one', updated_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow()).id
    await step()
    const anaComment = await t.h.db.insertInto('comments').values({ post_id: posts.ana, author_id: id.ana!, text: 'Thanks', updated_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow()
    await t.h.db.insertInto('comment_likes').values({ comment_id: anaComment.id, user_id: id.bob!, created_at: new Date().toISOString() }).execute()
    await step()
    await call('bob', 'POST', '/api/v1/users/ana/follow')
    await call('ana', 'POST', '/api/v1/users/bob/follow')
  })
  after(() => t.close())

  it('lists a member’s own posts, likes, comments and follows, newest first', async () => {
    const items = (await activity('bob')).data as ActivityItem[]
    assert.deepEqual(
      items.map((a) => [a.kind, a.text, a.url]),
      [
        ['follow', 'You followed Ana', '/u/ana'],
        ['comment_like', 'You liked a comment on a post by Ana', `/p/${posts.ana}#comment-${commentId + 1}`],
        ['comment', 'You commented on a post by Ana: “Nice one”', `/p/${posts.ana}#comment-${commentId}`],
        ['dislike', 'You disliked a post by cyd', `/p/${posts.cyd}`],
        ['like', 'You liked a post by Ana', `/p/${posts.ana}`],
        ['post', 'You scheduled a post: “Later”', `/p/${posts.later}`],
        ['post', 'You posted: “My first post with two lines”', `/p/${posts.bob}`],
      ],
    )
    assert.deepEqual(items[0]!.user, { id: id.ana, username: 'ana', display_name: 'Ana' })
  })

  it('shows only the member’s own history', async () => {
    const anas = (await activity('ana')).data as ActivityItem[]
    assert.deepEqual(anas.map((a) => a.kind), ['follow', 'comment', 'post'])
    assert.ok(anas.every((a) => !a.text.includes('Nice one')))
    assert.equal((await call(null, 'GET', '/api/v1/users/me/activity')).status, 401)
    assert.equal((await call('ana', 'GET', '/api/v1/users/bob/activity')).status, 404)
    const guest = await t.request('GET', '/activity')
    assert.equal(guest.status, 302)
  })

  it('no longer shows or links a post its member may not see any more', async () => {
    await call('cyd', 'PUT', `/api/v1/posts/${posts.cyd}`, { visibility: 'only_me' })
    const dislike = ((await activity('bob')).data as ActivityItem[]).find((a) => a.kind === 'dislike')!
    assert.deepEqual([dislike.text, dislike.url, dislike.post_id, dislike.user], ['You disliked a post that is no longer available', null, null, null])
    await call('cyd', 'PUT', `/api/v1/posts/${posts.cyd}`, { visibility: 'public' })
    await t.h.safety.block(id.ana!, 'bob')
    const items = (await activity('bob')).data as ActivityItem[]
    assert.ok(items.every((a) => !a.text.includes('Ana')), 'nothing names a member who blocked bob')
    assert.equal(items.find((a) => a.kind === 'comment')!.text, 'You commented on a post that is no longer available: “Nice one”')
    await t.h.safety.unblock(id.ana!, 'bob')
  })

  it('pages with a cursor', async () => {
    const all = ((await activity('bob')).data as ActivityItem[]).map((a) => `${a.kind}:${a.at}`)
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res: Envelope = await activity('bob', `?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      seen.push(...res.data.map((a: ActivityItem) => `${a.kind}:${a.at}`))
      cursor = res.pagination!.next_cursor
    } while (cursor)
    assert.deepEqual(seen, all)
    assert.equal((await call('bob', 'GET', '/api/v1/users/me/activity?cursor=bad')).status, 400)
  })

  it('renders the activity page for its member', async () => {
    const a = t.agent('10.0.4.1')
    await a.loginViaForm('bob')
    const html = await a.text('/activity')
    assert.match(html, /<h1>Your activity<\/h1>/)
    assert.match(html, /You commented on (a post by Ana|a post that is no longer available): “Nice one”/)
    assert.doesNotMatch(html, /ana’s post|cyd’s post/, 'no one else’s post text')
  })
})
