// Posts: create with every rule and its bad inputs, edit, delete, pin, hide, schedule; visibility on every API path.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Envelope = { status: string; data: any; pagination?: { next_cursor: string | null; has_more: boolean }; error: { code: string; message: string; details: any } }
const body = async (res: Response) => (await res.json()) as Envelope

describe('posts', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  before(async () => {
    t = await createTestApp()
    for (const n of ['author', 'friend', 'stranger', 'lurker']) tok[n] = (await t.register(n)).token
    await t.request('POST', '/api/v1/users/author/follow', { token: tok.friend })
  })
  after(() => t.close())
  const call = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? tok[who] : undefined, json })
  const post = async (who: string, json: unknown) => {
    const res = await call(who, 'POST', '/api/v1/posts', json)
    const b = await body(res)
    assert.equal(res.status, 201, JSON.stringify(b))
    return b.data
  }

  it('creates a post with links for hashtags and mentions', async () => {
    const p = await post('author', { text: 'Morning run #Running with @friend and @nobody', visibility: 'public' })
    assert.deepEqual(p.hashtags, ['running'])
    assert.deepEqual(p.mentions, ['friend'])
    assert.match(p.html, /<a href="\/tags\/running" class="hashtag">#Running<\/a>/)
    assert.match(p.html, /<a href="\/u\/friend" class="mention">@friend<\/a>/)
    assert.equal(p.author.username, 'author')
    assert.equal((await body(await call(null, 'GET', '/api/v1/users/author'))).data.posts_count, 1)
  })

  it('refuses bad posts with a message per field', async () => {
    const bad = async (json: unknown, field: string, msg: RegExp) => {
      const res = await call('author', 'POST', '/api/v1/posts', json)
      assert.equal(res.status, 400, JSON.stringify(json).slice(0, 80))
      assert.match((await body(res)).error.details.fields[field], msg)
    }
    await bad({ text: 'x'.repeat(10_000) }, 'text', /at most 5000 characters/)
    await bad({ text: '   ' }, 'text', /Write something or add a photo/)
    await bad({ text: 'hi', visibility: 'everyone' }, 'visibility', /public, followers or only_me/)
    await bad({ text: 'hi', media_ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }, 'media_ids', /at most 10/)
    await bad({ text: 'hi', media_ids: [424242] }, 'media_ids', /not one of your uploads/)
    await bad({ text: 'hi', publish_at: 'tomorrow' }, 'publish_at', /ISO date/)
    await bad({ text: 'hi', publish_at: new Date(Date.now() - 60_000).toISOString() }, 'publish_at', /in the future/)
    assert.equal((await call(null, 'POST', '/api/v1/posts', { text: 'hi' })).status, 401)
  })

  it('keeps a scheduled post to its author until its time, then publishes it', async () => {
    const p = await post('author', { text: 'Tomorrow! #later', publish_at: new Date(Date.now() + 3_600_000).toISOString() })
    assert.equal(p.status, 'scheduled')
    assert.equal((await call('friend', 'GET', `/api/v1/posts/${p.id}`)).status, 404)
    assert.equal((await call('author', 'GET', `/api/v1/posts/${p.id}`)).status, 200)
    assert.equal((await body(await call('friend', 'GET', '/api/v1/hashtags/later/posts'))).data.length, 0)
    assert.equal((await body(await call('author', 'GET', '/api/v1/posts/scheduled'))).data[0].id, p.id)
    assert.equal(await t.h.posts.publishDue(new Date(Date.now() + 1000)), 0, 'not yet')
    assert.equal(await t.h.posts.publishDue(new Date(Date.now() + 3_700_000)), 1)
    await t.h.queue.drain()
    const seen = await body(await call('friend', 'GET', `/api/v1/posts/${p.id}`))
    assert.equal(seen.data.status, 'published')
    assert.ok((await body(await call('friend', 'GET', '/api/v1/feed/home'))).data.some((x: any) => x.id === p.id), 'it reached the follower’s feed')
  })

  it('edits (marked edited), pins up to three, hides from chosen followers, and deletes', async () => {
    const p = await post('author', { text: 'first version', visibility: 'followers' })
    const edited = (await body(await call('author', 'PUT', `/api/v1/posts/${p.id}`, { text: 'second #version', comments_enabled: false }))).data
    assert.ok(edited.edited_at)
    assert.equal(edited.comments_enabled, false)
    assert.deepEqual(edited.hashtags, ['version'])
    assert.equal((await call('friend', 'PUT', `/api/v1/posts/${p.id}`, { text: 'mine now' })).status, 403)
    assert.equal((await call('stranger', 'PUT', `/api/v1/posts/${p.id}`, { text: 'mine now' })).status, 404, 'cannot even see it')

    assert.equal((await call('friend', 'GET', `/api/v1/posts/${p.id}`)).status, 200)
    await call('author', 'PUT', `/api/v1/posts/${p.id}`, { hidden_from: ['friend'] })
    assert.equal((await call('friend', 'GET', `/api/v1/posts/${p.id}`)).status, 404, 'hidden from friend')
    assert.equal((await call('author', 'PUT', `/api/v1/posts/${p.id}`, { hidden_from: ['ghost'] })).status, 400)
    assert.deepEqual((await body(await call('author', 'GET', `/api/v1/posts/${p.id}`))).data.hidden_from, ['friend'], 'the author reads the list back')

    const ids = [p.id, (await post('author', { text: 'two' })).id, (await post('author', { text: 'three' })).id, (await post('author', { text: 'four' })).id]
    for (const id of ids.slice(0, 3)) assert.equal((await call('author', 'POST', `/api/v1/posts/${id}/pin`)).status, 200)
    const fourth = await call('author', 'POST', `/api/v1/posts/${ids[3]}/pin`)
    assert.equal(fourth.status, 409)
    assert.match((await body(fourth)).error.message, /up to 3 posts/)

    const before = (await body(await call(null, 'GET', '/api/v1/users/author'))).data.posts_count
    assert.equal((await call('friend', 'DELETE', `/api/v1/posts/${ids[1]}`)).status, 403)
    assert.equal((await call('author', 'DELETE', `/api/v1/posts/${ids[1]}`)).status, 200)
    assert.equal((await call('author', 'GET', `/api/v1/posts/${ids[1]}`)).status, 404)
    assert.equal((await body(await call(null, 'GET', '/api/v1/users/author'))).data.posts_count, before - 1)
  })

  it('shows followers-only and only-me posts to the right people', async () => {
    const f = await post('author', { text: 'for followers #circle', visibility: 'followers' })
    const me = await post('author', { text: 'note to self #circle', visibility: 'only_me' })
    for (const [who, fSees, meSees] of [['author', 200, 200], ['friend', 200, 404], ['stranger', 404, 404], [null, 404, 404]] as const) {
      assert.equal((await call(who, 'GET', `/api/v1/posts/${f.id}`)).status, fSees, `${who} followers post`)
      assert.equal((await call(who, 'GET', `/api/v1/posts/${me.id}`)).status, meSees, `${who} only-me post`)
    }
    assert.deepEqual((await body(await call('friend', 'GET', '/api/v1/hashtags/circle/posts'))).data.map((x: any) => x.id), [f.id])
  })

  it('keeps a private account’s posts from strangers on every API path', async () => {
    const { token } = await t.register('hidden')
    tok.hidden = token
    await call('hidden', 'PUT', '/api/v1/users/me', { is_private: true })
    await call('lurker', 'POST', '/api/v1/users/hidden/follow')
    await call('hidden', 'POST', '/api/v1/users/me/follow-requests/lurker/accept')
    const p = await post('hidden', { text: 'secret picnic #picnic', visibility: 'public' })
    await t.h.queue.drain()
    const paths = [`/api/v1/posts/${p.id}`, '/api/v1/feed/user/hidden', '/api/v1/hashtags/picnic/posts', '/api/v1/feed/explore', '/api/v1/feed/home']
    for (const who of ['stranger', null]) {
      for (const path of paths) {
        if (who === null && path === '/api/v1/feed/home') continue
        const res = await call(who, 'GET', path)
        const text = await res.text()
        assert.ok(!text.includes('secret picnic'), `${who ?? 'guest'} saw it at ${path}`)
      }
    }
    assert.equal((await call('stranger', 'GET', `/api/v1/posts/${p.id}`)).status, 404, 'like a post that does not exist')
    assert.ok(!(await body(await call(null, 'GET', '/api/v1/trending/hashtags'))).data.some((h: any) => h.tag === 'picnic'), 'private posts do not trend')
    assert.ok((await body(await call('lurker', 'GET', '/api/v1/feed/home'))).data.some((x: any) => x.id === p.id), 'an approved follower sees it')
    assert.equal((await call('stranger', 'GET', '/api/v1/feed/user/hidden')).status, 403, 'like its follower lists')
    assert.equal((await call(null, 'GET', '/api/v1/feed/user/me')).status, 401)
  })
})
