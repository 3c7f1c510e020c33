// Random chat over a real server and real WebSockets: joining, matching, signaling only to the partner, the text
// chat, Next, Stop, leaving, reports with the transcript in the moderation queue, blocks, mutual Add, bans, limits,
// filters, the pages (with and without JavaScript) and the staff live page.
import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import WebSocket from 'ws'
import { createTestApp, startServer, type TestApp } from '../../test/harness.js'

type Msg = Record<string, any> & { type: string }
type Json = { status: string; data: any; error?: { code: string; message: string; details: { fields?: Record<string, string> } } }
interface User {
  id: number
  token: string
  name: string
}
interface Client {
  ws: WebSocket
  /** Every message received, in order (taken ones are removed). */
  inbox: Msg[]
  /** The next message of this type (one already received first), or a timeout. */
  next(type: string, ms?: number): Promise<Msg>
  send(m: unknown): void
  /** Wait a little and say whether a message of this type came. */
  quiet(type: string, ms?: number): Promise<boolean>
  closed: Promise<number>
}

describe('random chat plugin', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  const u: Record<string, User> = {}
  const open: Client[] = []
  const settings = () => t.h.plugins.loaded.get('random-chat')!.settings

  before(async () => {
    t = await createTestApp({ enable: ['random-chat'] })
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
    for (const name of ['ana', 'ben', 'cal', 'dee', 'eve', 'fay', 'gus', 'hal', 'ivy', 'mod']) u[name] = { ...(await t.register(name)), name }
    await t.h.users.setRole(u.mod!.id, 'moderator', null)
  })
  after(async () => {
    for (const c of open.splice(0)) c.ws.terminate()
    await server.close()
    await t.close()
  })
  beforeEach(async () => {
    for (const c of open.splice(0)) c.ws.close()
    await new Promise((r) => setTimeout(r, 50))
    const s = settings()
    for (const [k, v] of Object.entries({ min_account_age_hours: 0, fallback_seconds: 5, cooldown_minutes: 0, skips_per_minute: 10, daily_matches: 200, allow_filter_gender: false, allow_filter_region: true })) await s.set(k as 'fallback_seconds', v as number)
    await t.h.settings.updateCore({ 'rtc.stun_urls': '', 'rtc.turn_urls': '', 'rtc.turn_secret': '' }, null)
    // Forget earlier calls so daily limits and cool-downs start afresh.
    t.h.store.sqlite.prepare('delete from random_chat_sessions').run()
    t.h.store.sqlite.prepare('delete from random_chat_bans').run()
    t.h.limiter.forget('random-chat:')
  })

  const api = async (method: string, path: string, who?: User, json?: unknown) => {
    const res = await t.request(method, path, { token: who?.token, json })
    return { status: res.status, body: (await res.json()) as Json }
  }

  function connect(who: User): Promise<Client> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}/realtime/random-chat/meet`, { headers: { authorization: `Bearer ${who.token}` } })
      const inbox: Msg[] = []
      const waiting: { type: string; resolve: (m: Msg) => void }[] = []
      let closedResolve: (code: number) => void
      const client: Client = {
        ws,
        inbox,
        next(type, ms = 3000) {
          const i = inbox.findIndex((m) => m.type === type)
          if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]!)
          return new Promise((res, rej) => {
            const timer = setTimeout(() => rej(new Error(`${who.name}: no "${type}" within ${ms} ms; got ${JSON.stringify(inbox)}`)), ms)
            waiting.push({ type, resolve: (m) => (clearTimeout(timer), res(m)) })
          })
        },
        send: (m) => ws.send(JSON.stringify(m)),
        async quiet(type, ms = 300) {
          await new Promise((r) => setTimeout(r, ms))
          return !inbox.some((m) => m.type === type)
        },
        closed: new Promise((r) => (closedResolve = r)),
      }
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as Msg
        const w = waiting.findIndex((x) => x.type === m.type)
        if (w >= 0) waiting.splice(w, 1)[0]!.resolve(m)
        else inbox.push(m)
      })
      ws.on('close', (code) => closedResolve(code))
      ws.once('open', async () => {
        open.push(client)
        await client.next('hello')
        resolve(client)
      })
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
      ws.once('error', reject)
    })
  }

  /** The next message of a type that passes `ok`, skipping others of that type. */
  async function until(c: Client, type: string, ok: (m: Msg) => boolean): Promise<Msg> {
    for (;;) {
      const m = await c.next(type)
      if (ok(m)) return m
    }
  }
  const start = (c: Client, extra: Record<string, unknown> = {}) => c.send({ type: 'start', mode: 'video', ...extra })
  /** Two members start and are matched; returns their clients and the session id. */
  async function pair(a: User, b: User, extra: Record<string, unknown> = {}) {
    const ca = await connect(a)
    const cb = await connect(b)
    start(ca, extra)
    await ca.next('waiting')
    start(cb, extra)
    const [ma, mb] = await Promise.all([ca.next('matched'), cb.next('matched')])
    assert.equal(ma.session, mb.session)
    return { ca, cb, session: ma.session as string, ma, mb }
  }
  const live = async () => (await api('GET', '/api/v1/admin/random-chat', u.mod)).body.data

  it('refuses guests on the socket and the pages', async () => {
    await assert.rejects(
      new Promise((res, rej) => {
        const ws = new WebSocket(`ws://127.0.0.1:${server.port}/realtime/random-chat/meet`)
        ws.once('open', res)
        ws.once('unexpected-response', (_q, r) => rej(new Error(`HTTP ${r.statusCode}`)))
      }),
      /HTTP 401/,
    )
    const res = await t.request('GET', '/meet')
    assert.equal(res.status, 302)
  })

  it('matches two members, tells each who offers, and shows partners as Stranger', async () => {
    const { ma, mb } = await pair(u.ana!, u.ben!, { interests: 'chess, #Jazz' })
    assert.deepEqual([ma.role, mb.role], ['offer', 'answer'], 'the one who waited offers')
    assert.deepEqual([ma.partner, mb.partner], [
      { name: 'Stranger', avatar_url: null },
      { name: 'Stranger', avatar_url: null },
    ])
    assert.deepEqual(ma.shared.sort(), ['chess', 'jazz'])
    assert.equal(ma.mode, 'video')
    assert.deepEqual(ma.iceServers, [], 'no ICE servers configured: host candidates only')
    const l = await live()
    assert.equal(l.calls.length, 1)
    assert.deepEqual([l.calls[0].a, l.calls[0].b], ['ana', 'ben'])
    assert.deepEqual([l.matches_last_minute, l.matches_last_hour], [1, 1], 'counted from the sessions table, so a restart keeps them')
  })

  it('relays signals only to the current partner, and refuses bad ones', async () => {
    const { ca, cb, session } = await pair(u.ana!, u.ben!)
    const offer = { description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } }
    ca.send({ type: 'signal', session, data: offer })
    const got = await cb.next('signal')
    assert.deepEqual([got.session, got.data], [session, offer])
    cb.send({ type: 'signal', session, data: { candidate: { candidate: 'candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host', sdpMid: '0', sdpMLineIndex: 0 } } })
    assert.equal((await ca.next('signal')).data.candidate.sdpMid, '0')

    // A third member cannot signal into their session, nor can anyone to a made-up one.
    const cc = await connect(u.cal!)
    cc.send({ type: 'signal', session, data: offer })
    assert.equal((await cc.next('error')).code, 'NOT_PARTNER')
    ca.send({ type: 'signal', session: '00000000-0000-4000-8000-000000000000', data: offer })
    assert.equal((await ca.next('error')).code, 'NOT_PARTNER')
    ca.send({ type: 'signal', session, data: { description: { type: 'offer', sdp: 'hello' } } })
    assert.equal((await ca.next('error')).code, 'VALIDATION_FAILED')
    ca.send({ type: 'dance' })
    assert.match((await ca.next('error')).message, /Unknown message type/)
    assert.ok(await cc.quiet('signal'), 'nothing leaked to the third member')
    assert.equal(cb.inbox.filter((m) => m.type === 'signal').length, 0, 'the partner got only the good signal')
  })

  it('carries the text chat to both, rate-limits a flood, and refuses overlong messages', async () => {
    const { ca, cb, session } = await pair(u.ana!, u.ben!)
    ca.send({ type: 'chat', session, text: ' hi there ' })
    assert.deepEqual([(await ca.next('chat')).from, (await cb.next('chat')).text], ['you', 'hi there'])
    ca.send({ type: 'chat', session, text: 'x'.repeat(1001) })
    assert.match((await ca.next('error')).message, /under 1000/)
    for (let i = 0; i < 12; i++) cb.send({ type: 'chat', session, text: `flood ${i}` })
    assert.equal((await cb.next('error')).code, 'RATE_LIMITED')
  })

  it('Next ends the call for both, and finds someone new but not the same person (cool-down)', async () => {
    await settings().set('cooldown_minutes', 30)
    const { ca, cb, session } = await pair(u.fay!, u.gus!)
    ca.send({ type: 'next' })
    assert.deepEqual([(await ca.next('ended')).reason, (await cb.next('ended')).reason], ['you-next', 'partner-next'])
    await ca.next('waiting')
    cb.send({ type: 'next' })
    await cb.next('waiting')
    assert.ok(await ca.quiet('matched'), 'not paired again with the same person')
    const cc = await connect(u.hal!)
    start(cc)
    const m = await cc.next('matched')
    assert.notEqual(m.session, session)
    assert.equal((await ca.next('matched')).session, m.session, 'the one who waited longest gets the newcomer')
    const row = t.h.store.sqlite.prepare('select end_reason, ended_by from random_chat_sessions where id = ?').get(session) as { end_reason: string; ended_by: number }
    assert.deepEqual(row, { end_reason: 'next', ended_by: u.fay!.id })
  })

  it('Stop and disconnecting take a member out; the partner is told', async () => {
    const { ca, cb } = await pair(u.ana!, u.ben!)
    ca.send({ type: 'stop' })
    await ca.next('stopped')
    assert.equal((await cb.next('ended')).reason, 'partner-stopped')
    const { ca: c2, cb: d2 } = await pair(u.cal!, u.dee!)
    c2.ws.close()
    assert.equal((await d2.next('ended')).reason, 'partner-left')
    // Leaving while queued.
    start(cb)
    await cb.next('waiting')
    assert.equal((await live()).waiting.length, 1)
    cb.ws.close()
    await cb.closed
    await new Promise((r) => setTimeout(r, 50))
    assert.equal((await live()).waiting.length, 0)
  })

  it('a second Start never queues twice; Start during a call is refused; a second tab takes over', async () => {
    const ca = await connect(u.ana!)
    start(ca, { interests: 'chess' })
    start(ca, { interests: 'jazz' })
    await until(ca, 'waiting', (m) => m.interests[0] === 'jazz')
    const l = await live()
    assert.equal(l.waiting.length, 1)
    assert.deepEqual(l.waiting[0].interests, ['jazz'])
    // Hammering Start is refused before it costs the server anything.
    const spam = await connect(u.hal!)
    for (let i = 0; i < 40; i++) start(spam, { interests: 'nobody-shares-this' })
    const limited = await spam.next('error')
    assert.deepEqual([limited.code, limited.message], ['RATE_LIMITED', 'You started too many searches in a minute; wait a little.'])
    spam.send({ type: 'stop' })
    await spam.next('stopped')
    const cb = await connect(u.ben!)
    start(cb, { interests: 'jazz' })
    const { session } = await cb.next('matched')
    start(cb)
    assert.equal((await cb.next('error')).code, 'CONFLICT')
    // Ben opens Meet in another tab: the first is told and closed, and Ana's call ends.
    const cb2 = await connect(u.ben!)
    assert.equal((await cb.next('replaced')).type, 'replaced')
    assert.equal(await cb.closed, 4000)
    const ended = await ca.next('ended')
    assert.deepEqual([ended.session, ended.reason], [session, 'partner-left'])
    cb2.ws.close()
  })

  it('a member disconnecting between match and signaling leaves the partner told, never stuck', async () => {
    const { ca, cb, session } = await pair(u.eve!, u.fay!)
    ca.send({ type: 'signal', session, data: { description: { type: 'offer', sdp: 'v=0\r\n' } } })
    ca.ws.terminate()
    assert.equal((await cb.next('ended')).reason, 'partner-left')
    cb.send({ type: 'signal', session, data: { candidate: null } })
    assert.equal((await cb.next('error')).code, 'NOT_PARTNER')
  })

  it('a report lands in the moderation queue with both accounts, the interests and the transcript, and ends the call', async () => {
    const { ca, cb, session } = await pair(u.ana!, u.ben!, { interests: 'chess' })
    ca.send({ type: 'chat', session, text: 'hello' })
    await cb.next('chat')
    cb.send({ type: 'chat', session, text: 'you are awful' })
    await until(ca, 'chat', (m) => m.from === 'partner')
    const bad = await api('POST', `/api/v1/random-chat/sessions/${session}/report`, u.ana, { reason: 'nonsense' })
    assert.equal(bad.status, 400)
    assert.match(bad.body.error!.message, /Choose a reason/)
    assert.equal((await api('POST', `/api/v1/random-chat/sessions/${session}/report`, u.cal, { reason: 'harassment' })).status, 404, 'only those in the call')
    const r = await api('POST', `/api/v1/random-chat/sessions/${session}/report`, u.ana, { reason: 'harassment', note: 'rude' })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    assert.deepEqual([(await ca.next('ended')).reason, (await cb.next('ended')).reason], ['you-reported', 'partner-left'], 'the reported member is not told they were reported')

    const report = await t.h.moderation.get(r.body.data.report_id)
    assert.equal(report.target_type, 'random-chat.session')
    assert.equal(report.target_id, session)
    assert.equal(report.target_user?.username, 'ben')
    const snap = report.snapshot as any
    assert.deepEqual([snap.reporter.username, snap.reported.username, snap.reporter.interests, snap.shared_interests], ['ana', 'ben', ['chess'], ['chess']])
    assert.deepEqual(
      snap.transcript.map((l: any) => `${l.from}: ${l.text}`),
      ['ana: hello', 'ben: you are awful'],
    )
    assert.ok(snap.started_at && snap.ended_at)
    const queue = await t.h.moderation.queue()
    assert.ok(queue.items.some((i: any) => i.target_type === 'random-chat.session' && i.target_id === session))
    // Staff see it on the inspect page, transcript included.
    const mod = t.agent('10.7.0.1')
    await mod.loginViaForm('mod')
    const page = await mod.get(`/admin/reports/${r.body.data.report_id}`)
    const html = await page.text()
    assert.equal(page.status, 200, html.slice(0, 300))
    assert.match(html, /data-transcript[^>]*>.*<strong>ana<\/strong>: hello<\/li>.*<strong>ben<\/strong>: you are awful<\/li>/s, 'the transcript reads as a conversation')
    // Still reportable after the call, from the Meet page's recent list, without JavaScript.
    const ana = t.agent('10.7.0.2')
    await ana.loginViaForm('ana')
    const meet = await (await ana.get('/meet')).text()
    assert.match(meet, new RegExp(`data-recent-session="${session}"`))
    const again = await ana.post(`/meet/sessions/${session}/report`, { reason: 'spam', note: '' })
    assert.equal(again.status, 303)
    assert.match(again.headers.get('location')!, /done=reported/)
  })

  it('blocking ends the call and the two are never matched again', async () => {
    const { ca, cb, session } = await pair(u.gus!, u.hal!)
    const r = await api('POST', `/api/v1/random-chat/sessions/${session}/block`, u.gus)
    assert.equal(r.status, 200)
    assert.equal((await ca.next('ended')).reason, 'you-blocked')
    assert.equal((await cb.next('ended')).reason, 'partner-left')
    start(ca)
    await ca.next('waiting')
    start(cb)
    await cb.next('waiting')
    assert.ok(await ca.quiet('matched', 1500), 'no cool-down, but the block keeps them apart')
    assert.equal(await t.h.safety.blockedEitherWay(u.gus!.id, u.hal!.id), true, 'a real block: they no longer see each other anywhere')
    await t.h.safety.unblock(u.gus!.id, u.hal!.id)
  })

  it('when both press Add they follow each other and learn who the other is; one press alone reveals nothing', async () => {
    const { ca, cb, session } = await pair(u.ivy!, u.eve!)
    const first = await api('POST', `/api/v1/random-chat/sessions/${session}/add`, u.ivy)
    assert.deepEqual(first.body.data, { status: 'waiting', partner: null })
    assert.equal((await cb.next('partner-added')).session, session)
    assert.equal(await t.h.social.isFollowing(u.ivy!.id, u.eve!.id), false)
    ca.send({ type: 'next' })
    await cb.next('ended')
    const second = await api('POST', `/api/v1/random-chat/sessions/${session}/add`, u.eve)
    assert.deepEqual(second.body.data, { status: 'connected', partner: { username: 'ivy', display_name: 'ivy', url: '/u/ivy', follow: 'following' } })
    assert.deepEqual((await ca.next('added')).partner, { username: 'eve', display_name: 'eve', url: '/u/eve', follow: 'following' })
    assert.equal(await t.h.social.isFollowing(u.ivy!.id, u.eve!.id), true)
    assert.equal(await t.h.social.isFollowing(u.eve!.id, u.ivy!.id), true)
    const note = (await t.h.notifications.list(u.ivy!.id)).items.find((n: any) => n.type === 'random-chat.connected')
    assert.ok(note, 'a notification says so')
    assert.equal((await api('POST', `/api/v1/random-chat/sessions/${session}/add`, u.cal)).status, 404, 'not their chat')
  })

  it('Add with a private account sends a follow request, and says so', async () => {
    assert.equal((await api('PUT', '/api/v1/users/hal', u.hal, { is_private: true })).status, 200)
    const { ca, session } = await pair(u.cal!, u.hal!)
    await api('POST', `/api/v1/random-chat/sessions/${session}/add`, u.cal)
    const r = await api('POST', `/api/v1/random-chat/sessions/${session}/add`, u.hal)
    assert.equal(r.body.data.partner.follow, 'following', 'hal follows cal, whose account is public')
    const told = (await ca.next('added')).partner
    assert.deepEqual([told.username, told.follow], ['hal', 'requested'], 'cal is told a request went to the private account')
    const added = await api('POST', `/api/v1/random-chat/sessions/${session}/add`, u.cal)
    assert.equal(added.body.data.partner.follow, null, 'cal only asked to follow hal')
    assert.equal(await t.h.social.isFollowing(u.cal!.id, u.hal!.id), false)
    assert.equal(await t.h.social.isFollowing(u.hal!.id, u.cal!.id), true)
    assert.equal((await api('PUT', '/api/v1/users/hal', u.hal, { is_private: false })).status, 200)
  })

  it('a moderator ends a call and bans a member, which ends their call; a banned member cannot start', async () => {
    const { ca, cb, session } = await pair(u.ana!, u.ben!)
    assert.equal((await api('POST', `/api/v1/admin/random-chat/sessions/${session}/end`, u.ana)).status, 403, 'members cannot')
    assert.equal((await api('POST', `/api/v1/admin/random-chat/sessions/${session}/end`, u.mod)).status, 200)
    assert.deepEqual([(await ca.next('ended')).reason, (await cb.next('ended')).reason], ['moderator', 'moderator'])

    ca.send({ type: 'next' })
    await ca.next('waiting')
    const cc = await connect(u.cal!)
    start(cc)
    await cc.next('matched')
    await ca.next('matched')
    const bad = await api('POST', '/api/v1/admin/random-chat/bans', u.mod, { username: 'cal', hours: 0 })
    assert.equal(bad.status, 400)
    assert.match(bad.body.error!.message, /at least 1 hour/)
    assert.equal((await api('POST', '/api/v1/admin/random-chat/bans', u.mod, { username: 'nobody-here', hours: 2 })).status, 404)
    assert.equal((await api('POST', '/api/v1/admin/random-chat/bans', u.ana, { username: 'cal', hours: 2 })).status, 403)
    const ban = await api('POST', '/api/v1/admin/random-chat/bans', u.mod, { username: 'cal', hours: 2, reason: 'abuse' })
    assert.equal(ban.status, 201)
    assert.match((await cc.next('banned')).message, /banned from Meet until .*: abuse/)
    assert.equal((await cc.next('ended')).reason, 'banned')
    assert.equal((await ca.next('ended')).reason, 'partner-left')
    start(cc)
    const refused = await cc.next('error')
    assert.deepEqual([refused.code, /banned from Meet/.test(refused.message)], ['FORBIDDEN', true])
    const me = await api('GET', '/api/v1/random-chat/me', u.cal)
    assert.equal(me.body.data.can_start, false)
    assert.equal((await live()).bans[0].username, 'cal')
    assert.equal((await api('DELETE', '/api/v1/admin/random-chat/bans/cal', u.mod)).status, 200)
    assert.equal((await api('GET', '/api/v1/random-chat/me', u.cal)).body.data.can_start, true)
  })

  it('suspending a member ends their call', async () => {
    const { cb } = await pair(u.dee!, u.fay!)
    await t.h.users.suspend(u.dee!.id, 'spam', null)
    assert.equal((await cb.next('ended')).reason, 'partner-left')
    await t.h.users.unsuspend(u.dee!.id, null)
    u.dee = { ...u.dee!, token: (await (await t.request('POST', '/api/v1/users/login', { json: { login: 'dee', password: 'correct horse battery staple' } })).json() as Json).data.token }
  })

  it('refuses accounts younger than the minimum age, and members over the daily limit', async () => {
    await settings().set('min_account_age_hours', 24)
    const ca = await connect(u.ana!)
    start(ca)
    const young = await ca.next('error')
    assert.equal(young.code, 'FORBIDDEN')
    assert.match(young.message, /24 hours after they are made/)
    const page = await t.request('GET', '/meet', { token: u.ana!.token })
    assert.match(await page.text(), /data-refusal[^>]*>Meet opens to accounts 24 hours/)
    await settings().set('min_account_age_hours', 0)
    await settings().set('daily_matches', 1)
    ca.ws.close()
    const { ca: a2 } = await pair(u.ana!, u.ben!)
    a2.send({ type: 'next' })
    await a2.next('ended')
    const limited = await a2.next('error')
    assert.equal(limited.code, 'RATE_LIMITED')
    assert.match(limited.message, /met 1 people in the last 24 hours/)
  })

  it('lets a new community’s admin and moderators in on their first day; the age rule is for members', async () => {
    await settings().set('min_account_age_hours', 24)
    const root: User = { ...(await t.register('olga')), name: 'olga' }
    await t.h.users.setRole(root.id, 'admin', null)
    for (const who of [root, u.mod!]) {
      const c = await connect(who)
      start(c, { interests: 'first-day' })
      assert.deepEqual((await c.next('waiting')).interests, ['first-day'], `${who.name} may join`)
      c.send({ type: 'stop' })
      await c.next('stopped')
    }
    const page = await t.request('GET', '/meet', { token: root.token })
    assert.doesNotMatch(await page.text(), /data-refusal/)
    const member = await connect(u.ana!)
    start(member)
    assert.match((await member.next('error')).message, /24 hours after they are made/)
  })

  it('limits Next presses per minute', async () => {
    await settings().set('skips_per_minute', 1)
    const { ca, cb } = await pair(u.ana!, u.ben!)
    ca.send({ type: 'next' })
    await ca.next('ended')
    await cb.next('ended')
    cb.send({ type: 'next' })
    await ca.next('matched')
    ca.send({ type: 'next' })
    const e = await ca.next('error')
    assert.equal(e.code, 'RATE_LIMITED')
    assert.match(e.message, /Next 1 times in a minute/)
  })

  it('text-only members meet text members, and video members who accept text', async () => {
    const cv = await connect(u.ana!)
    start(cv, { mode: 'video', accept_text: false })
    await cv.next('waiting')
    const ct = await connect(u.ben!)
    start(ct, { mode: 'text' })
    await ct.next('waiting')
    assert.ok(await ct.quiet('matched'), 'a video member who wants video only is not paired with text')
    const cw = await connect(u.cal!)
    start(cw, { mode: 'video', accept_text: true })
    const m = await cw.next('matched')
    assert.equal(m.mode, 'video', 'the longest-waiting compatible is the video-only member')
    const ct2 = await connect(u.dee!)
    start(ct2, { mode: 'text' })
    const m2 = await ct2.next('matched')
    assert.equal(m2.mode, 'text')
    assert.equal((await ct.next('matched')).session, m2.session)
  })

  it('applies only the filters the admin allows, against what members declared', async () => {
    // Ana declares Germany; Ben asks for Brazil and so waits; Cal asks for Germany and meets Ana.
    assert.equal((await api('PUT', '/api/v1/random-chat/profile', u.ana, { region: 'de', language: 'de', birth_year: 1990 })).status, 200)
    const bad = await api('PUT', '/api/v1/random-chat/profile', u.ben, { region: 'Germany' })
    assert.equal(bad.status, 400)
    assert.match(bad.body.error!.details.fields!.region!, /two-letter country code/)
    const ca = await connect(u.ana!)
    start(ca)
    await ca.next('waiting')
    const cb = await connect(u.ben!)
    start(cb, { filters: { region: 'BR' } })
    await cb.next('waiting')
    assert.ok(await cb.quiet('matched'))
    const cc = await connect(u.cal!)
    start(cc, { filters: { region: 'DE', gender: 'woman' } })
    assert.equal((await cc.next('matched')).role, 'answer', 'gender filter ignored: the admin does not allow it')
    assert.equal((await ca.next('matched')).role, 'offer')
    start(cc, { filters: { age_min: 40, age_max: 30 } })
  })

  it('gives TURN credentials made from core’s secret in the match, never the secret', async () => {
    await t.h.settings.updateCore({ 'rtc.stun_urls': 'stun:stun.example.org:3478', 'rtc.turn_urls': 'turn:turn.example.org:3478', 'rtc.turn_secret': 'very-secret' }, null)
    const { ma } = await pair(u.ana!, u.ben!)
    assert.equal(ma.iceServers.length, 2)
    assert.match(ma.iceServers[1].username, new RegExp(`^\\d+:${u.ana!.id}$`))
    assert.ok(!JSON.stringify(ma).includes('very-secret'))
  })

  it('shows identity only to partners of members who allow it, with the settings panel', async () => {
    const ana = t.agent('10.7.1.1')
    await ana.loginViaForm('ana')
    const panel = await (await ana.get('/settings/random-chat')).text()
    assert.match(panel, /Show my display name/)
    const bad = await ana.post('/settings/random-chat', { show_identity: 'on', birth_year: 'old' })
    assert.match(await bad.text(), /birth year is a year/)
    const ok = await ana.post('/settings/random-chat', { show_identity: 'on', region: '', language: '', gender: '', birth_year: '' })
    assert.ok([200, 303].includes(ok.status))
    const { mb, ma } = await pair(u.ana!, u.ben!)
    assert.equal(mb.partner.name, 'ana', 'Ben sees Ana, who allows it')
    assert.equal(ma.partner.name, 'Stranger', 'Ana does not see Ben')
  })

  it('shows staff the live page in the console, refreshed by htmx, and the overview; members get 403', async () => {
    await pair(u.ana!, u.ben!)
    const mod = t.agent('10.7.2.1')
    await mod.loginViaForm('mod')
    const old = await mod.get('/meet/live')
    assert.equal(old.status, 301, 'an old bookmark lands in the console')
    assert.equal(old.headers.get('location'), '/admin/random-chat')
    const page = await mod.get('/admin/random-chat')
    const html = await page.text()
    assert.equal(page.status, 200)
    assert.match(html, /<nav class="admin-nav" aria-label="Admin">/, 'in the console layout')
    assert.match(html, /<a href="\/admin\/random-chat" aria-current="page" data-section="random-chat">/)
    assert.match(html, /hx-get="\/admin\/random-chat\/fragment"/)
    assert.match(html, /data-count="calls">1</)
    assert.match(html, /@ana<\/a> and <a href="\/u\/ben">@ben/)
    const frag = await (await mod.fetch('GET', '/admin/random-chat/fragment', { headers: { 'hx-request': 'true' } })).text()
    assert.doesNotMatch(frag, /<html/)
    const ban = await mod.post('/admin/random-chat/bans', { username: 'ghost', hours: '5', reason: '' })
    assert.equal(ban.status, 404)
    assert.match(await ban.text(), /There is no member @ghost/)
    const member = t.agent('10.7.2.2')
    await member.loginViaForm('ben')
    assert.equal((await member.get('/admin/random-chat')).status, 403)
  })

  // Last: it stops the server.
  it('records live calls as ended when Hearth closes (its onClose)', async () => {
    const { session } = await pair(u.cal!, u.dee!)
    const row = () => t.h.store.sqlite.prepare('select ended_at, end_reason from random_chat_sessions where id = ?').get(session) as { ended_at: string | null; end_reason: string | null }
    assert.equal(row().ended_at, null)
    await server.close()
    await t.restart()
    assert.notEqual(row().ended_at, null)
    assert.equal(row().end_reason, 'left')
  })
})
