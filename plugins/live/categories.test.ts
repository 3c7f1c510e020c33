// Live streams in core's categories (issue 18): filed from the go-live form, OBS's settings and the API; shown on the
// card and the page; the directory narrowed by `?category=` under exactly the audience rules of the whole list (hidden
// is missing); a member's interests first, in their own row on the page; a category turned off or deleted leaves its
// streams without one. Streams are made without video (the watchdog waits `resume_seconds`, set long here).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import type { LiveTables } from './tables.js'

type Json = { data: any; error?: { code: string; message: string; details?: { fields?: Record<string, string> } } }

describe('live: categories', () => {
  let t: TestApp
  const users: Record<string, { id: number; token: string }> = {}
  const api = async (who: string | null, method: string, path: string, json?: unknown) => {
    const res = await t.request(method, path, { token: who ? users[who]!.token : undefined, json })
    return { status: res.status, body: (await res.json()) as Json }
  }
  const goLive = async (who: string, input: Record<string, unknown> = {}) => {
    const r = await api(who, 'POST', '/api/v1/live/streams', { title: `${who} live`, ...input })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    return r.body.data as { id: number; category: { slug: string; name: string } | null }
  }
  const end = async (who: string, id: number) => {
    const r = await api(who, 'POST', `/api/v1/live/streams/${id}/end`)
    assert.equal(r.status, 200, `${who} ends ${id}: ${JSON.stringify(r.body)}`)
  }
  const listed = async (who: string | null, query = '') => {
    const r = await api(who, 'GET', `/api/v1/live/streams${query}`)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return (r.body.data as { id: number; in_interests: boolean; category: { slug: string } | null }[])
  }
  const ids = async (who: string | null, query = '') => (await listed(who, query)).map((s) => s.id).sort((a, b) => a - b)
  const categoryIdOf = async (id: number) => (await t.h.db.withTables<LiveTables>().selectFrom('live_streams').select('category_id').where('id', '=', id).executeTakeFirstOrThrow()).category_id

  before(async () => {
    t = await createTestApp({ enable: ['live'] })
    const settings = t.h.plugins.loaded.get('live')!.settings
    await settings.set('rtmp_port', 0)
    await settings.set('resume_seconds', 600)
    for (const name of ['boss', 'ana', 'ben', 'cal', 'dan', 'eve', 'fay', 'gus']) users[name] = await t.register(name)
    await t.h.users.setRole(users.boss!.id, 'admin', null)
    for (const [name, slug] of [['Music', 'music'], ['Art', 'art'], ['Games', 'games']]) {
      assert.equal((await api('boss', 'POST', '/api/v1/admin/curation/categories', { name, slug })).status, 201)
    }
  })
  after(() => t.close())

  it('files a stream under a category from the API and the go-live page; an unknown one is refused on its field', async () => {
    const unknown = await api('ana', 'POST', '/api/v1/live/streams', { title: 'Nope', category: 'polka' })
    assert.equal(unknown.status, 400)
    assert.equal(unknown.body.error?.code, 'VALIDATION_FAILED')
    assert.match(unknown.body.error!.details!.fields!.category!, /no category “polka”/)
    const bad = await api('ana', 'POST', '/api/v1/live/streams', { title: 'Nope', category: 42 })
    assert.equal(bad.status, 400)
    assert.ok(bad.body.error!.details!.fields!.category)
    assert.deepEqual(await listed('ana'), [], 'nothing went live')

    const made = await goLive('ana', { category: 'Music' })
    assert.deepEqual(made.category, { slug: 'music', name: 'Music' })
    assert.equal((await api('ana', 'GET', `/api/v1/live/streams/${made.id}`)).body.data.category.slug, 'music')
    await end('ana', made.id)
    assert.equal((await goLive('ana', { category: '' })).category, null, 'empty: none')
    await end('ana', (await listed('ana'))[0]?.id ?? 0)

    const page = t.agent('10.9.0.1')
    await page.loginViaForm('cal')
    const form = await page.text('/live/new')
    assert.match(form, /<select id="f-category" name="category"[\s\S]*<option value="music">Music<\/option>/)
    const refused = await page.post('/live/new', { title: 'Painting', category: 'polka', audience: 'public', chat: 'on' })
    assert.equal(refused.status, 400)
    const html = await refused.text()
    assert.match(html, /id="f-category-error">There is no category “polka”/, 'the message beside the select')
    assert.match(html, /value="Painting"/, 'what they typed is kept')
    const ok = await page.post('/live/new', { title: 'Painting', category: 'art', audience: 'public', chat: 'on' })
    assert.equal(ok.status, 303)
    const id = Number(/\/live\/(\d+)/.exec(ok.headers.get('location')!)![1])
    assert.match(await page.text(`/live/${id}`), /data-stream-category="art">Art</, 'the page shows it, linked to the directory')
    assert.match(await t.agent('10.9.0.2').text('/live'), new RegExp(`data-stream-card="${id}"[\\s\\S]*?data-category="art">Art<`), 'the card too')
    await end('cal', id)
  })

  it('narrows the directory by category with the same audience rules as the whole list (hidden is missing)', async () => {
    await t.h.social.follow(users.eve!.id, 'ben')
    await t.h.safety.block(users.ana!.id, 'fay')
    const pub = (await goLive('ana', { category: 'music' })).id
    const followers = (await goLive('ben', { category: 'music', audience: 'followers' })).id
    const art = (await goLive('cal', { category: 'art' })).id
    const suspended = (await goLive('gus', { category: 'music' })).id
    await t.h.users.suspend(users.gus!.id, 'spam', null)

    assert.deepEqual(await ids(null, '?category=music'), [pub], 'a guest: public streams of public accounts')
    assert.deepEqual(await ids('dan', '?category=music'), [pub], 'not following ben: his followers-only stream is missing')
    assert.deepEqual(await ids('eve', '?category=music'), [pub, followers], 'a follower sees it')
    assert.deepEqual(await ids('fay', '?category=music'), [], 'blocked by ana: her stream is missing')
    assert.deepEqual(await ids('fay'), [art], 'as on the whole list')
    assert.deepEqual(await ids('eve', '?category=ART'), [art], 'the slug as typed')
    assert.deepEqual(await ids('eve', '?category=games'), [])
    assert.ok(!(await ids('boss', '?category=music')).includes(suspended), 'a suspended streamer: missing to staff on the directory too')
    for (const who of ['dan', 'eve', 'fay', null]) {
      const filtered = await ids(who, '?category=music')
      const all = (await listed(who)).filter((s) => s.category?.slug === 'music').map((s) => s.id).sort((a, b) => a - b)
      assert.deepEqual(filtered, all, `the filter only narrows (${who ?? 'guest'})`)
    }

    const unknown = await api('dan', 'GET', '/api/v1/live/streams?category=polka')
    assert.equal(unknown.status, 400)
    assert.equal(unknown.body.error?.code, 'VALIDATION_FAILED')

    const dan = t.agent('10.9.0.3')
    await dan.loginViaForm('dan')
    const music = await dan.text('/live?category=music')
    assert.match(music, /<h1>Live: Music<\/h1>/)
    assert.match(music, new RegExp(`data-stream-card="${pub}"`))
    assert.doesNotMatch(music, new RegExp(`data-stream-card="(${followers}|${art}|${suspended})"`))
    assert.match(music, /<a href="\/live\?category=music" aria-current="page">Music<\/a>/)
    const guest = await t.agent('10.9.0.4').text('/live?category=music')
    assert.doesNotMatch(guest, new RegExp(`data-stream-card="${followers}"`))
    const fay = t.agent('10.9.0.5')
    await fay.loginViaForm('fay')
    assert.doesNotMatch(await fay.text('/live?category=music'), new RegExp(`data-stream-card="${pub}"`))
    const polka = await dan.fetch('GET', '/live?category=polka')
    assert.equal(polka.status, 400)
    assert.match(await polka.text(), /There is no category “polka”/)

    await t.h.users.unsuspend(users.gus!.id, null)
    for (const [who, id] of [['ana', pub], ['ben', followers], ['cal', art], ['boss', suspended]] as const) await end(who, id)
  })

  it('puts streams in the member’s interests first: a row of their own on the page, first and marked in the API', async () => {
    assert.equal((await api('dan', 'PUT', '/api/v1/interests', { interests: ['art'] })).status, 200)
    assert.equal((await api('cal', 'PUT', '/api/v1/interests', { interests: ['art'] })).status, 200)
    const music = (await goLive('ana', { category: 'music' })).id
    const art = (await goLive('cal', { category: 'art' })).id
    const none = (await goLive('eve')).id

    const list = await listed('dan')
    assert.equal(list[0]!.id, art, 'the interest first, though older')
    assert.deepEqual(list.map((s) => [s.id, s.in_interests]), [[art, true], [none, false], [music, false]])
    assert.ok((await listed(null)).every((s) => !s.in_interests), 'a guest has none')
    assert.ok(!(await listed('cal')).find((s) => s.id === art)!.in_interests, 'never their own stream')

    const dan = t.agent('10.9.0.6')
    await dan.loginViaForm('dan')
    const page = await dan.text('/live')
    const row = /data-live-for-you[\s\S]*?<\/section>/.exec(page)?.[0] ?? ''
    assert.match(row, /From your interests/)
    assert.match(row, new RegExp(`data-stream-card="${art}"`))
    assert.doesNotMatch(row, new RegExp(`data-stream-card="(${music}|${none})"`))
    const rest = /data-live-all[\s\S]*?<\/ul>/.exec(page)?.[0] ?? ''
    assert.doesNotMatch(rest, new RegExp(`data-stream-card="${art}"`), 'not twice')
    assert.match(rest, new RegExp(`data-stream-card="${music}"`))
    assert.doesNotMatch(await t.agent('10.9.0.7').text('/live'), /data-live-for-you/, 'no row for a guest')
    assert.doesNotMatch(await dan.text('/live?category=music'), /data-live-for-you/, 'nor on a category’s list')

    // The interest's stream leaves the audience: it leaves the row (hidden is missing there too).
    await t.h.safety.block(users.cal!.id, 'dan')
    assert.doesNotMatch(await dan.text('/live'), new RegExp(`data-stream-card="${art}"`))
    await t.h.safety.unblock(users.cal!.id, 'dan')
    for (const [who, id] of [['ana', music], ['cal', art], ['eve', none]] as const) await end(who, id)
  })

  it('changes a stream’s category (the streamer or staff, page and API); others are refused as if it were missing', async () => {
    const id = (await goLive('ana')).id
    assert.equal((await api('dan', 'PATCH', `/api/v1/live/streams/${id}`, { category: 'art' })).status, 404, 'not theirs')
    const unknown = await api('ana', 'PATCH', `/api/v1/live/streams/${id}`, { category: 'polka', chat: 'off' })
    assert.equal(unknown.status, 400)
    assert.equal((await api('ana', 'GET', `/api/v1/live/streams/${id}`)).body.data.chat, 'on', 'refused whole')
    const patched = await api('ana', 'PATCH', `/api/v1/live/streams/${id}`, { category: 'games' })
    assert.equal(patched.status, 200)
    assert.deepEqual(patched.body.data.category, { slug: 'games', name: 'Games' })
    assert.equal((await api('boss', 'PATCH', `/api/v1/live/streams/${id}`, { category: null })).body.data.category, null, 'staff take it off')

    const ana = t.agent('10.9.0.8')
    await ana.loginViaForm('ana')
    assert.match(await ana.text(`/live/${id}`), /data-category-form[\s\S]*name="category"/)
    const saved = await ana.post(`/live/${id}/category`, { category: 'art' })
    assert.equal(saved.status, 303)
    assert.match(saved.headers.get('location')!, /notice=category/)
    assert.equal((await api(null, 'GET', `/api/v1/live/streams/${id}`)).body.data.category.slug, 'art')
    const dan = t.agent('10.9.0.9')
    await dan.loginViaForm('dan')
    assert.doesNotMatch(await dan.text(`/live/${id}`), /data-category-form/, 'a viewer has no such form')
    assert.equal((await dan.post(`/live/${id}/category`, { category: 'music' })).status, 404)
    await end('ana', id)
  })

  it('keeps a category with the OBS key’s settings; an unknown one is refused there too', async () => {
    const made = await api('ben', 'POST', '/api/v1/live/key', { settings: { title: 'Night set', category: 'music' } })
    assert.equal(made.status, 201)
    assert.equal(made.body.data.settings.category, 'music')
    const unknown = await api('ben', 'PATCH', '/api/v1/live/key', { settings: { title: 'Night set', category: 'polka' } })
    assert.equal(unknown.status, 400)
    assert.ok(unknown.body.error!.details!.fields!.category)
    const ben = t.agent('10.9.1.1')
    await ben.loginViaForm('ben')
    assert.match(await ben.text('/live/obs'), /<option value="music" selected="">Music<\/option>|<option value="music" selected>Music<\/option>/)
    const refused = await ben.post('/live/obs/settings', { title: 'Night set', category: 'polka', audience: 'public', chat: 'on' })
    assert.equal(refused.status, 400)
    assert.match(await refused.text(), /There is no category “polka”/)
    assert.equal((await ben.post('/live/obs/settings', { title: 'Night set', category: 'art', audience: 'public', chat: 'on' })).status, 303)
    assert.equal((await api('ben', 'GET', '/api/v1/live/key')).body.data.settings.category, 'art')
  })

  it('shows no category once staff turn it off, and none at all once they delete it (the stream stays)', async () => {
    const id = (await goLive('ana', { category: 'games' })).id
    assert.equal((await api('boss', 'PATCH', '/api/v1/admin/curation/categories/games', { enabled: false })).status, 200)
    assert.equal((await api('dan', 'GET', `/api/v1/live/streams/${id}`)).body.data.category, null, 'turned off: shown as none')
    assert.equal((await api('dan', 'GET', '/api/v1/live/streams?category=games')).status, 400, 'and it is no filter')
    assert.equal(await categoryIdOf(id), (await t.h.db.selectFrom('categories').select('id').where('slug', '=', 'games').executeTakeFirstOrThrow()).id, 'kept for when it comes back')
    assert.equal((await api('boss', 'PATCH', '/api/v1/admin/curation/categories/games', { enabled: true })).status, 200)
    assert.equal((await api('dan', 'GET', `/api/v1/live/streams/${id}`)).body.data.category.slug, 'games')

    assert.equal((await api('boss', 'DELETE', '/api/v1/admin/curation/categories/games')).status, 200)
    assert.equal(await categoryIdOf(id), null, 'the column is emptied')
    assert.equal((await api('dan', 'GET', `/api/v1/live/streams/${id}`)).body.data.category, null)
    assert.ok((await ids('dan')).includes(id), 'the stream is still listed')
    assert.doesNotMatch(await t.agent('10.9.1.2').text('/live'), /data-category="games"/)
    await end('ana', id)
  })
})
