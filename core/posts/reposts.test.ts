// Reposts and quotes: who may repost what, the original's audience re-checked for every viewer (blocks, deletion, a
// post leaving the public, reposts turned off), idempotency, per-viewer counts, notifications and feed delivery.
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { repostFactsQuery } from './reposts.js'
import { visibleTo } from './visibility.js'

type Envelope = { status: string; data: any; error?: { code: string; message: string } }

describe('reposts and quotes', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}
  // author writes; rita reposts (fan follows rita only, both follows rita and author); outsider follows nobody;
  // quinn quotes; private is a private account followed by rita.
  const names = ['author', 'rita', 'fan', 'both', 'outsider', 'quinn', 'priv']
  before(async () => {
    t = await createTestApp()
    for (const n of names) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
    for (const [who, whom] of [['fan', 'rita'], ['both', 'rita'], ['both', 'author'], ['fan', 'quinn'], ['rita', 'author']] as const) {
      assert.equal((await call(who, 'POST', `/api/v1/users/${whom}/follow`)).status, 200)
    }
    await call('priv', 'PUT', '/api/v1/users/me', { is_private: true })
    await call('rita', 'POST', '/api/v1/users/priv/follow')
    await t.h.social.answerRequest(id.priv!, id.rita!, true)
  })
  after(() => t.close())
  beforeEach(async () => {
    await t.h.queue.drain()
  })

  const call = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? tok[who] : undefined, json })
  const body = async (res: Response) => (await res.json()) as Envelope
  const post = async (who: string, json: Record<string, unknown>) => (await body(await call(who, 'POST', '/api/v1/posts', json))).data
  const repost = (who: string, postId: number) => call(who, 'POST', `/api/v1/posts/${postId}/repost`)
  const home = async (who: string) => {
    await t.h.queue.drain()
    return (await body(await call(who, 'GET', '/api/v1/feed/home?limit=50'))).data as any[]
  }
  const getPost = async (who: string | null, postId: number) => body(await call(who, 'GET', `/api/v1/posts/${postId}`))
  /** The plain reposts of `original` in a member's home feed. */
  const repostsIn = async (who: string, original: number) => (await home(who)).filter((p) => p.repost_of?.id === original)

  it('delivers a plain repost to the reposter’s followers as the original with who reposted it, and to no one else', async () => {
    const p = await post('author', { text: 'worth sharing' })
    const res = await repost('rita', p.id)
    assert.equal(res.status, 201)
    const r = (await body(res)).data
    assert.equal(r.author.username, 'rita')
    assert.equal(r.text, '')
    assert.equal(r.repost_of.id, p.id)
    assert.equal(r.repost_of.text, 'worth sharing')
    assert.equal((await getPost('rita', r.id)).data.repost_of.id, p.id, 'the reposter reads their repost by id')
    const edit = await call('rita', 'PUT', `/api/v1/posts/${r.id}`, { text: 'changed' })
    assert.equal(edit.status, 409)
    assert.match((await body(edit)).error!.message, /A repost cannot be changed/)
    const seen = await repostsIn('fan', p.id)
    assert.equal(seen.length, 1, 'a follower of the reposter gets it')
    assert.equal(seen[0].author.username, 'rita')
    assert.equal((await repostsIn('outsider', p.id)).length, 0, 'a member following neither sees nothing')
    assert.equal((await home('outsider')).length, 0)
    // Muting the original's author hides it reposted too (home feed only).
    await call('fan', 'POST', '/api/v1/users/author/mute')
    assert.equal((await repostsIn('fan', p.id)).length, 0, 'muted author, reposted')
    await call('fan', 'DELETE', '/api/v1/users/author/mute')
    assert.equal((await repostsIn('fan', p.id)).length, 1)
    // A plain repost has no page of its own: its address leads to the original's.
    const fanAgent = t.agent('10.7.7.8')
    await fanAgent.loginViaForm('fan')
    const page = await fanAgent.get(`/p/${r.id}`)
    assert.equal(page.status, 303)
    assert.equal(page.headers.get('location'), `/p/${p.id}`)
    // The reposter's profile lists their own posts only.
    const profile = (await body(await call('fan', 'GET', '/api/v1/feed/user/rita'))).data as any[]
    assert.ok(!profile.some((x) => x.repost_of), 'no plain repost on the profile')
    // The original's author is told, and the counts show it.
    assert.equal((await getPost('fan', p.id)).data.reposts_count, 1)
  })

  it('shows an original once in a page of the home feed, however many followees reposted it', async () => {
    const p = await post('author', { text: 'reposted twice' })
    assert.equal((await repost('rita', p.id)).status, 201)
    assert.equal((await call('both', 'POST', '/api/v1/users/quinn/follow')).status, 200)
    assert.equal((await repost('quinn', p.id)).status, 201)
    // "both" follows the author (the original itself), rita and quinn (two reposts): one card.
    const feed = await home('both')
    assert.equal(feed.filter((x) => (x.repost_of?.id ?? x.id) === p.id).length, 1)
    assert.equal(feed.find((x) => (x.repost_of?.id ?? x.id) === p.id).author.username, 'quinn', 'the newest repost stands for it')
    await call('both', 'DELETE', '/api/v1/users/quinn/follow')
  })

  it('is idempotent: one repost per member and post; undo takes it out of feeds; undo again is no error', async () => {
    const p = await post('author', { text: 'once only' })
    const first = (await body(await repost('rita', p.id))).data
    const again = await repost('rita', p.id)
    assert.equal(again.status, 200)
    assert.equal((await body(again)).data.id, first.id, 'the same repost')
    // Reposting the repost reposts the original (the same one).
    assert.equal((await body(await repost('rita', first.id))).data.id, first.id)
    assert.equal((await getPost('rita', p.id)).data.reposted, true)
    assert.equal((await getPost('rita', p.id)).data.reposts_count, 1)
    const undo = await call('rita', 'DELETE', `/api/v1/posts/${p.id}/repost`)
    assert.equal(undo.status, 200)
    assert.deepEqual((await body(undo)).data, { reposted: false })
    assert.equal((await repostsIn('fan', p.id)).length, 0)
    assert.equal((await getPost('rita', p.id)).data.reposted, false)
    assert.equal((await getPost('rita', p.id)).data.reposts_count, 0)
    assert.equal((await call('rita', 'DELETE', `/api/v1/posts/${p.id}/repost`)).status, 200)
    assert.equal((await getPost('fan', first.id)).status, 'error', 'the undone repost is gone')
  })

  it('lets only public posts be reposted or quoted by others; one’s own followers-only post by oneself alone', async () => {
    const followers = await post('author', { text: 'for followers', visibility: 'followers' })
    const res = await repost('rita', followers.id)
    assert.equal(res.status, 403)
    const err = (await body(res)).error!
    assert.equal(err.code, 'FORBIDDEN')
    assert.match(err.message, /Only public posts/)
    assert.equal((await getPost('rita', followers.id)).data.can_repost, false)
    const quote = await call('rita', 'POST', '/api/v1/posts', { text: 'look', quote_of: followers.id })
    assert.equal(quote.status, 403)
    // A public post of a private account is not public either.
    const privPost = await post('priv', { text: 'private account' })
    assert.equal((await getPost('rita', privPost.id)).status, 'success', 'rita follows the private account')
    assert.equal((await repost('rita', privPost.id)).status, 403)
    // The author may repost their own followers-only post: it stays with their followers.
    const own = await repost('author', followers.id)
    assert.equal(own.status, 201)
    const ownRepost = (await body(own)).data
    assert.equal(ownRepost.visibility, 'followers')
    assert.equal((await repostsIn('both', followers.id)).length <= 1, true)
    assert.equal((await getPost('outsider', ownRepost.id)).status, 'error', 'a stranger sees neither the repost nor the post')
    // Only-me posts: not even by their author.
    const mine = await post('author', { text: 'diary', visibility: 'only_me' })
    assert.equal((await repost('author', mine.id)).status, 403)
    // Hidden equals missing: someone who may not see it gets NOT_FOUND.
    assert.equal((await repost('outsider', followers.id)).status, 404)
  })

  it('re-checks the original for each viewer: a block either way hides the repost and empties the quote’s card, like a deleted post', async () => {
    const p = await post('author', { text: 'blocked later' })
    const r = (await body(await repost('rita', p.id))).data
    const q = await post('quinn', { text: 'my take', quote_of: p.id })
    assert.equal(q.quote.available, true)
    assert.equal(q.quote.post.id, p.id)
    assert.equal((await repostsIn('fan', p.id)).length, 1)
    // The original's author blocks the viewer: the repost is missing for them, the quote says unavailable.
    await t.h.safety.block(id.author!, 'fan')
    assert.equal((await repostsIn('fan', p.id)).length, 0)
    const hiddenRepost = await call('fan', 'GET', `/api/v1/posts/${r.id}`)
    const missing = await call('fan', 'GET', '/api/v1/posts/999999')
    assert.equal(hiddenRepost.status, 404)
    assert.deepEqual((await body(hiddenRepost)).error, (await body(missing)).error)
    const blockedQuote = (await getPost('fan', q.id)).data
    assert.deepEqual(blockedQuote.quote, { available: false })
    assert.equal((await getPost('fan', q.id)).data.text, 'my take', 'the quote itself still shows')
    await t.h.safety.unblock(id.author!, 'fan')
    // The viewer blocks the original's author: the same.
    await t.h.safety.block(id.fan!, 'author')
    assert.equal((await repostsIn('fan', p.id)).length, 0)
    assert.deepEqual((await getPost('fan', q.id)).data.quote, { available: false })
    await t.h.safety.unblock(id.fan!, 'author')
    assert.equal((await repostsIn('fan', p.id)).length, 1)
    // The reposter and the original's author: a repost across a block is refused, and one made before is hidden.
    await t.h.safety.block(id.author!, 'rita')
    assert.equal((await repostsIn('fan', p.id)).length, 0, 'hidden from everyone once they block each other')
    assert.equal((await repost('rita', p.id)).status, 404, 'the post is missing for the reposter')
    await t.h.safety.unblock(id.author!, 'rita')
    // Deleted: the repost goes with it, and the quote's card answers exactly as a hidden one.
    assert.equal((await call('author', 'DELETE', `/api/v1/posts/${p.id}`)).status, 200)
    assert.equal((await repostsIn('fan', p.id)).length, 0)
    assert.equal((await getPost('rita', r.id)).status, 'error')
    assert.deepEqual((await getPost('fan', q.id)).data.quote, blockedQuote.quote)
  })

  it('takes reposts away when the original leaves the public, even from viewers who may still see it', async () => {
    const p = await post('author', { text: 'public for now' })
    await repost('rita', p.id)
    const q = await post('quinn', { text: 'quoted', quote_of: p.id })
    assert.equal((await repostsIn('both', p.id)).length, 1)
    await call('author', 'PUT', `/api/v1/posts/${p.id}`, { visibility: 'followers' })
    // "both" follows the author and may see the post itself, but not as rita's repost.
    assert.equal((await getPost('both', p.id)).status, 'success')
    assert.equal((await repostsIn('both', p.id)).length, 0)
    assert.deepEqual((await getPost('fan', q.id)).data.quote, { available: false })
    assert.equal((await getPost('both', p.id)).data.reposts_count, 0, 'counts follow')
    await call('author', 'PUT', `/api/v1/posts/${p.id}`, { visibility: 'public' })
    assert.equal((await repostsIn('both', p.id)).length, 1, 'back when it is public again')
  })

  it('refuses reposts and quotes when the author turned them off, for the account or the post, and hides those made before', async () => {
    const p = await post('author', { text: 'not for sharing', reposts_enabled: false })
    assert.equal(p.reposts_enabled, false)
    const off = await repost('rita', p.id)
    assert.equal(off.status, 403)
    assert.match((await body(off)).error!.message, /turned reposts off for this post/)
    assert.equal((await call('rita', 'POST', '/api/v1/posts', { text: 'q', quote_of: p.id })).status, 403)
    assert.equal((await getPost('rita', p.id)).data.can_repost, false)

    const open = await post('author', { text: 'shared then closed' })
    await repost('rita', open.id)
    const q = await post('quinn', { text: 'quoted', quote_of: open.id })
    assert.equal((await call('author', 'PUT', '/api/v1/users/me/privacy', { allow_reposts: false })).status, 200)
    const refused = await repost('quinn', open.id)
    assert.equal(refused.status, 403)
    assert.match((await body(refused)).error!.message, /turned reposts off for their posts/)
    assert.equal((await repostsIn('fan', open.id)).length, 0, 'earlier reposts are hidden')
    assert.deepEqual((await getPost('fan', q.id)).data.quote, { available: false })
    await call('author', 'PUT', '/api/v1/users/me/privacy', { allow_reposts: true })
    assert.equal((await repostsIn('fan', open.id)).length, 1)
    // The per-post switch through an edit.
    await call('author', 'PUT', `/api/v1/posts/${open.id}`, { reposts_enabled: false })
    assert.equal((await repostsIn('fan', open.id)).length, 0)
  })

  it('counts the reposts and quotes each viewer may see', async () => {
    const p = await post('author', { text: 'counted' })
    await repost('rita', p.id)
    await repost('quinn', p.id)
    await post('quinn', { text: 'and a quote', quote_of: p.id })
    const seen = (await getPost('outsider', p.id)).data
    assert.equal(seen.reposts_count, 2)
    assert.equal(seen.quotes_count, 1)
    // A viewer blocked with quinn sees neither quinn's repost nor quinn's quote counted.
    await t.h.safety.block(id.outsider!, 'quinn')
    const fewer = (await getPost('outsider', p.id)).data
    assert.equal(fewer.reposts_count, 1)
    assert.equal(fewer.quotes_count, 0)
    await t.h.safety.unblock(id.outsider!, 'quinn')
    // Guests count as anyone would.
    assert.equal((await getPost(null, p.id)).data.reposts_count, 2)
    assert.equal((await getPost(null, p.id)).data.can_repost, false)
  })

  it('tells the original’s author: reposts grouped per post, a quote leading to the quote; never their own', async () => {
    const p = await post('author', { text: 'notify me' })
    await repost('rita', p.id)
    await repost('quinn', p.id)
    await repost('author', p.id)
    const q = await post('rita', { text: 'quoting you', quote_of: p.id })
    const list = (await body(await call('author', 'GET', '/api/v1/notifications'))).data as any[]
    const reposts = list.filter((n) => n.type === 'repost' && n.post_id === p.id)
    assert.equal(reposts.length, 1)
    assert.equal(reposts[0].text, 'quinn and rita reposted your post')
    assert.equal(reposts[0].url, `/p/${p.id}`)
    const quote = list.find((n) => n.type === 'quote' && n.post_id === q.id)
    assert.equal(quote?.text, 'rita quoted your post')
    assert.equal(quote?.url, `/p/${q.id}`)
    assert.equal(list.filter((n) => n.type === 'repost' && n.actors.some((a: any) => a.username === 'author')).length, 0)
  })

  it('shows the Repost menu only where the viewer may repost, and the forms work without JavaScript', async () => {
    // The block test above ended rita's follow of the author (a block removes follows).
    await call('rita', 'POST', '/api/v1/users/author/follow')
    const p = await post('author', { text: 'by form' })
    const followers = await post('author', { text: 'followers form', visibility: 'followers' })
    const agent = t.agent('10.7.7.7')
    await agent.loginViaForm('rita')
    const page = await agent.text(`/p/${p.id}`)
    assert.match(page, new RegExp(`data-repost-menu="${p.id}"`))
    assert.match(page, new RegExp(`href="/compose\\?quote=${p.id}"`))
    assert.doesNotMatch(await agent.text(`/p/${followers.id}`), /data-repost-menu/)
    const res = await agent.post(`/p/${p.id}/repost`, {})
    assert.equal(res.status, 303)
    assert.equal((await repostsIn('fan', p.id)).length, 1)
    assert.match(await agent.text(`/p/${p.id}`), /Undo repost/)
    // Quote through the compose page.
    const compose = await agent.text(`/compose?quote=${p.id}`)
    assert.match(compose, /Quote a post/)
    assert.match(compose, new RegExp(`name="quote_of" value="${p.id}"`))
    const sent = await agent.post('/compose', { text: 'quoted by form', quote_of: String(p.id), visibility: 'public' })
    assert.equal(sent.status, 303)
    const quoteId = Number(sent.headers.get('location')!.split('/').pop())
    assert.match(await agent.text(`/p/${quoteId}`), new RegExp(`data-quote-card="${p.id}"`))
    const refused = await agent.get(`/compose?quote=${followers.id}`)
    assert.equal(refused.status, 403, await refused.text())
    assert.equal((await agent.post(`/p/${p.id}/unrepost`, {})).status, 303)
    assert.equal((await repostsIn('fan', p.id)).length, 0)
  })

  for (const viewer of [7, null]) {
    it(`reads a page's repost facts by key: each count walks its post's reposts or quotes along their index (viewer ${viewer})`, () => {
      const q = repostFactsQuery(t.h.db, viewer, '[1,2,3]', 1000).compile()
      const plan = (t.h.store.sqlite.prepare(`explain query plan ${q.sql}`).all(...q.parameters) as { detail: string }[]).map((r) => r.detail)
      const text = plan.join('\n')
      assert.match(text, /SEARCH r USING (COVERING )?INDEX posts_repost_of/, text)
      assert.match(text, /SEARCH r USING INDEX posts_quote_of/, text)
      assert.doesNotMatch(text, /SCAN (r|original|o|mine|posts)\b/, text)
    })
    it(`keeps the original's check of a plain repost a lookup by key (viewer ${viewer})`, () => {
      const q = t.h.db.selectFrom('posts').select('posts.id').where('posts.id', 'in', [1, 2, 3]).where(visibleTo(viewer)).compile()
      const plan = (t.h.store.sqlite.prepare(`explain query plan ${q.sql}`).all(...q.parameters) as { detail: string }[]).map((r) => r.detail)
      const text = plan.join('\n')
      assert.match(plan[0]!, /SEARCH posts USING INTEGER PRIMARY KEY/, text)
      assert.match(text, /SEARCH original USING INTEGER PRIMARY KEY/, text)
      assert.doesNotMatch(text, /SCAN (posts|original)\b/, text)
    })
  }
})
