// Search through the API: matching and prefixes, visibility, blocks, suspension, hostile input, index upkeep, pagination.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { createSearchService } from './service.js'

type Envelope = { status: string; data: any; pagination?: { next_cursor: string | null; has_more: boolean }; error: { code: string; message: string; details: any } }
const body = async (res: Response) => (await res.json()) as Envelope

describe('search', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const ids: Record<string, number> = {}
  before(async () => {
    t = await createTestApp()
    for (const n of ['admin0', 'ana_bell', 'anabelle', 'bob', 'stranger', 'follower', 'private_pia', 'blocker', 'blocked', 'suspendee']) {
      const r = await t.register(n)
      tok[n] = r.token
      ids[n] = r.id
    }
    await call('ana_bell', 'PUT', '/api/v1/users/me', { display_name: 'Ana Bell', bio: 'Potter and climber' })
    await call('anabelle', 'PUT', '/api/v1/users/me', { display_name: 'Annabelle Stone' })
    await call('bob', 'PUT', '/api/v1/users/me', { display_name: 'Bob', bio: 'Friends call me ana' })
  })
  after(() => t.close())
  const call = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? tok[who] : undefined, json })
  const post = async (who: string, json: { text: string; visibility?: string }) => {
    const res = await call(who, 'POST', '/api/v1/posts', json)
    const b = await body(res)
    assert.equal(res.status, 201, JSON.stringify(b))
    return b.data as { id: number }
  }
  const find = async (who: string | null, kind: 'users' | 'posts' | 'hashtags', q: string, extra = '') => {
    const res = await call(who, 'GET', `/api/v1/search/${kind}?q=${encodeURIComponent(q)}${extra}`)
    const b = await body(res)
    assert.equal(res.status, 200, `${kind} ${JSON.stringify(q)}: ${JSON.stringify(b)}`)
    return b
  }
  const usernames = async (who: string | null, q: string) => (await find(who, 'users', q)).data.map((u: any) => u.username)
  const postIds = async (who: string | null, q: string) => (await find(who, 'posts', q)).data.map((p: any) => p.id)
  const tags = async (who: string | null, q: string) => (await find(who, 'hashtags', q)).data.map((h: any) => h.tag)
  /** FTS5's own check that an index holds exactly what its table holds. */
  const indexesInStep = async () => {
    for (const fts of ['users_fts', 'posts_fts', 'hashtags_fts']) await sql.raw(`insert into ${fts}(${fts}, rank) values ('integrity-check', 1)`).execute(t.h.db)
  }

  it('finds members by username and display name prefix, ranking names above bios', async () => {
    assert.deepEqual(await usernames(null, 'ana_bell'), ['ana_bell'], 'the exact username')
    const ana = await usernames(null, 'ana')
    assert.ok(ana.includes('ana_bell') && ana.includes('bob'), JSON.stringify(ana))
    assert.ok(ana.indexOf('ana_bell') < ana.indexOf('bob'), 'a name match ranks above a bio match')
    assert.equal(ana.at(-1), 'bob')
    assert.deepEqual(await usernames(null, 'Ann'), ['anabelle'], 'display name prefix: Annabelle')
    assert.deepEqual(await usernames(null, '@ana_b'), ['ana_bell'], 'a leading @ and a partial last word')
    assert.deepEqual(await usernames(null, 'potter'), ['ana_bell'], 'bio words')
    assert.deepEqual(await usernames(null, 'Ana Be'), ['ana_bell'], 'every term must match; the last as a prefix')
    const hit = (await find(null, 'users', 'ana_bell')).data[0]
    assert.deepEqual(Object.keys(hit).sort(), ['avatar_url', 'bio', 'display_name', 'id', 'is_private', 'username', 'verified'])
    assert.equal(hit.bio, 'Potter and climber')
  })

  it('finds posts by whole words, newest first', async () => {
    const a = await post('bob', { text: 'Pottery class tonight #ceramics' })
    const b = await post('bob', { text: 'Pottery pottery pottery #ceramics' })
    const c = await post('bob', { text: 'Pottery class tonight #ceramics' })
    const found = await postIds(null, 'pottery')
    assert.deepEqual(found, [c.id, b.id, a.id], 'newest first, however often the word appears')
    assert.deepEqual(await postIds(null, 'potte'), [], 'a partial word is not a match: post search takes whole words')
    assert.deepEqual(await postIds(null, 'class tonight'), [c.id, a.id], 'every word must match')
    assert.deepEqual(await postIds(null, 'cafe'), [])
    const d = await post('bob', { text: 'Un café au lait, s’il vous plaît' })
    assert.deepEqual(await postIds(null, 'cafe'), [d.id], 'diacritics are folded')
    const full = (await find(null, 'posts', 'pottery')).data[0]
    assert.equal(full.author.username, 'bob', 'results are whole post views')
  })

  it('finds hashtags by prefix with counts of public posts, the exact tag first', async () => {
    await post('bob', { text: 'Kiln day #ceramicsclub' })
    await post('bob', { text: 'Glaze test #ceramicsclub' })
    const res = (await find(null, 'hashtags', '#ceram')).data
    assert.deepEqual(res.map((h: any) => h.tag), ['ceramics', 'ceramicsclub'])
    assert.deepEqual(res.map((h: any) => h.posts_count), [3, 2])
    assert.deepEqual((await find(null, 'hashtags', 'ceramicsclub')).data.map((h: any) => h.tag), ['ceramicsclub'], 'exact first (and only)')
    await post('bob', { text: 'More #ceramicsclub' })
    await post('bob', { text: 'And more #ceramicsclub' })
    assert.deepEqual(await tags(null, 'ceramics'), ['ceramics', 'ceramicsclub'], 'the exact tag outranks a more used one')
    assert.deepEqual(await tags(null, 'ceramic'), ['ceramicsclub', 'ceramics'], 'otherwise the more used one first')
  })

  it('never shows a private account’s posts or a followers-only post to a stranger or a guest, but does to an approved follower', async () => {
    await call('private_pia', 'PUT', '/api/v1/users/me', { is_private: true, bio: 'Quiet gardener' })
    await call('follower', 'POST', '/api/v1/users/private_pia/follow')
    await call('private_pia', 'POST', '/api/v1/users/me/follow-requests/follower/accept')
    const secret = await post('private_pia', { text: 'Secret zucchini harvest #zucchinisecret', visibility: 'public' })
    const inner = await post('bob', { text: 'Zucchini for followers #zucchinisecret', visibility: 'followers' })
    const self = await post('bob', { text: 'Zucchini note to self #zucchinisecret', visibility: 'only_me' })
    await call('follower', 'POST', '/api/v1/users/bob/follow')
    for (const who of ['stranger', null]) {
      assert.deepEqual(await postIds(who, 'zucchini'), [], `${who ?? 'guest'} sees none`)
      assert.deepEqual(await tags(who, 'zucchini'), [], `${who ?? 'guest'} does not learn a tag used only where they cannot see`)
    }
    assert.deepEqual((await postIds('follower', 'zucchini')).sort(), [secret.id, inner.id].sort(), 'the follower sees both, not the only-me one')
    const tag = (await find('follower', 'hashtags', 'zucchini')).data
    assert.deepEqual(tag, [{ tag: 'zucchinisecret', posts_count: 0 }], 'the tag is found, but counts public posts only')
    assert.ok((await postIds('bob', 'zucchini')).includes(self.id), 'the author finds their own only-me post')
    assert.deepEqual(await usernames(null, 'private_pia'), ['private_pia'], 'a private account is findable by name')
    assert.deepEqual(await usernames(null, 'gardener'), ['private_pia'], 'and by its bio, public on its profile header')
    assert.equal((await find(null, 'users', 'private_pia')).data[0].is_private, true)
  })

  it('hides a blocked member’s profile and posts in both directions', async () => {
    const theirs = await post('blocked', { text: 'Quokka sighting #quokkatime' })
    const mine = await post('blocker', { text: 'Quokka photos #quokkatime' })
    assert.equal((await postIds('blocked', 'quokka')).length, 2)
    await t.h.safety.block(ids.blocker!, ids.blocked!)
    assert.deepEqual(await postIds('blocker', 'quokka'), [mine.id], 'the blocker no longer sees their posts')
    assert.deepEqual(await postIds('blocked', 'quokka'), [theirs.id], 'nor the blocked member the blocker’s')
    assert.deepEqual(await usernames('blocker', 'blocked'), [], 'nor either profile')
    assert.deepEqual(await usernames('blocked', 'blocker'), [])
    assert.deepEqual((await find('blocker', 'hashtags', 'quokka')).data, [{ tag: 'quokkatime', posts_count: 1 }], 'counts leave the other out')
    assert.deepEqual(await usernames('stranger', 'blocked'), ['blocked'], 'others still find them')
    assert.equal((await postIds(null, 'quokka')).length, 2)
  })

  it('never shows a suspended member, their posts or tags only they used', async () => {
    await post('suspendee', { text: 'Wombat facts #wombatfacts' })
    assert.deepEqual(await usernames(null, 'suspendee'), ['suspendee'])
    await t.h.users.suspend(ids.suspendee!, 'spam', null)
    for (const who of [null, 'stranger']) {
      assert.deepEqual(await usernames(who, 'suspendee'), [])
      assert.deepEqual(await postIds(who, 'wombat'), [])
      assert.deepEqual(await tags(who, 'wombat'), [])
    }
    await t.h.users.unsuspend(ids.suspendee!, null)
    assert.deepEqual(await usernames(null, 'suspendee'), ['suspendee'], 'back once unsuspended')
  })

  it('never errors on FTS syntax, odd characters or emoji', async () => {
    await post('bob', { text: 'Party time 🎉 with "quotes" and NEAR words (really) - yes' })
    const nasty = [
      '"', '""', '"unclosed', '*', 'a*', '**', '-', '-party', 'party -time', 'NEAR', 'NEAR(party time)', 'NEAR(a b, 2)', '(', ')', '(party', 'party)',
      'AND', 'OR', 'NOT', 'party OR time', 'party AND', 'NOT party', '^party', 'text:party', '{text}: party', '+', ':', "'", "'; drop table posts; --",
      '🎉', '🎉🎉 party', '👩‍👩‍👧', 'naïve café', '日本語', 'Ⅻ', '\u0000', 'a\u0000b', '\u200b', '%', '_', '\\', '#', '@', '#🎉', '@@@',
    ]
    for (const q of nasty) {
      for (const kind of ['users', 'posts', 'hashtags'] as const) await find('bob', kind, q)
      assert.equal((await call('bob', 'GET', `/search?q=${encodeURIComponent(q)}`)).status, 200, `page ${JSON.stringify(q)}`)
      assert.equal((await call('bob', 'GET', `/search/suggest?q=${encodeURIComponent(q)}`)).status, 200, `suggest ${JSON.stringify(q)}`)
    }
    for (const raw of ['%ED%A0%80', '%FF%FE', '%C0%AF', '%E2%80']) {
      for (const path of ['/api/v1/search/users', '/api/v1/search/posts', '/api/v1/search/hashtags', '/search', '/search/suggest']) {
        assert.ok((await call('bob', 'GET', `${path}?q=${raw}`)).status < 500, `${path} with bytes that are not UTF-8: ${raw}`)
      }
    }
    assert.equal((await postIds('bob', 'NEAR words (really) "quotes"')).length, 1, 'the words still match as words')
    assert.equal((await postIds('bob', '🎉 party')).length, 1, 'emoji are skipped, the words kept')
    assert.deepEqual(await postIds('bob', '🎉'), [], 'nothing searchable: no results, no error')
  })

  it('refuses an empty, blank or too long query with a clear message', async () => {
    for (const kind of ['users', 'posts', 'hashtags']) {
      for (const q of ['', '%20%20%20', null]) {
        const res = await call(null, 'GET', `/api/v1/search/${kind}${q === null ? '' : `?q=${q}`}`)
        const b = await body(res)
        assert.equal(res.status, 400)
        assert.equal(b.error.code, 'VALIDATION_FAILED')
        assert.equal(b.error.details.fields.q, 'Type something to search for.')
      }
      const long = await body(await call(null, 'GET', `/api/v1/search/${kind}?q=${'a'.repeat(101)}`))
      assert.equal(long.error.code, 'VALIDATION_FAILED')
      assert.match(long.error.details.fields.q, /at most 100 characters/)
      assert.equal((await call(null, 'GET', `/api/v1/search/${kind}?q=${'a'.repeat(100)}`)).status, 200, '100 is allowed')
    }
    assert.equal((await body(await call(null, 'GET', '/api/v1/search/posts?q=x&cursor=nonsense'))).error.details.fields.cursor, 'This cursor is not valid; start again from the first page.')
    assert.equal((await call(null, 'GET', '/api/v1/search/posts?q=x&limit=0')).status, 400)
  })

  it('follows edits, deletions and renames', async () => {
    const p = await post('bob', { text: 'Aubergine recipe #aubergineday' })
    assert.deepEqual(await postIds(null, 'aubergine'), [p.id])
    await call('bob', 'PUT', `/api/v1/posts/${p.id}`, { text: 'Eggplant recipe #eggplantday' })
    assert.deepEqual(await postIds(null, 'aubergine'), [], 'the old words are gone')
    assert.deepEqual(await postIds(null, 'eggplant'), [p.id], 'the new ones found')
    assert.deepEqual(await tags(null, 'aubergine'), [], 'a tag no visible post uses any more is not offered')
    assert.deepEqual(await tags(null, 'eggpl'), ['eggplantday'])
    await call('bob', 'PUT', `/api/v1/posts/${p.id}`, { visibility: 'only_me' })
    assert.deepEqual(await postIds(null, 'eggplant'), [], 'visibility changes apply at once')
    await call('bob', 'DELETE', `/api/v1/posts/${p.id}`)
    assert.deepEqual(await postIds('bob', 'eggplant'), [], 'deleted')

    await call('anabelle', 'PUT', '/api/v1/users/me', { display_name: 'Zelda Quill' })
    assert.deepEqual(await usernames(null, 'zelda'), ['anabelle'])
    assert.deepEqual(await usernames(null, 'annabelle'), [], 'the old name is gone')
    await t.h.db.updateTable('users').set({ username: 'zelda_q' }).where('id', '=', ids.anabelle!).execute()
    assert.deepEqual(await usernames(null, 'zelda_q'), ['zelda_q'], 'a new username is found')
    assert.deepEqual(await usernames(null, 'anabelle'), [])
    await indexesInStep()
  })

  it('keeps the indexes in step when a member is deleted with everything they wrote', async () => {
    const { id, token } = await t.register('leaving')
    tok.leaving = token
    await post('leaving', { text: 'Farewell platypus #platypusparty' })
    assert.equal((await postIds(null, 'platypus')).length, 1)
    await t.h.db.deleteFrom('users').where('id', '=', id).execute()
    assert.deepEqual(await postIds(null, 'platypus'), [])
    assert.deepEqual(await usernames(null, 'leaving'), [])
    await indexesInStep()
  })

  it('pages through posts and members without repeats or gaps', async () => {
    const made: number[] = []
    for (let i = 0; i < 7; i++) made.push((await post('bob', { text: i % 2 ? 'Heron by the river' : 'Heron' })).id)
    for (let i = 0; i < 5; i++) await t.register(`heron${i}`)
    for (const [kind, total] of [['posts', 7], ['users', 5]] as const) {
      const all = (await find(null, kind, 'heron', '&limit=100')).data.map((x: any) => x.id)
      assert.equal(all.length, total)
      const walked: number[] = []
      let cursor: string | null = null
      let pages = 0
      do {
        const b: Envelope = await find(null, kind, 'heron', `&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        walked.push(...b.data.map((x: any) => x.id))
        assert.equal(b.pagination!.has_more, b.pagination!.next_cursor !== null)
        cursor = b.pagination!.next_cursor
        pages++
      } while (cursor)
      assert.deepEqual(walked, all, `${kind}: pages join up into the full list`)
      assert.equal(pages, Math.ceil(total / 2))
    }
    assert.deepEqual((await postIds(null, 'heron')).sort(), made.sort())
  })

  it('pages through posts without repeats or gaps while new matches arrive and visibility changes', async () => {
    const made: number[] = []
    for (let i = 0; i < 9; i++) made.push((await post('bob', { text: `Kestrel hovering ${i}` })).id)
    const hidden = made[4]!
    await call('bob', 'PUT', `/api/v1/posts/${hidden}`, { visibility: 'only_me' })
    const first: Envelope = await find(null, 'posts', 'kestrel', '&limit=3')
    assert.deepEqual(first.data.map((p: any) => p.id), [made[8], made[7], made[6]])
    // Between pages: a newer match and an edit that would have moved rows under a relevance order.
    await post('bob', { text: 'Kestrel kestrel kestrel, the newest' })
    await call('bob', 'PUT', `/api/v1/posts/${made[2]}`, { text: 'Kestrel kestrel kestrel kestrel' })
    const walked = [...first.data.map((p: any) => p.id)]
    let cursor = first.pagination!.next_cursor
    while (cursor) {
      const b: Envelope = await find(null, 'posts', 'kestrel', `&limit=3&cursor=${cursor}`)
      walked.push(...b.data.map((p: any) => p.id))
      cursor = b.pagination!.next_cursor
    }
    assert.deepEqual(walked, made.filter((id) => id !== hidden).reverse(), 'every visible match once, newest first, the only-me one never')
  })

  it('stops a walk through matches the viewer may not see, and goes on from there with the next cursor', async () => {
    const mine = await post('stranger', { text: 'Ptarmigan in the snow' })
    const theirs: number[] = []
    for (let i = 0; i < 6; i++) theirs.push((await post('bob', { text: `Ptarmigan note ${i}`, visibility: 'only_me' })).id)
    const search = createSearchService({ db: t.h.db, posts: t.h.posts, safety: t.h.safety, scanBudget: 4 })
    const seen: number[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const page = await search.posts(ids.stranger!, 'ptarmigan', { cursor, limit: 5 })
      seen.push(...page.items.map((p) => p.id))
      cursor = page.nextCursor
      pages++
    } while (cursor && pages < 10)
    assert.deepEqual(seen, [mine.id], 'only what the viewer may see, once')
    assert.ok(pages > 1, 'the first walk stopped at its budget and a cursor went on')
    assert.deepEqual((await t.h.search.posts(ids.bob!, 'ptarmigan', { limit: 10 })).items.map((p) => p.id), [...theirs.reverse(), mine.id], 'the author sees their own')
  })

  it('pages through members in a fixed order that new members do not disturb', async () => {
    for (const n of ['osprey_c', 'osprey_a', 'osprey', 'osprey_b']) await t.register(n)
    await call('bob', 'PUT', '/api/v1/users/me', { bio: 'I watch every osprey' })
    assert.deepEqual(await usernames(null, 'osprey'), ['osprey', 'osprey_c', 'osprey_a', 'osprey_b', 'bob'], 'the exact username, then names oldest account first, then bios')
    assert.deepEqual(await usernames(null, '@OSPREY_B'), ['osprey_b'], 'an exact username, whatever its case')
    const walked: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const b: Envelope = await find(null, 'users', 'osprey', `&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      walked.push(...b.data.map((u: any) => u.username))
      cursor = b.pagination!.next_cursor
      // Someone new joins between the first and second pages: they come after everyone already listed.
      if (pages++ === 0) await t.register('osprey_0')
    } while (cursor)
    assert.deepEqual(walked, ['osprey', 'osprey_c', 'osprey_a', 'osprey_b', 'osprey_0', 'bob'], 'every member once, none skipped')
  })

  it('counts a hashtag’s public posts only up to a cap', async () => {
    for (let i = 0; i < 4; i++) await post('bob', { text: `Egret ${i} #egretwatch` })
    const search = createSearchService({ db: t.h.db, posts: t.h.posts, safety: t.h.safety })
    assert.deepEqual(await search.hashtags(null, 'egretwatch'), [{ tag: 'egretwatch', posts_count: 4 }])
    assert.deepEqual(await search.hashtags(null, 'egretwatch', { countUpTo: 3 }), [{ tag: 'egretwatch', posts_count: 3 }])
  })

  it('shows avatars only to those allowed to see them', async () => {
    const media = await t.h.db
      .insertInto('media')
      .values({ owner_id: ids.bob!, kind: 'image', status: 'ready', mime: 'image/webp', size_bytes: 1, width: 1, height: 1, duration_ms: null, error: null, updated_at: new Date().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow()
    await t.h.db.updateTable('users').set({ avatar_media_id: media.id, avatar_visibility: 'followers' }).where('id', '=', ids.bob!).execute()
    const search = createSearchService({ db: t.h.db, posts: t.h.posts, safety: t.h.safety, social: t.h.social })
    const avatar = async (viewer: number | null) => (await search.users(viewer, 'bob')).items.find((u) => u.username === 'bob')!.avatar_url
    assert.equal(await avatar(null), null)
    assert.equal(await avatar(ids.stranger!), null)
    assert.equal(await avatar(ids.follower!), `/media/${media.id}/150`)
    assert.equal(await avatar(ids.bob!), `/media/${media.id}/150`)
  })
})
