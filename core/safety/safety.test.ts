// Blocks work both ways on every path; mutes hide from my feed only; privacy settings for mentions.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Envelope = { status: string; data: any; error: { code: string; message: string; details: any } }
const body = async (res: Response) => (await res.json()) as Envelope

describe('blocks and mutes', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  let blockedPost: number
  before(async () => {
    t = await createTestApp()
    for (const n of ['alice', 'mallory', 'bystander']) tok[n] = (await t.register(n)).token
    await call('alice', 'POST', '/api/v1/users/mallory/follow')
    await call('mallory', 'POST', '/api/v1/users/alice/follow')
    blockedPost = (await body(await call('mallory', 'POST', '/api/v1/posts', { text: 'mallory writes #shared' }))).data.id
    await call('alice', 'POST', '/api/v1/posts', { text: 'alice writes #shared' })
    await t.h.queue.drain()
    assert.equal((await call('alice', 'POST', '/api/v1/users/mallory/block')).status, 200)
  })
  after(() => t.close())
  const call = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? tok[who] : undefined, json })

  it('ends follows both ways and refuses new ones', async () => {
    const alice = (await body(await call('bystander', 'GET', '/api/v1/users/alice'))).data
    assert.deepEqual([alice.followers_count, alice.following_count], [0, 0])
    assert.equal((await call('mallory', 'POST', '/api/v1/users/alice/follow')).status, 404)
    assert.equal((await call('alice', 'POST', '/api/v1/users/mallory/follow')).status, 404)
  })

  it('hides each other’s posts on every path, in both directions', async () => {
    for (const [viewer, author, text] of [['alice', 'mallory', 'mallory writes'], ['mallory', 'alice', 'alice writes']] as const) {
      for (const path of ['/api/v1/feed/home', '/api/v1/feed/explore', '/api/v1/hashtags/shared/posts']) {
        assert.ok(!(await (await call(viewer, 'GET', path)).text()).includes(text), `${viewer} sees ${author} at ${path}`)
      }
      assert.equal((await call(viewer, 'GET', `/api/v1/users/${author}`)).status, 404, 'profile')
      assert.equal((await call(viewer, 'GET', `/api/v1/feed/user/${author}`)).status, 404, 'timeline')
      assert.equal((await call(viewer, 'GET', `/api/v1/users/${author}/followers`)).status, 404)
    }
    assert.equal((await call('alice', 'GET', `/api/v1/posts/${blockedPost}`)).status, 404)
    const page = await t.agent('10.5.0.1')
    await page.loginViaForm('alice')
    assert.equal((await page.get('/u/mallory')).status, 404)
    assert.equal((await page.get(`/p/${blockedPost}`)).status, 404)
    assert.doesNotMatch(await page.text('/tags/shared'), /mallory writes/)
    assert.match(await (await call('bystander', 'GET', '/api/v1/hashtags/shared/posts')).text(), /mallory writes/, 'others still see it')
  })

  it('refuses comments, likes and mentions across a block', async () => {
    const alicePost = (await body(await call('alice', 'POST', '/api/v1/posts', { text: 'comment if you can' }))).data.id
    assert.equal((await call('mallory', 'POST', `/api/v1/posts/${alicePost}/comments`, { text: 'hi' })).status, 404)
    assert.equal((await call('mallory', 'POST', `/api/v1/posts/${alicePost}/like`)).status, 404)
    const mention = (await body(await call('mallory', 'POST', '/api/v1/posts', { text: 'hey @alice look' }))).data
    assert.deepEqual(mention.mentions, [], 'a mention of someone who blocked you does not count')
    assert.doesNotMatch(mention.html, /href="\/u\/alice"/)
    // Comments by a blocked member are hidden from the blocker on a third party's post.
    const third = (await body(await call('bystander', 'POST', '/api/v1/posts', { text: 'open thread' }))).data.id
    await call('mallory', 'POST', `/api/v1/posts/${third}/comments`, { text: 'mallory comments' })
    await call('alice', 'POST', `/api/v1/posts/${third}/comments`, { text: 'alice comments' })
    const seenByAlice = (await body(await call('alice', 'GET', `/api/v1/posts/${third}/comments`))).data.map((c: any) => c.text)
    assert.deepEqual(seenByAlice, ['alice comments'])
    const seenByMallory = (await body(await call('mallory', 'GET', `/api/v1/posts/${third}/comments`))).data.map((c: any) => c.text)
    assert.deepEqual(seenByMallory, ['mallory comments'])
  })

  it('blocks a suspended member fully, ending follows both ways', async () => {
    const { id, token } = await t.register('suspect')
    tok.suspect = token
    await call('suspect', 'POST', '/api/v1/users/bystander/follow')
    await t.h.users.suspend(id, 'spam', null)
    assert.equal((await call('bystander', 'POST', '/api/v1/users/suspect/block')).status, 200)
    const follows = t.h.store.sqlite.prepare('select count(*) n from follows where follower_id = ?').get(id) as { n: number }
    assert.equal(follows.n, 0)
  })

  it('lists and lifts blocks', async () => {
    assert.deepEqual((await body(await call('alice', 'GET', '/api/v1/users/me/blocks'))).data.map((u: any) => u.username), ['mallory'])
    assert.equal((await call('alice', 'POST', '/api/v1/users/alice/block')).status, 409)
    await call('alice', 'DELETE', '/api/v1/users/mallory/block')
    assert.equal((await call('alice', 'GET', `/api/v1/posts/${blockedPost}`)).status, 200)
    assert.equal((await call('mallory', 'POST', '/api/v1/users/alice/follow')).status, 200)
  })

  it('mutes from the home feed only, and follows who can mention', async () => {
    await call('bystander', 'POST', '/api/v1/users/alice/follow')
    const p = (await body(await call('alice', 'POST', '/api/v1/posts', { text: 'muted words' }))).data.id
    await t.h.queue.drain()
    assert.ok((await body(await call('bystander', 'GET', '/api/v1/feed/home'))).data.some((x: any) => x.id === p))
    await call('bystander', 'POST', '/api/v1/users/alice/mute')
    assert.ok(!(await body(await call('bystander', 'GET', '/api/v1/feed/home'))).data.some((x: any) => x.id === p), 'gone from the feed')
    assert.equal((await call('bystander', 'GET', `/api/v1/posts/${p}`)).status, 200, 'still reachable directly')
    assert.deepEqual((await body(await call('bystander', 'GET', '/api/v1/users/me/mutes'))).data.map((u: any) => u.username), ['alice'])
    await call('bystander', 'DELETE', '/api/v1/users/alice/mute')
    assert.ok((await body(await call('bystander', 'GET', '/api/v1/feed/home'))).data.some((x: any) => x.id === p))

    await call('alice', 'PUT', '/api/v1/users/me/privacy', { who_can_mention: 'nobody' })
    const m = (await body(await call('bystander', 'POST', '/api/v1/posts', { text: 'hello @alice' }))).data
    assert.deepEqual(m.mentions, [])
    assert.deepEqual((await body(await call('alice', 'GET', '/api/v1/users/me/privacy'))).data, { who_can_comment: 'everyone', who_can_mention: 'nobody', who_can_message: 'everyone', show_last_seen: true, allow_reposts: true })
    await call('alice', 'PUT', '/api/v1/users/me/privacy', { show_last_seen: false })
    assert.equal((await body(await call('alice', 'GET', '/api/v1/users/me/privacy'))).data.who_can_mention, 'nobody', 'changing one setting keeps the others')
  })
})
