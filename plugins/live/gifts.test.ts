// Gifts (the coins plugin's hook) in a stream's chat as the server draws it: the page's history and the chat API
// give them in their place among the lines, by the chat's rules (blocks either way, a suspended sender, a viewer's
// delay), drawn by the one component the live event carries rendered; the replay plays them on its timeline. Real
// parts: SQLite, coins' ledger, WebSockets, and for the delay and the replay ffmpeg's test picture pushed live.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, startServer, type TestApp } from '../../test/harness.js'
import { openSocket, type TestSocket } from '../../test/realtime.js'
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

describe('live: gifts in the chat’s history and the replay', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  let rose: number
  const users: Record<string, { id: number; token: string }> = {}
  const sockets: TestSocket[] = []
  const api = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? users[who]!.token : undefined, json })
  const body = async <T = any>(res: Response): Promise<T> => ((await res.json()) as { data: T }).data
  const join = async (who: string, topic: string) => {
    const s = await openSocket(server.port, users[who]!.token)
    sockets.push(s)
    s.send({ op: 'join', topic })
    const joined = await s.next((f) => f.topic === topic && (f.op === 'joined' || f.op === 'error'), 10_000)
    assert.equal(joined.op, 'joined', `${who} joins ${topic}: ${joined.message}`)
    return s
  }
  const history = (who: string | null, id: number) => api(who, 'GET', `/api/v1/live/streams/${id}/chat`).then((r) => body<Entry[]>(r))
  const gift = async (who: string, id: number, note: string) => {
    const res = await api(who, 'POST', `/api/v1/coins/gifts/${rose}/send`, { target: { kind: 'live', id }, note })
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
    for (const name of ['boss', 'ana', 'ben', 'cleo', 'dan', 'eve', 'moe', 'gus']) users[name] = await t.register(name)
    await t.h.users.setRole(users.boss!.id, 'admin', null)
    for (const who of ['ben', 'cleo', 'dan', 'eve', 'moe', 'gus']) await t.h.social.follow(users[who]!.id, 'ana')
    await t.h.safety.block(users.ben!.id, 'dan') // the sender blocked dan
    await t.h.safety.block(users.eve!.id, 'ben') // eve blocked the sender
    assert.equal((await api('ana', 'POST', '/api/v1/live/moderators', { username: 'moe' })).status, 201)
    for (const who of ['ben', 'moe', 'gus']) {
      await t.h.ledger.transfer({ key: `test:credit:${who}`, debit: { kind: 'world', name: 'test', unit: 'coin' }, credit: { kind: 'member_coins', userId: users[who]!.id, unit: 'coin' }, amount: 500 })
    }
    rose = (await body<{ id: number }>(await api('boss', 'POST', '/api/v1/coins/admin/gifts', { name: 'Rose', price: 10, icon: 'flower' }))).id
  })
  after(async () => {
    for (const s of sockets) s.ws.terminate()
    await server.close()
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
        ['gift', 'Rose'],
        ['chat', 'thanks ben'],
      ],
    )
    const g = entries[1]!
    assert.deepEqual([g.id, g.user_id, g.username, g.data], [moment.data.id, users.ben!.id, 'ben', { gift: 'Rose', price: 10, note: 'great <b>show</b>', icon: 'flower', media_id: null }])
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

    // Blocked either way with the sender (dan was blocked by ben, eve blocked ben): not on any path, like his lines.
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
