// Chat moderation on a live stream over real WebSockets: the moderators a streamer names (delete, time out, ban, slow
// mode, pin; not end the stream or change who may chat), their place at the live edge and its removal, slow mode,
// pins, a delay the site does not allow, the pages' no-JavaScript forms for all of it, and gifts (the coins plugin)
// on the stream's timeline: live, in the chat's history (page and API) and the replay by the chat's rules, one drawing.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, startServer, type TestApp } from '../../test/harness.js'
import { openSocket, type TestSocket } from '../../test/realtime.js'
import type { LiveTables } from './tables.js'
import { binaryFrame, syntheticWebm, until } from './testing.js'

interface Entry {
  kind: 'chat' | 'gift'
  id: number
  user_id: number
  username: string
  at_ms: number
  text?: string
  data?: { gift: string; price: number; note: string; icon: string }
}

describe('live: moderators, slow mode, pins', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  const users: Record<string, { id: number; token: string }> = {}
  const sockets: TestSocket[] = []
  const api = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? users[who]!.token : undefined, json })
  const body = async <T = any>(res: Response): Promise<T> => ((await res.json()) as { data: T }).data
  const join = async (who: string, topic: string) => {
    const s = await openSocket(server.port, users[who]!.token)
    sockets.push(s)
    s.send({ op: 'join', topic })
    return { s, joined: await s.next((f) => f.topic === topic && (f.op === 'joined' || f.op === 'error')) }
  }

  before(async () => {
    t = await createTestApp({ enable: ['live'] })
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    for (const name of ['ana', 'ben', 'cleo', 'moe', 'max', 'blo']) users[name] = await t.register(name)
    await t.h.safety.block(users.blo!.id, 'ana')
  })
  after(async () => {
    for (const s of sockets) s.ws.terminate()
    await server.close()
  })

  it('lets the streamer name moderators who moderate the chat but do not run the stream', async () => {
    assert.equal((await api('ana', 'POST', '/api/v1/live/moderators', { username: 'moe' })).status, 201)
    const both = await body<{ username: string }[]>(await api('ana', 'POST', '/api/v1/live/moderators', { username: 'max' }))
    assert.deepEqual(both.map((m) => m.username), ['max', 'moe'])
    assert.equal((await api('ana', 'POST', '/api/v1/live/moderators', { username: 'ana' })).status, 400)
    assert.equal((await api('ana', 'POST', '/api/v1/live/moderators', { username: 'nobody' })).status, 404)
    assert.equal((await api('ana', 'POST', '/api/v1/live/moderators', { username: 'blo' })).status, 404, 'blocked either way: like an unknown member')
    assert.equal((await api(null, 'GET', '/api/v1/live/moderators')).status, 401)

    const id = (await body(await api('ana', 'POST', '/api/v1/live/streams', { title: 'Q&A' }))).id as number
    const room = `live:stream:${id}`
    const back = `live:backstage:${id}`
    const moe = await join('moe', back)
    assert.equal(moe.joined.op, 'joined', 'a moderator sees the live edge')
    assert.equal((await join('ben', back)).joined.code, 'NOT_FOUND', 'a viewer does not')
    const ben = (await join('ben', room)).s
    const cleo = (await join('cleo', room)).s

    // Delete, time out, pin, slow mode: yes. End the stream, change who may chat, remove a fellow moderator: no.
    const line = await body(await api('ben', 'POST', `/api/v1/live/streams/${id}/chat`, { text: 'spam spam' }))
    assert.equal((await moe.s.next((f) => f.event === 'chat')).data.text, 'spam spam')
    assert.equal((await api('moe', 'DELETE', `/api/v1/live/streams/${id}/chat/${line.id}`)).status, 200)
    assert.deepEqual((await cleo.next((f) => f.event === 'deleted')).data, { id: line.id })
    assert.equal((await api('moe', 'POST', `/api/v1/live/streams/${id}/bans`, { username: 'ben', minutes: 1 })).status, 201)
    assert.equal((await api('ben', 'POST', `/api/v1/live/streams/${id}/chat`, { text: 'again' })).status, 403)
    const byMax = await api('moe', 'POST', `/api/v1/live/streams/${id}/bans`, { username: 'max', minutes: 0 })
    assert.equal(byMax.status, 400)
    assert.match(((await byMax.json()) as { error: { message: string } }).error.message, /ask the streamer/)
    assert.equal((await api('moe', 'POST', `/api/v1/live/streams/${id}/end`)).status, 404)
    assert.equal((await api('moe', 'PATCH', `/api/v1/live/streams/${id}`, { chat: 'off' })).status, 404)
    assert.equal((await api('cleo', 'PATCH', `/api/v1/live/streams/${id}`, { slow_seconds: 10 })).status, 404, 'a viewer cannot set slow mode')
    assert.equal((await api('moe', 'PATCH', `/api/v1/live/streams/${id}`, { slow_seconds: 7 })).status, 400)
    const slowed = await body(await api('moe', 'PATCH', `/api/v1/live/streams/${id}`, { slow_seconds: 30 }))
    assert.equal(slowed.slow_seconds, 30)
    assert.deepEqual((await cleo.next((f) => f.event === 'slow')).data, { seconds: 30 })

    // Slow mode: one message per viewer per 30 s; the streamer and moderators are not held.
    assert.equal((await api('cleo', 'POST', `/api/v1/live/streams/${id}/chat`, { text: 'first' })).status, 201)
    const second = await api('cleo', 'POST', `/api/v1/live/streams/${id}/chat`, { text: 'second' })
    assert.equal(second.status, 429)
    assert.match(((await second.json()) as { error: { message: string } }).error.message, /Slow mode is on/)
    cleo.send({ op: 'send', topic: room, message: { text: 'third' } })
    assert.match((await cleo.next((f) => f.event === 'refused')).data.message, /Slow mode is on/)
    for (const text of ['mod one', 'mod two']) assert.equal((await api('moe', 'POST', `/api/v1/live/streams/${id}/chat`, { text })).status, 201)
    for (const text of ['host one', 'host two']) assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${id}/chat`, { text })).status, 201)

    // A pin for everyone; unpinned; a message of another stream cannot be pinned; viewers cannot pin.
    const host = (await body<{ id: number; text: string }[]>(await api('cleo', 'GET', `/api/v1/live/streams/${id}/chat`))).find((l) => l.text === 'host one')!
    assert.equal((await api('cleo', 'PUT', `/api/v1/live/streams/${id}/pin`, { message_id: host.id })).status, 404)
    assert.equal((await api('moe', 'PUT', `/api/v1/live/streams/${id}/pin`, { message_id: 999999 })).status, 404)
    assert.equal((await api('moe', 'PUT', `/api/v1/live/streams/${id}/pin`, { message_id: host.id })).status, 200)
    assert.equal((await ben.next((f) => f.event === 'pinned')).data.line.text, 'host one')
    assert.equal((await body(await api('cleo', 'GET', `/api/v1/live/streams/${id}`))).pinned.text, 'host one')
    assert.match(await (await api('cleo', 'GET', `/live/${id}`)).text(), /data-pinned="\d+"[^>]*>[\s\S]*host one/)
    assert.equal((await api('ana', 'DELETE', `/api/v1/live/streams/${id}/pin`)).status, 200)
    assert.deepEqual((await ben.next((f) => f.event === 'pinned')).data, { line: null })
    assert.equal((await body(await api('cleo', 'GET', `/api/v1/live/streams/${id}`))).pinned, null)

    // Removing a moderator takes them off the live edge at once.
    assert.equal((await api('ana', 'DELETE', '/api/v1/live/moderators/moe')).status, 200)
    assert.deepEqual(await moe.s.next((f) => f.op === 'left' && f.topic === back), { op: 'left', topic: back, reason: 'removed' })
    assert.equal((await api('moe', 'DELETE', `/api/v1/live/streams/${id}/chat/${host.id}`)).status, 404)
    assert.equal((await api('ana', 'DELETE', '/api/v1/live/moderators/moe')).status, 404)
    await api('ana', 'POST', `/api/v1/live/streams/${id}/end`)
  })

  it('keeps chat and hearts from members blocked either way with their author, on a stream without a delay too', async () => {
    await t.h.safety.block(users.cleo!.id, 'ben')
    const id = (await body(await api('max', 'POST', '/api/v1/live/streams', { title: 'No delay' }))).id as number
    const room = `live:stream:${id}`
    assert.equal((await body(await api('ben', 'GET', `/api/v1/live/streams/${id}`))).live_edge, false, 'without a delay a viewer is still not backstage')
    assert.doesNotMatch(await (await api('ben', 'GET', `/live/${id}`)).text(), /data-backstage/)
    assert.equal((await join('ben', `live:backstage:${id}`)).joined.code, 'NOT_FOUND')
    const ben = (await join('ben', room)).s
    const cleo = (await join('cleo', room)).s
    const moe = (await join('moe', room)).s
    ben.send({ op: 'send', topic: room, message: { text: 'from ben' } })
    ben.send({ op: 'send', topic: room, message: { heart: true } })
    cleo.send({ op: 'send', topic: room, message: { text: 'from cleo' } })
    await moe.next((f) => f.event === 'chat' && f.data.text === 'from ben')
    await moe.next((f) => f.event === 'heart' && f.data.userId === users.ben!.id)
    await moe.next((f) => f.event === 'chat' && f.data.text === 'from cleo')
    moe.send({ op: 'send', topic: room, message: { text: 'from moe' } })
    await cleo.next((f) => f.event === 'chat' && f.data.text === 'from moe')
    await ben.next((f) => f.event === 'chat' && f.data.text === 'from moe')
    assert.ok(!cleo.frames.some((f) => f.data?.text === 'from ben' || (f.event === 'heart' && f.data.userId === users.ben!.id)), 'cleo blocked ben: none of his')
    assert.ok(!ben.frames.some((f) => f.data?.text === 'from cleo'), 'ben was blocked by cleo: none of hers')
    await api('max', 'POST', `/api/v1/live/streams/${id}/end`)
  })

  it('draws the moderation forms, the moderators page and the delay choice, and refuses a delay over the site’s maximum', async () => {
    const a = t.agent()
    await a.loginViaForm('ana')
    const form = await a.text('/live/new')
    assert.match(form, /<select name="delay_seconds">/)
    for (const n of [0, 10, 30, 60]) assert.match(form, new RegExp(`<option value="${n}"`))
    const settings = t.h.plugins.loaded.get('live')!.settings
    await settings.set('max_delay_seconds', '10')
    assert.doesNotMatch(await a.text('/live/new'), /<option value="30"/)
    const refused = await api('ana', 'POST', '/api/v1/live/streams', { title: 'Too late', delay_seconds: 30 })
    assert.equal(refused.status, 400)
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /at most 10 seconds/)
    assert.equal((await a.post('/live/new', { title: 'Too late', audience: 'public', chat: 'on', delay_seconds: '60' })).status, 400)
    await settings.set('max_delay_seconds', '60')

    // The moderators page without JavaScript.
    assert.equal((await a.post('/live/moderators', { username: 'moe' })).status, 303)
    assert.match(await a.text('/live/moderators?notice=moderator-added'), /They can now moderate[\s\S]*@moe/)
    const unknown = await a.post('/live/moderators', { username: 'nobody' })
    assert.equal(unknown.status, 404)
    assert.match(await unknown.text(), /No member has that username/)

    // The stream's page: slow mode and pin forms for the streamer and moderators, the delay said.
    const made = await a.post('/live/new', { title: 'Forms', audience: 'public', chat: 'on', delay_seconds: '10' })
    const path = made.headers.get('location')!
    const id = Number(path.split('/').pop())
    const m = t.agent()
    await m.loginViaForm('moe')
    assert.equal((await m.post(`${path}/chat`, { text: 'pin me' })).status, 303)
    const page = await m.text(path)
    assert.match(page, /data-backstage="1"/)
    assert.match(page, /viewers see this 10 s later/)
    assert.match(page, /name="slow_seconds"/)
    assert.doesNotMatch(page, /action="\/live\/\d+\/chat-mode"/, 'chat mode is the streamer’s')
    assert.match(await a.text(path), /action="\/live\/\d+\/chat-mode"/)
    const line = (await body<{ id: number; text: string }[]>(await api('moe', 'GET', `/api/v1/live/streams/${id}/chat`))).find((l) => l.text === 'pin me')!
    assert.match(page, new RegExp(`name="message_id" value="${line.id}"`))
    assert.equal((await m.post(`${path}/pin`, { message_id: String(line.id) })).status, 303)
    assert.equal((await m.post(`${path}/slow`, { slow_seconds: '10' })).status, 303)
    const pinnedPage = await m.text(`${path}?notice=pinned`)
    assert.match(pinnedPage, /Pinned for everyone/)
    assert.match(pinnedPage, /<option value="10" selected/)
    assert.equal((await m.post(`${path}/pin`, { message_id: '' })).status, 303)
    const viewer = t.agent()
    await viewer.loginViaForm('cleo')
    const theirs = await viewer.text(path)
    assert.match(theirs, /10 s delay/)
    assert.doesNotMatch(theirs, /data-backstage/)
    assert.doesNotMatch(theirs, /pin me/, 'a viewer 10 s behind has not seen the line yet')
    assert.equal((await a.post(`${path}/end`, {})).status, 303)
  })
})

describe('live: gifts from the coins plugin on the stream timeline', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  let lily: number
  const users: Record<string, { id: number; token: string }> = {}
  const sockets: TestSocket[] = []
  const api = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? users[who]!.token : undefined, json })
  const join = async (who: string, topic: string) => {
    const s = await openSocket(server.port, users[who]!.token)
    sockets.push(s)
    s.send({ op: 'join', topic })
    await s.next((f) => f.topic === topic && f.op === 'joined')
    return s
  }
  const body = async <T = any>(res: Response): Promise<T> => ((await res.json()) as { data: T }).data
  const history = (who: string | null, id: number) => api(who, 'GET', `/api/v1/live/streams/${id}/chat`).then((r) => body<Entry[]>(r))
  const gift = async (who: string, id: number, note: string) => {
    const res = await api(who, 'POST', `/api/v1/coins/gifts/${lily}/send`, { target: { kind: 'live', id }, note })
    assert.equal(res.status, 201, await res.clone().text())
  }
  const say = async (who: string, id: number, text: string) => {
    assert.equal((await api(who, 'POST', `/api/v1/live/streams/${id}/chat`, { text })).status, 201)
    // Each its own millisecond on the stream's clock, so the order asserted is the one they were sent in.
    await new Promise((r) => setTimeout(r, 3))
  }
  /** The chat list of a stream's page: each entry's kind and id, in the order drawn. */
  const drawn = (page: string) => {
    const list = page.slice(page.indexOf('data-chat-list'), page.indexOf('</ol>', page.indexOf('data-chat-list')))
    return [...list.matchAll(/data-(chat|gift)-id="(\d+)"/g)].map((m) => `${m[1]}:${m[2]}`)
  }

  before(async () => {
    t = await createTestApp({ enable: ['live', 'coins'] })
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    for (const name of ['boss', 'ana', 'ben', 'cleo', 'dan', 'zed', 'eve', 'moe', 'gus']) users[name] = await t.register(name)
    await t.h.users.setRole(users.boss!.id, 'admin', null)
    for (const who of ['ben', 'cleo', 'dan', 'eve', 'moe', 'gus']) await t.h.social.follow(users[who]!.id, 'ana')
    await t.h.safety.block(users.dan!.id, 'ben') // dan blocked the sender
    await t.h.safety.block(users.ben!.id, 'eve') // the sender blocked eve
    assert.equal((await api('ana', 'POST', '/api/v1/live/moderators', { username: 'moe' })).status, 201)
    for (const who of ['ben', 'zed', 'moe', 'gus']) {
      await t.h.ledger.transfer({ key: `test:credit:${who}`, debit: { kind: 'world', name: 'test', unit: 'coin' }, credit: { kind: 'member_coins', userId: users[who]!.id, unit: 'coin' }, amount: 100 })
    }
    lily = (await body<{ id: number }>(await api('boss', 'POST', '/api/v1/coins/admin/gifts', { name: 'Lily', price: 10, icon: 'flower' }))).id
  })
  after(async () => {
    for (const s of sockets) s.ws.terminate()
    await server.close()
  })

  it('shows a gift sent on a stream to the streamer and viewers, never across a block, and only on streams the sender may watch', async () => {
    const rose = ((await (await api('boss', 'POST', '/api/v1/coins/admin/gifts', { name: 'Rose', price: 10, icon: 'rose' })).json()) as { data: { id: number } }).data.id
    const id = ((await (await api('ana', 'POST', '/api/v1/live/streams', { title: 'Gifts', audience: 'followers' })).json()) as { data: { id: number } }).data.id
    const ana = await join('ana', `live:backstage:${id}`)
    const cleo = await join('cleo', `live:stream:${id}`)
    const dan = await join('dan', `live:stream:${id}`)
    const sent = await api('ben', 'POST', `/api/v1/coins/gifts/${rose}/send`, { target: { kind: 'live', id }, note: 'great show' })
    assert.equal(sent.status, 201, await sent.clone().text())
    const expected = { kind: 'gift', userId: users.ben!.id, username: 'ben', display_name: 'ben', data: { gift: 'Rose', price: 10, note: 'great show', icon: 'rose', media_id: null } }
    const seen = ({ data: d }: { data?: Record<string, unknown> }) => ({ kind: d?.kind, userId: d?.userId, username: d?.username, display_name: d?.display_name, data: d?.data })
    const atEdge = await ana.next((f) => f.event === 'moment')
    assert.deepEqual(seen(atEdge), expected)
    const viewer = await cleo.next((f) => f.event === 'moment')
    assert.deepEqual(seen(viewer), expected)
    assert.equal(viewer.data.html, atEdge.data.html, 'one drawing for the live edge and viewers')
    cleo.send({ op: 'send', topic: `live:stream:${id}`, message: { text: 'after the gift' } })
    await dan.next((f) => f.event === 'chat' && f.data.text === 'after the gift')
    assert.ok(!dan.frames.some((f) => f.event === 'moment'), 'dan blocked ben: not his gift either')
    const rows = await t.h.db.withTables<LiveTables>().selectFrom('live_timeline').select(['kind', 'user_id']).where('stream_id', '=', id).where('kind', '=', 'gift').execute()
    assert.deepEqual(rows, [{ kind: 'gift', user_id: users.ben!.id }], 'kept for the replay')

    // The page offers viewers a gift form (coins' picker, without JavaScript), never the streamer.
    const page = await (await api('cleo', 'GET', `/live/${id}`)).text()
    const link = page.match(/href="([^"]*)" data-send-gift/)?.[1]?.replaceAll('&amp;', '&')
    assert.equal(link, `/coins/gift?kind=live&id=${id}&back=${encodeURIComponent(`/live/${id}`)}`)
    assert.equal((await api('cleo', 'GET', link!)).status, 200, 'the picker knows the stream')
    assert.doesNotMatch(await (await api('ana', 'GET', `/live/${id}`)).text(), /data-send-gift/)

    // A stranger may not watch a followers-only stream: no gift (404, like a missing one); nor on an ended stream.
    assert.equal((await api('zed', 'POST', `/api/v1/coins/gifts/${rose}/send`, { target: { kind: 'live', id } })).status, 404)
    await api('ana', 'POST', `/api/v1/live/streams/${id}/end`)
    assert.equal((await api('ben', 'POST', `/api/v1/coins/gifts/${rose}/send`, { target: { kind: 'live', id } })).status, 404)
  })

  it('puts a gift in the page’s and the API’s history among the lines, drawn as the live event draws it, never across a block', async () => {
    const id = (await body<{ id: number }>(await api('ana', 'POST', '/api/v1/live/streams', { title: 'Gifts in history', audience: 'followers', delay_seconds: 0 }))).id
    const cleo = await join('cleo', `live:stream:${id}`)
    await say('ana', id, 'welcome')
    await gift('ben', id, 'great <b>show</b>')
    const moment = await cleo.next((f) => f.event === 'moment')
    await new Promise((r) => setTimeout(r, 3))
    await say('cleo', id, 'thanks ben')

    // The API: lines and the gift in the order sent, told apart by `kind`, the gift with who sent what.
    const entries = await history('cleo', id)
    assert.deepEqual(
      entries.map((e) => [e.kind, e.text ?? e.data?.gift]),
      [
        ['chat', 'welcome'],
        ['gift', 'Lily'],
        ['chat', 'thanks ben'],
      ],
    )
    const g = entries[1]!
    assert.deepEqual([g.id, g.user_id, g.username, g.data], [moment.data.id, users.ben!.id, 'ben', { gift: 'Lily', price: 10, note: 'great <b>show</b>', icon: 'flower', media_id: null }])
    assert.ok(entries.every((e, i) => i === 0 || entries[i - 1]!.at_ms <= e.at_ms), 'in stamp order')
    const newest = await body<Entry[]>(await api('cleo', 'GET', `/api/v1/live/streams/${id}/chat?limit=2`))
    assert.deepEqual(newest.map((e) => e.kind), ['gift', 'chat'], 'the limit keeps the newest')

    // The page (what a reload or a late joiner sees): the same order, the gift drawn exactly as the live event's HTML.
    const page = await (await api('cleo', 'GET', `/live/${id}`)).text()
    assert.deepEqual(drawn(page), [`chat:${entries[0]!.id}`, `gift:${g.id}`, `chat:${entries[2]!.id}`])
    assert.equal(typeof moment.data.html, 'string')
    assert.ok(page.includes(moment.data.html), `the page draws the gift as the live event does: ${moment.data.html}`)
    assert.match(moment.data.html, /^<li class="live-gift" data-gift-id="\d+"><svg [^>]*class="icon"/)
    assert.match(moment.data.html, /great &lt;b>show&lt;\/b>/, 'the note is text, never markup')
    // The sender reloading sees their gift too; so does the streamer.
    assert.ok(drawn(await (await api('ben', 'GET', `/live/${id}`)).text()).includes(`gift:${g.id}`))
    assert.ok(drawn(await (await api('ana', 'GET', `/live/${id}`)).text()).includes(`gift:${g.id}`))

    // Blocked either way with the sender (dan blocked ben, ben blocked eve): not on any path, like his lines.
    await say('ben', id, 'a line of ben')
    for (const who of ['dan', 'eve']) {
      assert.deepEqual((await history(who, id)).map((e) => e.text ?? e.kind), ['welcome', 'thanks ben'], `${who}: no gift, no line of ben`)
      assert.doesNotMatch(await (await api(who, 'GET', `/live/${id}`)).text(), /data-gift-id/, `${who}: not on the page`)
    }

    // A suspended sender's gift goes from the history as their lines do.
    await gift('gus', id, '')
    assert.equal((await history('cleo', id)).filter((e) => e.kind === 'gift').length, 2)
    await t.h.users.suspend(users.gus!.id, 'spam', null)
    assert.deepEqual((await history('cleo', id)).filter((e) => e.kind === 'gift').map((e) => e.username), ['ben'])

    // Ended: the stream's page (no replay kept) still draws its chat with the gift, for the stream's audience only.
    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${id}/end`)).status, 200)
    assert.ok(drawn(await (await api('cleo', 'GET', `/live/${id}`)).text()).includes(`gift:${g.id}`))
    assert.equal((await api(null, 'GET', `/api/v1/live/streams/${id}/chat`)).status, 404, 'a guest: the followers-only stream is missing')
  })

  it('holds a gift from the live edge back with a delayed picture, and plays gifts on the replay’s timeline', { timeout: 180_000 }, async () => {
    const webm = syntheticWebm(14)
    const id = (await body<{ id: number }>(await api('ana', 'POST', '/api/v1/live/streams', { title: 'Delayed gifts', audience: 'followers', delay_seconds: 10, save_replay: true }))).id
    const ingest = `live:ingest:${id}`
    const ana = await join('ana', ingest)
    const cleo = await join('cleo', `live:stream:${id}`)
    ana.send({ op: 'send', topic: ingest, message: { start: true } })
    for (let i = 0; i < webm.length; i += 32 * 1024) ana.ws.send(binaryFrame(ingest, webm.subarray(i, i + 32 * 1024)))

    // A moderator watches at the live edge: their gift is stamped now, so viewers get it with the picture, 10 s on.
    await say('ana', id, 'hello from the edge')
    await gift('moe', id, 'from the edge')
    const moeGift = (await history('moe', id)).find((e) => e.kind === 'gift')
    assert.ok(moeGift, 'the live edge sees it at once')
    assert.ok((await history('ana', id)).some((e) => e.id === moeGift.id && e.kind === 'gift'), 'so does the streamer')
    assert.ok(!(await history('cleo', id)).some((e) => e.kind === 'gift'), 'a viewer: not in the history before the delay')
    assert.ok(!drawn(await (await api('cleo', 'GET', `/live/${id}`)).text()).includes(`gift:${moeGift.id}`), 'nor on the page')
    assert.ok(!cleo.frames.some((f) => f.event === 'moment'), 'nor live')
    // Once the picture of its moment reaches the viewer: live, and in the history after the line said before it.
    const aired = await cleo.next((f) => f.event === 'moment', 25_000)
    assert.equal(aired.data.id, moeGift.id)
    const afterDelay = await until('the gift in the viewer’s history', () => history('cleo', id), (list) => list.some((e) => e.kind === 'gift'), 5_000)
    assert.deepEqual(afterDelay.map((e) => e.text ?? e.data?.note), ['hello from the edge', 'from the edge'])
    assert.ok(drawn(await (await api('cleo', 'GET', `/live/${id}`)).text()).includes(`gift:${moeGift.id}`))

    // A viewer's gift is at the viewers' moment: the others have it at once (dan, whom ben blocked, never).
    await gift('ben', id, 'from a viewer')
    const benGift = await until('the viewer’s gift', () => history('cleo', id), (list) => list.some((e) => e.data?.note === 'from a viewer'), 5_000)
    assert.ok(!(await history('dan', id)).some((e) => e.data?.note === 'from a viewer'))

    // The replay: both gifts on its timeline in order among the lines, with the page's drawing; ben's not for dan.
    assert.equal((await api('ana', 'POST', `/api/v1/live/streams/${id}/end`)).status, 200)
    await until(
      'the replay ready',
      async () => {
        await t.h.queue.drain()
        return body(await api('cleo', 'GET', `/api/v1/live/streams/${id}`))
      },
      (d) => d.replay?.status === 'ready',
      60_000,
    )
    type ReplayEvent = { t: number; kind: string; id?: number; line?: { text: string }; data?: { note: string }; html?: string; username?: string }
    const replay = await body<{ duration: number; events: ReplayEvent[] }>(await api('cleo', 'GET', `/api/v1/live/streams/${id}/replay`))
    const said = replay.events.filter((e) => e.kind === 'chat' || e.kind === 'gift').map((e) => e.line?.text ?? e.data?.note)
    assert.deepEqual(said, ['hello from the edge', 'from the edge', 'from a viewer'])
    assert.ok(replay.events.every((e, i, all) => e.t >= 0 && e.t <= replay.duration && (i === 0 || all[i - 1]!.t <= e.t)), 'each within the video, in order')
    const page = await (await api('cleo', 'GET', `/live/${id}`)).text()
    for (const e of replay.events.filter((x) => x.kind === 'gift')) assert.ok(page.includes(e.html!), `the replay's gift is the page's drawing: ${e.html}`)
    assert.ok(benGift.some((e) => e.data?.note === 'from a viewer'))
    const dans = await body<typeof replay>(await api('dan', 'GET', `/api/v1/live/streams/${id}/replay`))
    assert.deepEqual(dans.events.filter((e) => e.kind === 'gift').map((e) => e.username), ['moe'], 'dan: none of ben’s')
  })
})
