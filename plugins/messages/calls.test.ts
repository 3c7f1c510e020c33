// Calls, presence and delivery receipts of the messages plugin over a real server, real SQLite and real WebSockets:
// who may call (the rule of writing: no stranger, no block, no request not accepted), ringing on every socket of the
// callee and stopping on all when one answers, signals only between the two, declined, missed and finished calls
// leaving their line, last seen hidden both ways, and one delivered marker per member that reaches every tab.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Frame, TestSocket } from '../../test/realtime.js'
import { duration } from './call-text.js'
import { presenceText } from './presence.js'
import { messagesTest, type User } from './test-setup.js'

describe('messages: calls, presence and delivery', () => {
  const mt = messagesTest({ names: ['ana', 'ben', 'cal', 'dee', 'eve', 'fay', 'gus', 'hal'], server: true })
  const { u, api, direct, socket, join } = mt
  const send = mt.sendId
  const settings = () => mt.settings()
  /** A socket of the member in their own topic, as each of their pages is. */
  const page = async (who: User) => {
    const s = await socket(who)
    assert.equal((await join(s, `messages:user:${who.id}`)).op, 'joined')
    return s
  }
  const event = (s: TestSocket, topic: string, name: string, match: (d: any) => boolean = () => true, ms?: number) =>
    s.next((f: Frame) => f.topic === topic && f.event === name && match(f.data), ms)
  const lines = async (who: User, id: number) =>
    ((await api('GET', `/conversations/${id}/messages?limit=100`, who)).body.data as { kind: string; text: string; event: any }[]).filter((m) => m.kind === 'system' && m.event?.type === 'call')
  const startCall = async (from: User, id: number, video = true) => api('POST', `/conversations/${id}/calls`, from, { video })

  it('lets members who may write to each other call, and nobody else', async () => {
    const [ana, ben, cal, dee] = [u.ana!, u.ben!, u.cal!, u.dee!]
    const ab = await direct(ana, ben)
    // A stranger whose recipient lets nobody in has only a request: no call either way until it is accepted.
    await mt.t.h.safety.setPrivacy(cal.id, { who_can_message: 'nobody' })
    const dc = await direct(dee, cal)
    await send(dee, dc, 'hello?')
    const refused = await startCall(dee, dc)
    assert.equal(refused.status, 403)
    assert.equal(refused.body.error?.code, 'FORBIDDEN')
    assert.equal((await startCall(cal, dc)).status, 403, 'the recipient of a request accepts it before calling')
    // No call buttons where no call may be made; the thread of two who may write has them.
    const calPage = await mt.t.agent()
    await calPage.loginViaForm('cal')
    assert.doesNotMatch(await calPage.text(`/messages/${dc}`), /data-call-buttons/)
    const anaPage = await mt.t.agent()
    await anaPage.loginViaForm('ana')
    const thread = await anaPage.text(`/messages/${ab}`)
    assert.match(thread, /<div class="messages-call-buttons" data-call-buttons="true" hidden>/, 'hidden until call.js runs: calls need JavaScript')
    assert.match(thread, /src="\/static\/rtc.js"/)
    // A block hides the conversation, so a call answers like a missing one.
    const ad = await direct(ana, dee)
    await mt.t.h.safety.block(dee.id, ana.id)
    assert.deepEqual((await startCall(ana, ad)).body.error, (await startCall(ana, 999_999)).body.error)
    assert.equal((await startCall(ana, ad)).status, 404)
    // Bad input: a word for `video`, a call that does not exist.
    assert.equal((await api('POST', `/conversations/${ab}/calls`, ana, { video: 'yes' })).status, 400)
    assert.equal((await api('POST', '/calls/00000000-0000-0000-0000-000000000000/accept', ben)).status, 404)
    assert.equal((await api('POST', '/calls/nonsense/accept', ben)).status, 404)
    // Guests: nothing.
    assert.equal((await api('POST', `/conversations/${ab}/calls`, undefined, {})).status, 401)
  })

  it('rings every page of the callee; answering on one stops the others; signals pass only between the two', async () => {
    const [ana, ben, cal] = [u.ana!, u.ben!, u.cal!]
    const id = await direct(ana, ben)
    const [tab1, tab2] = [await page(ben), await page(ben)]
    const anaPage = await page(ana)
    // Nobody joins another member's own topic.
    assert.equal((await join(await socket(cal), `messages:user:${ben.id}`)).op, 'error')

    const started = await startCall(ana, id, true)
    assert.equal(started.status, 201, JSON.stringify(started.body))
    const call = started.body.data.call
    assert.deepEqual(started.body.data.ice_servers, [], 'no STUN or TURN configured: host candidates only')
    assert.equal(call.state, 'ringing')
    const userTopic = `messages:user:${ben.id}`
    const [r1, r2] = await Promise.all([event(tab1, userTopic, 'ring'), event(tab2, userTopic, 'ring')])
    assert.equal(r1.data.call.id, call.id)
    assert.equal(r2.data.call.caller.username, 'ana')
    assert.equal(r1.data.call.video, true)
    // Both busy now.
    assert.equal((await startCall(ben, id)).status, 409)

    // Only the two join the call's topic.
    const callTopic = `messages:call:${call.id}`
    assert.equal((await join(anaPage, callTopic)).op, 'joined')
    assert.equal((await join(await socket(cal), callTopic)).op, 'error')
    assert.equal((await join(tab1, callTopic)).op, 'joined')

    // Ben answers on tab 1: both tabs hear "answered" (tab 2 stops ringing), ana's page makes the offer.
    const answered = await api('POST', `/calls/${call.id}/accept`, ben)
    assert.equal(answered.status, 200)
    await Promise.all([event(tab1, userTopic, 'call', (d) => d.state === 'answered'), event(tab2, userTopic, 'call', (d) => d.state === 'answered')])
    await event(anaPage, callTopic, 'accepted')
    assert.equal((await api('POST', `/calls/${call.id}/accept`, ben)).status, 409, 'answered once')
    assert.equal((await api('POST', `/calls/${call.id}/decline`, ben)).status, 409)

    const offer = { description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' } }
    anaPage.send({ op: 'send', topic: callTopic, message: { signal: { nonsense: true } } })
    anaPage.send({ op: 'send', topic: callTopic, message: { signal: offer } })
    const got = await event(tab1, callTopic, 'signal')
    assert.deepEqual(got.data, { from: ana.id, data: offer }, 'the refused signal was dropped; the good one arrived')
    tab1.send({ op: 'send', topic: callTopic, message: { muted: true, camera: false } })
    assert.deepEqual((await event(anaPage, callTopic, 'media')).data, { userId: ben.id, muted: true, camera: false })
    assert.equal(anaPage.frames.filter((f) => f.topic === callTopic && f.event === 'signal').length, 0, 'nobody hears their own signals')

    // Ana hangs up: both hear it; the thread gets "Video call, N s".
    assert.equal((await api('POST', `/calls/${call.id}/end`, ana)).status, 200)
    const ended = await event(tab1, callTopic, 'ended')
    assert.equal(ended.data.outcome, 'ended')
    assert.ok(ended.data.seconds >= 1)
    await event(tab2, userTopic, 'call', (d) => d.state === 'ended')
    const [line] = await lines(ana, id)
    assert.equal(line?.text, `Video call, ${duration(ended.data.seconds)}`)
    assert.deepEqual((await lines(ben, id)).map((l) => l.text), [line?.text])
    assert.equal((await api('POST', `/calls/${call.id}/end`, ana)).status, 404, 'gone once ended')
  })

  it('writes "Declined call" when the callee declines and "Missed call" when nobody answers', async () => {
    const [eve, fay] = [u.eve!, u.fay!]
    const id = await direct(eve, fay)
    const fayPage = await page(fay)
    const first = (await startCall(eve, id, false)).body.data.call
    await event(fayPage, `messages:user:${fay.id}`, 'ring', (d) => d.call.id === first.id)
    assert.equal((await api('POST', `/calls/${first.id}/decline`, eve)).status, 404, 'only the callee declines')
    assert.equal((await api('POST', `/calls/${first.id}/decline`, fay)).status, 200)
    await event(fayPage, `messages:user:${fay.id}`, 'call', (d) => d.id === first.id && d.state === 'ended' && d.outcome === 'declined')
    assert.deepEqual((await lines(eve, id)).map((l) => l.text), ['Declined call'])

    await settings().set('call_ring_seconds', 2)
    const second = (await startCall(eve, id, true)).body.data.call
    await event(fayPage, `messages:user:${fay.id}`, 'call', (d) => d.id === second.id && d.state === 'ended' && d.outcome === 'missed', 8000)
    assert.deepEqual((await lines(fay, id)).map((l) => l.text), ['Missed video call', 'Declined call'])
    assert.equal((await lines(fay, id))[0]?.event.outcome, 'missed')
    // A call's line is not unread.
    assert.deepEqual((await api('GET', '/unread', fay)).body.data, { conversations: 0, requests: 0 })
    await settings().set('call_ring_seconds', 30)
    // The callee is told of the missed call (not of the declined one), grouped per conversation.
    const missed = async () => (await mt.t.h.notifications.list(fay.id)).items.filter((n) => n.type === 'messages.missed_call')
    assert.deepEqual((await missed()).map((n) => [n.text, n.url]), [['Missed video call from eve', `/messages/${id}`]])
    // A caller who hangs up before an answer leaves a missed call too (the entry now says the latest: a voice call).
    const third = (await startCall(eve, id, false)).body.data.call
    assert.equal((await api('POST', `/calls/${third.id}/end`, eve)).status, 200)
    assert.deepEqual((await missed()).map((n) => n.text), ['Missed call from eve'])
    // Not for a conversation the callee muted (a video call would have changed the entry).
    await api('PATCH', `/conversations/${id}`, fay, { muted: true })
    const fourth = (await startCall(eve, id, true)).body.data.call
    assert.equal((await api('POST', `/calls/${fourth.id}/end`, eve)).status, 200)
    assert.deepEqual((await missed()).map((n) => n.text), ['Missed call from eve'])
    await api('PATCH', `/conversations/${id}`, fay, { muted: false })
    // A block while it rings ends it without telling anyone.
    const newest = () => Number(mt.t.h.store.sqlite.prepare("select coalesce(max(id), 0) from notifications where type = 'messages.missed_call' and user_id = ?").pluck().get(fay.id))
    const before = newest()
    const fifth = (await startCall(eve, id, true)).body.data.call
    await mt.t.h.safety.block(fay.id, eve.id)
    await event(fayPage, `messages:user:${fay.id}`, 'call', (d) => d.id === fifth.id && d.state === 'ended')
    assert.ok(newest() <= before, 'no missed-call notification stored')
    await mt.t.h.safety.unblock(fay.id, eve.id)
  })

  it('shows last seen only when both members show theirs, online while any page is open', async () => {
    const [gus, hal] = [u.gus!, u.hal!]
    const id = await direct(gus, hal)
    const presence = async () => (await api('GET', `/conversations/${id}/presence`, gus)).body.data
    assert.deepEqual(await presence(), { online: false, last_seen_at: null, text: null })
    const a = await page(hal)
    const b = await page(hal)
    a.send({ op: 'send', topic: `messages:user:${hal.id}`, message: { alive: true } })
    for (let i = 0; i < 50 && !(await presence())?.last_seen_at; i++) await new Promise((r) => setTimeout(r, 50))
    assert.equal((await presence()).text, 'Active now')
    const agent = await mt.t.agent()
    await agent.loginViaForm('gus')
    assert.match(await agent.text(`/messages/${id}`), /data-presence="\d+">Active now</)
    // One page closes: still online.
    await a.close()
    for (let i = 0; i < 50 && mt.t.h.realtime.topicMembers(`messages:user:${hal.id}`) > 0 && (await presence()).online !== true; i++) await new Promise((r) => setTimeout(r, 50))
    assert.equal((await presence()).online, true)
    await b.close()
    for (let i = 0; i < 100 && (await presence()).online; i++) await new Promise((r) => setTimeout(r, 50))
    const away = await presence()
    assert.equal(away.online, false)
    assert.equal(away.text, 'Active 1 min ago')
    // Hal hides his: gus sees nothing. Gus hides his (hal shows again): gus sees nobody's.
    await mt.t.h.safety.setPrivacy(hal.id, { show_last_seen: false })
    assert.equal(await presence(), null)
    assert.doesNotMatch(await agent.text(`/messages/${id}`), /Active/)
    await mt.t.h.safety.setPrivacy(hal.id, { show_last_seen: true })
    await mt.t.h.safety.setPrivacy(gus.id, { show_last_seen: false })
    assert.equal(await presence(), null)
    // And for a hidden conversation: like a missing one.
    assert.equal((await api('GET', '/conversations/999999/presence', gus)).status, 404)
  })

  it('keeps one delivered marker per member, told to every page of the sender, never by a request\'s recipient', async () => {
    const [ana, cal, eve, hal] = [u.ana!, u.cal!, u.eve!, u.hal!]
    const id = await direct(eve, hal)
    const convTopic = `messages:conv:${id}`
    const [eveTab1, eveTab2] = [await socket(eve), await socket(eve)]
    for (const s of [eveTab1, eveTab2]) assert.equal((await join(s, convTopic)).op, 'joined')
    const halPage = await page(hal)
    const first = await send(eve, id, 'one')
    // Hal's page hears of it and says it arrived; both of eve's pages show "Delivered".
    const note = await event(halPage, `messages:user:${hal.id}`, 'delivery')
    assert.deepEqual(note.data, { conversationId: id, messageId: first })
    halPage.send({ op: 'send', topic: `messages:user:${hal.id}`, message: { delivered: first, conversation: id } })
    for (const s of [eveTab1, eveTab2]) assert.deepEqual((await event(s, convTopic, 'delivered')).data, { userId: hal.id, messageId: first })
    assert.equal((await api('GET', `/conversations/${id}`, eve)).body.data.delivered_id, first)
    const marker = () => mt.t.h.store.sqlite.prepare('select last_delivered_id as d from messages_participants where conversation_id = ? and user_id = ?').get(id, hal.id) as { d: number }
    assert.equal(marker().d, first)
    const page1 = await mt.t.agent()
    await page1.loginViaForm('eve')
    assert.match(await page1.text(`/messages/${id}`), /data-delivered-marker="true">Delivered</)
    // Saying it again, or a lower id, or a message that does not exist changes nothing.
    halPage.send({ op: 'send', topic: `messages:user:${hal.id}`, message: { delivered: 999_999_999, conversation: id } })
    halPage.send({ op: 'send', topic: `messages:user:${hal.id}`, message: { delivered: 'x' } })
    await halPage.next((f) => f.op === 'error' && f.topic === `messages:user:${hal.id}`)
    assert.equal(marker().d, first)

    // Sent while hal has no page open: delivered when one opens (its first "alive").
    await halPage.close()
    const second = await send(eve, id, 'two')
    assert.equal(marker().d, first)
    const later = await page(hal)
    later.send({ op: 'send', topic: `messages:user:${hal.id}`, message: { alive: true } })
    for (const s of [eveTab1, eveTab2]) assert.deepEqual((await event(s, convTopic, 'delivered', (d) => d.messageId === second)).data, { userId: hal.id, messageId: second })
    // Reading shows "Seen" on both of eve's pages too (read receipts on both sides).
    assert.equal((await api('POST', `/conversations/${id}/read`, hal, {})).status, 200)
    for (const s of [eveTab1, eveTab2]) await event(s, convTopic, 'read', (d) => d.messageId === second)

    // A request's recipient never says "delivered": the sender sees the same either way.
    await mt.t.h.safety.setPrivacy(cal.id, { who_can_message: 'nobody' })
    const req = await direct(ana, cal)
    const calPage = await page(cal)
    const m = await send(ana, req, 'a request')
    calPage.send({ op: 'send', topic: `messages:user:${cal.id}`, message: { delivered: m, conversation: req } })
    calPage.send({ op: 'send', topic: `messages:user:${cal.id}`, message: { alive: true } })
    await new Promise((r) => setTimeout(r, 200))
    assert.equal((await api('GET', `/conversations/${req}`, ana)).body.data.delivered_id, null)
    assert.equal(calPage.frames.filter((f) => f.event === 'delivery').length, 0)
  })

  it('words calls and presence', () => {
    assert.equal(duration(12), '12 s')
    assert.equal(duration(240), '4 min')
    assert.equal(duration(3900), '1 h 5 min')
    const now = Date.parse('2026-12-05T12:00:00Z')
    assert.equal(presenceText({ online: false, last_seen_at: '2026-12-05T11:55:00Z' }, now), 'Active 5 min ago')
    assert.equal(presenceText({ online: false, last_seen_at: '2026-12-05T09:00:00Z' }, now), 'Active 3 h ago')
    assert.equal(presenceText({ online: true, last_seen_at: null }, now), 'Active now')
    assert.equal(presenceText(null, now), null)
  })
})
