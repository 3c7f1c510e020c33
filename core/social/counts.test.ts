// Counts reveal nothing lists hide: every viewer (guest, stranger, follower, owner, blocked) × every count path
// (profile API, profile page, follower lists) sees counts that match the lists they are shown.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createScopesService } from '../posts/scopes.js'
import { visiblePostsCount } from './counts.js'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Json = { data: any; pagination?: { next_cursor: string | null } }

describe('viewer-relative counts', () => {
  let t: TestApp
  const who: Record<string, { id: number; token: string }> = {}
  const viewers = ['guest', 'stranger', 'follower', 'owner', 'blocked'] as const
  type ViewerName = (typeof viewers)[number]

  const call = async (path: string, as: ViewerName) => {
    const res = await t.request('GET', path, { token: as === 'guest' ? undefined : who[as]!.token })
    return { status: res.status, body: res.status === 200 ? ((await res.json()) as Json) : null, html: '' }
  }
  /** Every item of a paginated list, as the viewer pages through it. */
  async function all(path: string, as: ViewerName): Promise<{ status: number; items: unknown[] }> {
    const items: unknown[] = []
    let cursor: string | null = null
    do {
      const r = await call(`${path}?limit=50${cursor ? `&cursor=${cursor}` : ''}`, as)
      if (r.status !== 200) return { status: r.status, items }
      items.push(...(r.body!.data as unknown[]))
      cursor = r.body!.pagination?.next_cursor ?? null
    } while (cursor)
    return { status: 200, items }
  }
  const profile = (as: ViewerName, name = 'cnt_owner') => call(`/api/v1/users/${name}`, as)
  const post = async (as: string, json: Record<string, unknown>) => {
    const res = await t.request('POST', '/api/v1/posts', { token: who[as]!.token, json })
    assert.equal(res.status, 201)
  }

  before(async () => {
    t = await createTestApp()
    for (const name of ['owner', 'stranger', 'follower', 'blocked', 'fan', 'gone']) who[name] = await t.register(`cnt_${name}`)
    for (const f of ['follower', 'fan', 'gone']) assert.equal((await t.request('POST', '/api/v1/users/cnt_owner/follow', { token: who[f]!.token })).status, 200)
    assert.equal((await t.request('POST', '/api/v1/users/cnt_fan/follow', { token: who.owner!.token })).status, 200)
    await t.h.safety.block(who.owner!.id, 'cnt_blocked')
  })
  after(() => t.close())

  async function assertCountsMatchLists(label: string) {
    for (const as of viewers) {
      const p = await profile(as)
      const timeline = await all('/api/v1/feed/user/cnt_owner', as)
      if (as === 'blocked') {
        assert.equal(p.status, 404, `${label}: across a block the profile is missing`)
        assert.equal(timeline.status, 404, `${label}: and so are its posts`)
        continue
      }
      assert.equal(p.status, 200)
      assert.equal(p.body!.data.posts_count, timeline.items.length, `${label}: ${as}'s posts count is the posts they are shown`)
      const page = await t.request('GET', '/u/cnt_owner', { token: as === 'guest' ? undefined : who[as]!.token })
      const shown = (await page.text()).match(/<strong>(\d+)\+?<\/strong> posts?/)?.[1]
      assert.equal(Number(shown), timeline.items.length, `${label}: the profile page says the same to ${as}`)
      for (const which of ['followers', 'following'] as const) {
        const list = await all(`/api/v1/users/cnt_owner/${which}`, as)
        assert.equal(p.body!.data[`${which}_count`], list.items.length, `${label}: ${as}'s ${which} count is the list`)
      }
    }
  }

  it('counts only the posts each viewer may see: never only-me, followers-only to strangers, hidden scopes, hidden-from lists', async () => {
    await post('owner', { text: 'hello all', visibility: 'public' })
    await assertCountsMatchLists('one public post')
    const before = Object.fromEntries(await Promise.all(viewers.filter((v) => v !== 'blocked').map(async (v) => [v, (await profile(v)).body!.data.posts_count])))

    await post('owner', { text: 'a note to self', visibility: 'only_me' })
    const scopes = createScopesService(t.h.db)
    await scopes.define('secret', 'secret:room', { public: false })
    await scopes.setMember('secret:room', who.owner!.id, true)
    await t.h.posts.create(who.owner!.id, { text: 'in a hidden group' }, { scope: 'secret:room' })
    const notForStranger = await t.h.posts.create(who.owner!.id, { text: 'not for the stranger', visibility: 'public' })
    await t.h.posts.update(who.owner!.id, notForStranger.id, { hidden_from: ['cnt_stranger'] })
    await post('owner', { text: 'followers only', visibility: 'followers' })
    await assertCountsMatchLists('after hidden posts')

    const after = Object.fromEntries(await Promise.all(viewers.filter((v) => v !== 'blocked').map(async (v) => [v, (await profile(v)).body!.data.posts_count])))
    assert.equal(after.guest, before.guest + 1, 'a guest counts only the public post (hidden from someone else)')
    assert.equal(after.stranger, before.stranger, 'a stranger sees no change: the only-me, hidden-group and hidden-from posts are not counted')
    assert.equal(after.follower, before.follower + 2, 'a follower counts the two posts they see')
    assert.equal(after.owner, before.owner + 4, 'the owner counts every post of theirs')
  })

  it('leaves suspended members out of follower and following counts, as the lists do, and back in when unsuspended', async () => {
    const count = async () => (await profile('stranger')).body!.data as { followers_count: number; following_count: number }
    const was = await count()
    await t.h.users.suspend(who.gone!.id, 'spam', null)
    await t.h.users.suspend(who.gone!.id, 'spam, again', null)
    assert.equal((await count()).followers_count, was.followers_count - 1, 'once, however often suspended')
    await assertCountsMatchLists('a follower suspended')
    await t.h.users.suspend(who.fan!.id, 'spam', null)
    assert.equal((await count()).following_count, was.following_count - 1)
    await assertCountsMatchLists('a followee suspended')
    await t.h.safety.block(who.owner!.id, 'cnt_gone')
    await assertCountsMatchLists('a suspended follower blocked (unfollowed both ways)')
    await t.h.users.unsuspend(who.fan!.id, null)
    await t.h.users.unsuspend(who.fan!.id, null)
    assert.equal((await count()).following_count, was.following_count, 'back once')
    await assertCountsMatchLists('unsuspended')
  })

  it('shows a private account’s follower counts without links to those who may not open the lists', async () => {
    const shy = await t.register('cnt_shy')
    assert.equal((await t.request('PUT', '/api/v1/users/cnt_shy', { token: shy.token, json: { is_private: true } })).status, 200)
    const strangerPage = await (await t.request('GET', '/u/cnt_shy', { token: who.stranger!.token })).text()
    assert.doesNotMatch(strangerPage, /href="\/u\/cnt_shy\/follow(ers|ing)"/, 'no link that would answer 403')
    assert.match(strangerPage, /<strong>0<\/strong> followers/)
    assert.match(strangerPage, /<strong>0<\/strong> following/)
    const ownPage = await (await t.request('GET', '/u/cnt_shy', { token: shy.token })).text()
    assert.match(ownPage, /href="\/u\/cnt_shy\/followers"/, 'the owner still has the links')
    assert.match(await (await t.request('GET', '/u/cnt_owner', { token: who.stranger!.token })).text(), /href="\/u\/cnt_owner\/followers"/, 'a public account keeps them')
  })

  it('counts posts exactly up to the cap and says "more" only past it, counting what the viewer may see', async () => {
    const prolific = await t.register('cnt_prolific')
    for (let i = 0; i < 3; i++) await t.request('POST', '/api/v1/posts', { token: prolific.token, json: { text: `post ${i}` } })
    await t.request('POST', '/api/v1/posts', { token: prolific.token, json: { text: 'just me', visibility: 'only_me' } })
    assert.deepEqual(await visiblePostsCount(t.h.db, who.stranger!.id, prolific.id, 3), { count: 3, capped: false }, 'exactly the cap is exact')
    assert.deepEqual(await visiblePostsCount(t.h.db, null, prolific.id, 2), { count: 2, capped: true }, 'past the cap is "2+"')
    assert.deepEqual(await visiblePostsCount(t.h.db, prolific.id, prolific.id, 3), { count: 3, capped: true }, 'the owner sees their only-me post too')
    assert.deepEqual(await visiblePostsCount(t.h.db, prolific.id, prolific.id, 4), { count: 4, capped: false })
  })
})
