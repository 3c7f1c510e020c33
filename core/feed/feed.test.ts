// The hybrid feed: fan-out under the threshold, pull above it, merged; backfill and removal; explore; trending.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { startFanoutThread, type FanoutThread } from './fanout.js'
import { FANOUT_CHUNK } from './service.js'

type Envelope = { data: any; pagination?: { next_cursor: string | null; has_more: boolean } }

describe('feeds', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}
  before(async () => {
    t = await createTestApp()
    // A tiny threshold: "star" (2 followers) is pulled at read time, "small" (1 follower) is pushed.
    await t.h.settings.set('feed.fanout_threshold', 2)
    // Explore ranked live on every view, except where a test says otherwise.
    await t.h.settings.set('feed.explore_refresh_seconds', 0)
    for (const n of ['reader', 'star', 'small', 'fan']) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
    for (const [who, whom] of [['reader', 'star'], ['fan', 'star'], ['reader', 'small']] as const) await t.request('POST', `/api/v1/users/${whom}/follow`, { token: tok[who] })
  })
  after(() => t.close())
  const call = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? tok[who] : undefined, json })
  const post = async (who: string, text: string) => ((await (await call(who, 'POST', '/api/v1/posts', { text })).json()) as Envelope).data
  const home = async (who: string, query = '') => ((await (await call(who, 'GET', `/api/v1/feed/home${query}`)).json()) as Envelope)
  const feedRows = (userId: number) => t.h.store.sqlite.prepare('select post_id from feed_items where user_id = ?').all(userId) as { post_id: number }[]

  it('pushes posts of authors under the threshold and pulls those above it, merged newest first', async () => {
    const order: number[] = []
    for (const [who, text] of [['small', 's1'], ['star', 'S1'], ['small', 's2'], ['star', 'S2'], ['reader', 'mine']] as const) {
      order.unshift((await post(who, text)).id)
      await new Promise((r) => setTimeout(r, 5)) // distinct timestamps
    }
    // The author never waits: nothing is fanned out until the job runs.
    assert.equal(feedRows(id.reader!).length, 0)
    await t.h.queue.drain()
    const pushed = feedRows(id.reader!).map((r) => r.post_id)
    assert.equal(pushed.length, 2, 'only the small author’s posts were copied')
    const feed = await home('reader')
    assert.deepEqual(feed.data.map((p: any) => p.id), order, 'pushed, pulled and own posts merged in order')
    assert.equal(feedRows(id.fan!).length, 0, 'nothing was pushed for the star')
    assert.deepEqual((await home('fan')).data.map((p: any) => p.text), ['S2', 'S1'])
  })

  it('fans a post out to every follower, chunk after chunk, once each', async () => {
    const sqlite = t.h.store.sqlite
    const n = FANOUT_CHUNK * 2 + 7
    const first = Number(sqlite.prepare("select coalesce(max(id), 0) + 1 n from users").pluck().get())
    sqlite.transaction(() => {
      const user = sqlite.prepare("insert into users (id, username, email, password_hash) values (?, ?, ?, 'x')")
      const follow = sqlite.prepare('insert into follows (follower_id, followee_id) values (?, ?)')
      for (let i = 0; i < n; i++) user.run(first + i, `many${i}`, `many${i}@example.org`), follow.run(first + i, id.small!)
    })()
    const p = await post('small', 'to the many')
    assert.equal(await t.h.feed.fanOut(p.id), n + 1, 'every follower (the reader too) in one pass')
    assert.equal(await t.h.feed.fanOut(p.id), 0, 'a second run writes nothing')
    assert.equal(sqlite.prepare('select count(*) from feed_items where post_id = ?').pluck().get(p.id), n + 1)
    sqlite.prepare('delete from follows where follower_id >= ?').run(first)
    sqlite.prepare('delete from feed_items where post_id = ?').run(p.id)
    sqlite.prepare('delete from posts where id = ?').run(p.id)
  })

  it('pages the home feed with a cursor and htmx-ready has_more', async () => {
    const first = await home('reader', '?limit=2')
    assert.equal(first.data.length, 2)
    assert.equal(first.pagination!.has_more, true)
    const rest = await home('reader', `?limit=10&cursor=${first.pagination!.next_cursor}`)
    assert.equal(rest.data.length, 3)
    assert.equal(rest.pagination!.has_more, false)
    assert.equal(new Set([...first.data, ...rest.data].map((p: any) => p.id)).size, 5)
  })

  it('backfills recent posts on follow and removes them on unfollow', async () => {
    await call('fan', 'POST', '/api/v1/users/small/follow')
    assert.deepEqual((await home('fan')).data.map((p: any) => p.text), ['S2', 's2', 'S1', 's1'])
    await call('fan', 'DELETE', '/api/v1/users/small/follow')
    assert.deepEqual((await home('fan')).data.map((p: any) => p.text), ['S2', 'S1'])
    assert.equal(feedRows(id.fan!).length, 0)
    await call('fan', 'DELETE', '/api/v1/users/star/follow')
    assert.deepEqual((await home('fan')).data, [], 'pulled posts stop too')
  })

  it('applies visibility inside the feed query: a post made private later drops out at once', async () => {
    const p = await post('small', 'soon followers-only')
    await t.h.queue.drain()
    assert.ok((await home('reader')).data.some((x: any) => x.id === p.id))
    await call('small', 'PUT', `/api/v1/posts/${p.id}`, { visibility: 'only_me' })
    assert.ok(!(await home('reader')).data.some((x: any) => x.id === p.id))
    // Made visible again, it is fanned out anew.
    const secret = await post('small', 'born private')
    await call('small', 'PUT', `/api/v1/posts/${secret.id}`, { visibility: 'only_me' })
    await t.h.queue.drain()
    t.h.store.sqlite.prepare('delete from feed_items where post_id = ?').run(secret.id)
    await call('small', 'PUT', `/api/v1/posts/${secret.id}`, { visibility: 'followers' })
    await t.h.queue.drain()
    assert.ok((await home('reader')).data.some((x: any) => x.id === secret.id), 'a post leaving only-me reaches the feed')
    // Many hidden posts must not shorten a page: visibility is in the query, not a filter after LIMIT.
    for (let i = 0; i < 5; i++) await post('small', `private ${i}`).then((x) => call('small', 'PUT', `/api/v1/posts/${x.id}`, { visibility: 'only_me' }))
    await t.h.queue.drain()
    assert.equal((await home('reader', '?limit=3')).data.length, 3)
  })

  it('ranks explore by engagement with time decay, public posts only', async () => {
    const old = await post('fan', 'older but loved')
    const fresh = await post('fan', 'fresh')
    t.h.store.sqlite.prepare("update posts set likes_count = 50, published_at = strftime('%Y-%m-%dT%H:%M:%fZ','now','-3 hours') where id = ?").run(old.id)
    const explore = ((await (await call(null, 'GET', '/api/v1/feed/explore')).json()) as Envelope).data.map((p: any) => p.id)
    assert.ok(explore.indexOf(old.id) < explore.indexOf(fresh.id), 'engagement outweighs a few hours')
    t.h.store.sqlite.prepare("update posts set published_at = strftime('%Y-%m-%dT%H:%M:%fZ','now','-20 days') where id = ?").run(old.id)
    const later = ((await (await call(null, 'GET', '/api/v1/feed/explore')).json()) as Envelope).data.map((p: any) => p.id)
    assert.ok(later.indexOf(old.id) > later.indexOf(fresh.id), 'time decay wins in the end')
  })

  it('keeps explore’s ranking between refreshes, still hiding what the viewer may not see', async () => {
    const sqlite = t.h.store.sqlite
    const made: number[] = []
    for (let i = 0; i < 25; i++) made.push((await post('small', `kept ranking ${i}`)).id)
    await t.h.settings.set('feed.explore_refresh_seconds', 600)
    const explore = async (who: string | null) => ((await (await call(who, 'GET', '/api/v1/feed/explore')).json()) as Envelope).data.map((p: any) => p.id)
    const first = await explore('fan')
    sqlite.prepare('update posts set likes_count = 10000 where id = ?').run(made[0])
    assert.deepEqual(await explore('fan'), first, 'the same ranking until the refresh')
    const target = first.find((id: number) => made.includes(id))
    assert.equal((await call('small', 'PUT', `/api/v1/posts/${target}`, { hidden_from: ['fan'] })).status, 200)
    const hidden = await explore('fan')
    assert.ok(!hidden.includes(target), 'a post hidden since is left out')
    assert.equal(hidden.length, first.length, 'and the page is still full')
    await t.h.settings.set('feed.explore_refresh_seconds', 0)
    assert.equal((await explore(null))[0], made[0], 'ranked live when the refresh is 0')
  })

  it('finds trending hashtags by velocity, not only volume', async () => {
    const sqlite = t.h.store.sqlite
    // #steady: 24 uses spread over the previous day, 2 in the last hour; #rising: 0 before, 3 now.
    for (let i = 0; i < 24; i++) {
      const p = await post('fan', `daily #steady ${i}`)
      sqlite.prepare("update posts set published_at = strftime('%Y-%m-%dT%H:%M:%fZ','now', ?) where id = ?").run(`-${i * 60 + 90} minutes`, p.id)
    }
    for (let i = 0; i < 2; i++) await post('fan', `#steady now ${i}`)
    for (let i = 0; i < 3; i++) await post('fan', `#rising ${i}`)
    const trending = ((await (await call(null, 'GET', '/api/v1/trending/hashtags')).json()) as Envelope).data
    assert.equal(trending[0].tag, 'rising')
    assert.deepEqual(trending.find((h: any) => h.tag === 'steady'), { tag: 'steady', recent: 2, previous: 24, score: 2, featured: false }, 'not featured by staff')
  })
})

describe('explore ranked in slices', () => {
  let t: TestApp
  let token = ''
  before(async () => {
    t = await createTestApp()
    token = (await t.register('fan')).token
  })
  after(() => t.close())

  it('gives the ranking of one statement', async () => {
    const spread = t.h.store.sqlite.prepare("update posts set likes_count = ?, comments_count = ?, published_at = strftime('%Y-%m-%dT%H:%M:%fZ','now', ?) where id = ?")
    for (let i = 0; i < 40; i++) {
      const p = ((await (await t.request('POST', '/api/v1/posts', { token, json: { text: `spread over the month ${i}` } })).json()) as Envelope).data
      spread.run((i * 37) % 50, (i * 11) % 7, `-${(i * 17) % 29} days`, p.id)
    }
    const pages = async () => {
      const ids: number[] = []
      let cursor = ''
      for (let i = 0; i < 3; i++) {
        const res = (await (await t.request('GET', `/api/v1/feed/explore?limit=15${cursor}`, { token })).json()) as Envelope
        ids.push(...res.data.map((p: any) => p.id))
        if (!res.pagination?.next_cursor) break
        cursor = `&cursor=${res.pagination.next_cursor}`
      }
      return ids
    }
    await t.h.settings.set('feed.explore_refresh_seconds', 3600)
    const kept = await pages()
    await t.h.settings.set('feed.explore_refresh_seconds', 0)
    const live = await pages()
    assert.equal(live.length, 40)
    assert.deepEqual(kept, live)
  })

})

describe('explore kept, for a viewer who may not see its top', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  it('fills a page from further down the kept ranking', async () => {
    const fan = await t.register('fan')
    const loud = await t.register('loud')
    const write = async (token: string, text: string) => ((await (await t.request('POST', '/api/v1/posts', { token, json: { text } })).json()) as Envelope).data.id as number
    for (let i = 0; i < 20; i++) await write(fan.token, `quiet ${i}`)
    for (let i = 0; i < 60; i++) t.h.store.sqlite.prepare('update posts set likes_count = 1000 where id = ?').run(await write(loud.token, `loud ${i}`))
    assert.equal((await t.request('POST', '/api/v1/users/loud/block', { token: fan.token })).status, 200)
    const page = async () => ((await (await t.request('GET', '/api/v1/feed/explore?limit=15', { token: fan.token })).json()) as Envelope).data.map((p: any) => p.id)
    await t.h.settings.set('feed.explore_refresh_seconds', 0)
    const live = await page()
    await t.h.settings.set('feed.explore_refresh_seconds', 3600)
    const kept = await page()
    assert.equal(live.length, 15)
    assert.deepEqual(kept, live)
  })
})

describe('feeds keep their newest rows; older pages are pulled', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}
  const made: { id: number; author: string; text: string }[] = []
  before(async () => {
    t = await createTestApp()
    await t.h.settings.set('feed.kept_items', 50)
    await t.h.settings.set('limits.posts_per_hour', 10_000)
    for (const n of ['reader', 'ann', 'bob', 'cat', 'dan']) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
    for (const whom of ['ann', 'bob', 'cat']) await t.request('POST', `/api/v1/users/${whom}/follow`, { token: tok.reader })
    // 90 posts by three followees, some of them followers-only, one only-me; dan's 10 are older than all of them.
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString()
    for (let i = 0; i < 10; i++) {
      const p = await t.h.posts.create(id.dan!, { text: `dan ${i}` })
      t.h.store.sqlite.prepare('update posts set published_at = ? where id = ?').run(at(i), p.id)
      made.push({ id: p.id, author: 'dan', text: `dan ${i}` })
    }
    for (let i = 0; i < 90; i++) {
      const author = ['ann', 'bob', 'cat'][i % 3]!
      const p = await t.h.posts.create(id[author]!, { text: `${author} ${i}`, visibility: i % 7 === 0 ? 'followers' : i === 45 ? 'only_me' : 'public' })
      if (i !== 45) made.push({ id: p.id, author, text: `${author} ${i}` })
    }
    await t.h.queue.drain()
  })
  after(() => t.close())

  const sqlite = () => t.h.store.sqlite
  const kept = (userId: number) => Number(sqlite().prepare('select count(*) from feed_items where user_id = ?').pluck().get(userId))
  /** Every page of the reader's home feed, 20 at a time, as texts. */
  const allPages = async () => {
    const texts: string[] = []
    let cursor = ''
    for (let n = 0; n < 20; n++) {
      const res = (await (await t.request('GET', `/api/v1/feed/home?limit=20${cursor}`, { token: tok.reader })).json()) as Envelope
      texts.push(...res.data.map((p: any) => p.text))
      if (!res.pagination!.next_cursor) return texts
      cursor = `&cursor=${res.pagination!.next_cursor}`
    }
    throw new Error('the feed never ended')
  }
  const expected = (authors: string[]) =>
    made
      .filter((p) => authors.includes(p.author))
      .sort((a, b) => b.id - a.id)
      .map((p) => p.text)

  it('trims a feed to its newest rows as posts are fanned out, and remembers its horizon', () => {
    const rows = kept(id.reader!)
    // Looked at on one post in kept / 16 (3 here) of those it receives: at most that many rows over.
    assert.ok(rows >= 50 && rows <= 53, `the feed keeps about feed.kept_items rows (${rows})`)
    const horizon = sqlite().prepare('select published_at, post_id from feed_horizons where user_id = ?').get(id.reader!) as { published_at: string; post_id: number }
    assert.ok(horizon, 'a trimmed feed has a horizon')
    const oldest = sqlite().prepare('select min(post_id) from feed_items where user_id = ?').pluck().get(id.reader!) as number
    assert.ok(oldest > horizon.post_id, 'every kept row is newer than the horizon')
  })

  it('pages past the horizon with the followees’ older posts, in order, each once, visibility kept', async () => {
    const texts = await allPages()
    assert.deepEqual(texts, expected(['ann', 'bob', 'cat']))
    assert.ok(!texts.includes('ann 45'), 'only-me stays hidden in the pulled part')
  })

  it('a new follow brings its older posts below the horizon through the pull, never twice', async () => {
    await t.request('POST', '/api/v1/users/dan/follow', { token: tok.reader })
    const backfilled = Number(sqlite().prepare('select count(*) from feed_items where user_id = ? and author_id = ?').pluck().get(id.reader!, id.dan!))
    assert.equal(backfilled, 0, 'nothing is copied below the horizon')
    assert.deepEqual(await allPages(), expected(['ann', 'bob', 'cat', 'dan']))
  })

  it('an unfollow and a mute take the followee out of the pulled pages too', async () => {
    await t.request('DELETE', '/api/v1/users/cat/follow', { token: tok.reader })
    await t.request('POST', '/api/v1/users/bob/mute', { token: tok.reader })
    assert.deepEqual(await allPages(), expected(['ann', 'dan']))
    await t.request('DELETE', '/api/v1/users/bob/mute', { token: tok.reader })
  })

  it('a deleted post leaves the feed at once (no cascade runs over feed_items)', async () => {
    const newest = made.filter((p) => p.author === 'ann').sort((a, b) => b.id - a.id)[0]!
    assert.equal((await t.request('DELETE', `/api/v1/posts/${newest.id}`, { token: tok.ann })).status, 200)
    const texts = await allPages()
    assert.ok(!texts.includes(newest.text))
    made.splice(made.indexOf(newest), 1)
    assert.deepEqual(texts, expected(['ann', 'bob', 'dan']))
  })

  it('a post older than the horizon, made visible again, is pulled once and never copied below it', async () => {
    const horizon = sqlite().prepare('select published_at from feed_horizons where user_id = ?').pluck().get(id.reader!) as string
    const old = await t.h.posts.create(id.bob!, { text: 'bob from long ago', visibility: 'only_me' })
    const longAgo = new Date(Date.parse(horizon) - 3_600_000).toISOString()
    sqlite().prepare('update posts set published_at = ? where id = ?').run(longAgo, old.id)
    assert.equal((await t.request('PUT', `/api/v1/posts/${old.id}`, { token: tok.bob, json: { visibility: 'followers' } })).status, 200)
    await t.h.queue.drain()
    assert.equal(sqlite().prepare('select count(*) from feed_items where post_id = ?').pluck().get(old.id), 0, 'no row below the horizon')
    const texts = await allPages()
    assert.equal(texts.filter((x) => x === 'bob from long ago').length, 1, 'shown once, in its place')
    assert.equal(texts.length, expected(['ann', 'bob', 'dan']).length + 1)
    await t.request('DELETE', `/api/v1/posts/${old.id}`, { token: tok.bob })
  })

  it('trim keeps what it is asked to and only moves the horizon forward', async () => {
    const before = sqlite().prepare('select published_at, post_id from feed_horizons where user_id = ?').get(id.reader!) as { post_id: number }
    assert.equal(await t.h.feed.trim(id.reader!, 1_000), 0, 'a feed under the size is left alone')
    const rows = kept(id.reader!)
    assert.equal(await t.h.feed.trim(id.reader!, 5), rows - 5)
    assert.equal(kept(id.reader!), 5)
    const after = sqlite().prepare('select published_at, post_id from feed_horizons where user_id = ?').get(id.reader!) as { post_id: number }
    assert.ok(after.post_id > before.post_id)
    assert.deepEqual(await allPages(), expected(['ann', 'bob', 'dan']), 'the same feed, more of it pulled')
  })
})

describe('the fan-out thread', () => {
  let t: TestApp
  after(() => t?.close())

  it('copies posts into feeds and trims them on its own connection; when it stops, the server thread takes over', async () => {
    t = await createTestApp()
    await t.h.settings.set('feed.kept_items', 50)
    await t.h.settings.set('limits.posts_per_hour', 10_000)
    const author = await t.register('author')
    const readers = [await t.register('reader1'), await t.register('reader2'), await t.register('reader3')]
    for (const r of readers) await t.request('POST', '/api/v1/users/author/follow', { token: r.token })
    const thread = startFanoutThread(t.h.config.dbFile, t.h.log, { cacheMb: 8, chunk: 2 })
    let handed = 0
    const counted: FanoutThread = { ...thread, run: (...args) => (handed++, thread.run(...args)) }
    t.h.feed.useThread(counted)
    const sqlite = t.h.store.sqlite
    const rows = (userId: number) => Number(sqlite.prepare('select count(*) from feed_items where user_id = ?').pluck().get(userId))
    const made: number[] = []
    for (let i = 0; i < 60; i++) made.push((await t.h.posts.create(author.id, { text: `post ${i}` })).id)
    await t.h.queue.drain()
    assert.equal(handed, 60, 'every fan-out job went to the thread')
    for (const r of readers) {
      assert.ok(rows(r.id) >= 50 && rows(r.id) <= 53, `trimmed by the thread (${rows(r.id)} rows)`)
      assert.ok(sqlite.prepare('select 1 from feed_horizons where user_id = ?').get(r.id), 'with its horizon')
      const page = (await (await t.request('GET', '/api/v1/feed/home?limit=5', { token: r.token })).json()) as Envelope
      assert.deepEqual(page.data.map((p: any) => p.id), made.slice(-5).reverse())
    }
    assert.equal(await thread.run(made.at(-1)!, 10_000, 50), 0, 'a second copy writes nothing')
    assert.equal(await thread.run(999_999, 10_000, 50), 0, 'an unknown post writes nothing')
    await thread.stop()
    assert.equal(thread.alive(), false)
    await assert.rejects(thread.run(made[0]!, 10_000, 50), /not running/)
    const late = await t.h.posts.create(author.id, { text: 'after the thread' })
    await t.h.queue.drain()
    assert.equal(handed, 60, 'a stopped thread is not handed anything')
    for (const r of readers) assert.ok(sqlite.prepare('select 1 from feed_items where user_id = ? and post_id = ?').get(r.id, late.id), 'written on the server thread')
  })
})
