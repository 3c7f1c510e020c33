// Post like and comment counts equal the lists each viewer gets: after a suspension, an unsuspension and a block,
// on the post card of a page, the post API and the feed API (decision 017).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type Agent, type TestApp } from '../../test/harness.js'

describe('post counts equal the lists the viewer gets', () => {
  let t: TestApp
  const u: Record<string, { id: number; token: string }> = {}
  const pages: Record<string, Agent> = {}
  let post = 0
  const VIEWERS = ['guest', 'pc_stranger', 'pc_viewer', 'pc_author'] as const

  before(async () => {
    t = await createTestApp()
    for (const name of ['pc_author', 'pc_liker', 'pc_gone', 'pc_blocked', 'pc_replier', 'pc_stranger', 'pc_viewer']) u[name] = await t.register(name)
    const as = async (name: string, method: string, path: string, json?: unknown) => {
      const res = await t.request(method, path, { token: u[name]!.token, json })
      assert.ok(res.ok, `${name} ${method} ${path}: ${res.status}`)
      return ((await res.json()) as { data: { id: number } }).data
    }
    post = (await as('pc_author', 'POST', '/api/v1/posts', { text: 'counted', visibility: 'public' })).id
    const comment = (name: string, text: string, parent_id?: number) => as(name, 'POST', `/api/v1/posts/${post}/comments`, { text, parent_id })
    const top = (await comment('pc_liker', 'a comment')).id
    const gone = (await comment('pc_gone', 'a comment by one who will be suspended')).id
    const blocked = (await comment('pc_blocked', 'a comment by one the viewer will block')).id
    await comment('pc_gone', 'a reply by one who will be suspended', top)
    await comment('pc_blocked', 'a reply by one the viewer will block', top)
    await comment('pc_replier', 'a reply under the suspended one', gone)
    await comment('pc_replier', 'a reply under the blocked one', blocked)
    for (const name of ['pc_liker', 'pc_gone', 'pc_blocked', 'pc_replier']) await as(name, 'POST', `/api/v1/posts/${post}/like`)
    pages.guest = t.agent('10.7.0.1')
    for (const [i, name] of ['pc_stranger', 'pc_viewer', 'pc_author'].entries()) {
      pages[name] = t.agent(`10.7.0.${i + 2}`)
      await pages[name].loginViaForm(name)
    }
  })
  after(() => t.close())

  async function json<T>(viewer: string, path: string): Promise<T> {
    const res = await t.request('GET', path, { token: viewer === 'guest' ? undefined : u[viewer]!.token })
    assert.equal(res.status, 200, `${viewer} GET ${path}`)
    return ((await res.json()) as { data: T }).data
  }

  /** For each viewer: the lists' lengths, and the counts on the page's card, the post API and the feed API. */
  async function check(when: string) {
    for (const viewer of VIEWERS) {
      const likes = (await json<unknown[]>(viewer, `/api/v1/posts/${post}/likes`)).length
      const comments = (await json<{ replies: unknown[] }[]>(viewer, `/api/v1/posts/${post}/comments`)).reduce((n, c) => n + 1 + c.replies.length, 0)
      const html = await pages[viewer]!.text(`/p/${post}`)
      const card = html.slice(html.indexOf(`id="reactions-${post}"`))
      const onPage = { likes: Number(card.match(/>Likes?<\/span> (?:<span data-like-count="true">)?(\d+)/)?.[1]), comments: Number(card.match(/>Comments<\/span> (\d+)/)?.[1]) }
      const api = await json<{ likes_count: number; comments_count: number }>(viewer, `/api/v1/posts/${post}`)
      const feed = (await json<{ id: number; likes_count: number; comments_count: number }[]>(viewer, `/api/v1/feed/user/${u.pc_author!.id}`)).find((p) => p.id === post)!
      const want = { likes, comments }
      assert.deepEqual(onPage, want, `${when}: ${viewer}'s post card`)
      assert.deepEqual({ likes: api.likes_count, comments: api.comments_count }, want, `${when}: ${viewer}'s post API`)
      assert.deepEqual({ likes: feed.likes_count, comments: feed.comments_count }, want, `${when}: ${viewer}'s feed API`)
    }
  }

  it('counts what every viewer lists before anything is hidden', async () => {
    await check('at first')
    assert.equal((await json<unknown[]>('guest', `/api/v1/posts/${post}/likes`)).length, 4)
  })

  it('leaves a suspended member’s likes and comments (and the replies under them) out of every count', async () => {
    await t.h.users.suspend(u.pc_gone!.id, 'spam', null)
    await check('after a suspension')
    assert.equal((await json<unknown[]>('guest', `/api/v1/posts/${post}/likes`)).length, 3)
  })

  it('counts them again when the member is unsuspended', async () => {
    await t.h.users.unsuspend(u.pc_gone!.id, null)
    await check('after an unsuspension')
  })

  it('leaves out, for the viewer only, the likes and comments of a member blocked with them', async () => {
    const res = await t.request('POST', `/api/v1/users/${u.pc_blocked!.id}/block`, { token: u.pc_viewer!.token })
    assert.equal(res.status, 200)
    await check('after a block')
    assert.equal((await json<unknown[]>('pc_viewer', `/api/v1/posts/${post}/likes`)).length, 3)
    assert.equal((await json<unknown[]>('pc_stranger', `/api/v1/posts/${post}/likes`)).length, 4)
    const liked = await t.request('POST', `/api/v1/posts/${post}/like`, { token: u.pc_viewer!.token })
    assert.equal(((await liked.json()) as { data: { likes_count: number } }).data.likes_count, 4, 'the like answer counts what the viewer lists')
    await t.h.users.suspend(u.pc_gone!.id, 'spam again', null)
    await check('after a block and a suspension')
  })

  it('keeps the counts equal when a comment is deleted under a suspended member’s reply', async () => {
    const top = (await json<{ id: number; author: { username: string } }[]>('pc_author', `/api/v1/posts/${post}/comments`)).find((c) => c.author.username === 'pc_liker')!
    const res = await t.request('DELETE', `/api/v1/comments/${top.id}`, { token: u.pc_author!.token })
    assert.ok(res.ok, `delete: ${res.status}`)
    await check('after a delete')
  })
})
