// The messages plugin over a real server, real SQLite and real WebSockets: who may message whom and requests,
// blocks both ways, group membership (a removed member sees nothing after, on pages, the API and the topic),
// idempotent sends, the edit window, unsend and delete-for-me, read receipts, typing, notifications, limits, and
// every path for a stranger, a blocked member, a removed member and a guest.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { openSocket } from '../../test/realtime.js'
import { messagesTest, type User } from './test-setup.js'

describe('messages plugin', () => {
  const mt = messagesTest({ names: ['ana', 'ben', 'cal', 'dee', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jon', 'kim', 'lou', 'mia', 'ned'], server: true })
  const { u, api, direct, send, texts, agentOf, socket, join, notes } = mt
  const settings = () => mt.settings()
  const folder = async (who: User, name: string) => ((await api('GET', `/conversations?folder=${name}`, who)).body.data as { id: number }[]).map((c) => c.id)
  /** What a missing conversation answers, to compare a hidden one with. */
  const missing = async (who: User) => api('GET', '/conversations/999999', who)

  it('loads, with its tables, its nav entry and its settings page', async () => {
    const status = (await mt.t.h.plugins.status()).find((p) => p.name === 'messages')
    assert.equal(status?.error ?? null, null)
    const tables = mt.t.h.store.sqlite.prepare("select name from sqlite_master where type = 'table' and name like 'messages_%' and name not like 'messages_search_%' order by name").all() as { name: string }[]
    for (const name of ['messages_bodies', 'messages_conversations', 'messages_hidden', 'messages_messages', 'messages_participants', 'messages_prefs', 'messages_search', 'messages_shares']) assert.ok(tables.some((r) => r.name === name), name)
    const a = await agentOf(u.ana!)
    assert.match(await a.text('/'), /data-nav="messages"/)
    assert.match(await a.text('/settings/messages'), /Send read receipts/)
  })

  it('puts a Message button on other members\' profiles that opens the conversation, not on one\'s own or for guests', async () => {
    const a = await agentOf(u.lou!)
    const profile = await a.text('/u/kim')
    assert.match(profile, /<form method="post" action="\/messages\/new"[^>]*data-message-button[^>]*>.*?name="user" value="kim"/s)
    assert.doesNotMatch(await a.text('/u/lou'), /data-message-button/)
    assert.doesNotMatch(await (await mt.t.request('GET', '/u/kim')).text(), /data-message-button/)
    const opened = await a.post('/messages/new', { user: 'kim' })
    assert.equal(opened.status, 303)
    assert.match(opened.headers.get('location') ?? '', /^\/messages\/\d+$/)
  })

  it('lets anyone in when the recipient allows everyone, and sends the rest to their requests', async () => {
    const [ana, ben, cal, dee] = [u.ana!, u.ben!, u.cal!, u.dee!]
    await mt.t.h.safety.setPrivacy(ben.id, { who_can_message: 'followers' })
    await mt.t.h.social.follow(cal.id, 'ben')
    const fromAna = await direct(ana, ben)
    const fromCal = await direct(cal, ben)
    assert.equal((await send(ana, fromAna, 'hi ben, we have not met')).status, 201)
    assert.equal((await send(cal, fromCal, 'hi from a follower')).status, 201)
    assert.deepEqual(await folder(ben, 'inbox'), [fromCal])
    assert.deepEqual(await folder(ben, 'requests'), [fromAna])
    assert.deepEqual((await api('GET', '/unread', ben)).body.data, { conversations: 1, requests: 1 })
    // Nobody: even a follower's new conversation is a request.
    await mt.t.h.safety.setPrivacy(dee.id, { who_can_message: 'nobody' })
    await mt.t.h.social.follow(cal.id, 'dee')
    const toDee = await direct(cal, dee)
    await send(cal, toDee, 'hello dee')
    assert.deepEqual(await folder(dee, 'requests'), [toDee])
    // No notification for a request; the requests page lists it with Accept, Delete and Block.
    assert.equal((await notes(ben)).filter((n) => n.url === `/messages/${fromAna}`).length, 0)
    const page = await (await agentOf(ben)).text(`/messages/${fromAna}`)
    assert.match(page, /data-request/)
    assert.match(page, /\/accept/)
    assert.doesNotMatch(page, /data-compose/)
    // Accepting moves it to the inbox; writing back works.
    assert.equal((await api('POST', `/conversations/${fromAna}/accept`, ben)).status, 200)
    assert.deepEqual((await folder(ben, 'inbox')).sort(), [fromAna, fromCal].sort())
    assert.equal((await send(ben, fromAna, 'nice to meet you')).status, 201)
  })

  it('never tells the sender whether the recipient read, accepted or deleted a request', async () => {
    const [eve, fay] = [u.eve!, u.fay!]
    await mt.t.h.safety.setPrivacy(fay.id, { who_can_message: 'nobody' })
    const id = await direct(eve, fay)
    await send(eve, id, 'may I?')
    const seen = async () => (await api('GET', `/conversations/${id}`, eve)).body.data
    const before = await seen()
    await (await agentOf(fay)).text(`/messages/${id}`) // fay reads it
    assert.deepEqual(await seen(), before)
    assert.equal((await api('POST', `/conversations/${id}/decline`, fay)).status, 200)
    assert.deepEqual(await seen(), before)
    // Gone for fay, exactly like a missing conversation.
    const gone = await api('GET', `/conversations/${id}`, fay)
    assert.deepEqual(gone, await missing(fay))
    assert.deepEqual(await folder(fay, 'requests'), [])
    // Eve writes again: back in fay's requests, with only... what eve sent.
    assert.equal((await send(eve, id, 'second try')).status, 201)
    assert.deepEqual(await folder(fay, 'requests'), [id])
  })

  it('hides a conversation both ways after a block, and refuses new messages like a missing member', async () => {
    const [gus, hal] = [u.gus!, u.hal!]
    const id = await direct(gus, hal)
    await send(gus, id, 'hello hal')
    const halSocket = await socket(hal)
    assert.equal((await join(halSocket, id)).op, 'joined')
    await mt.t.h.safety.block(hal.id, gus.id)
    // The block takes hal out of the topic at once.
    assert.equal((await halSocket.next((f) => f.op === 'left')).reason, 'removed')
    for (const who of [gus, hal]) {
      assert.deepEqual(await api('GET', `/conversations/${id}`, who), await missing(who))
      assert.deepEqual(await api('GET', `/conversations/${id}/messages`, who), await api('GET', '/conversations/999999/messages', who))
      assert.deepEqual(await send(who, id, 'still there?'), await send(who, 999999, 'still there?'))
      assert.deepEqual(await folder(who, 'inbox'), [])
      const a = await agentOf(who)
      assert.equal((await a.get(`/messages/${id}`)).status, 404)
      assert.doesNotMatch(await a.text('/messages'), new RegExp(`/messages/${id}"`))
      const s = await socket(who)
      assert.deepEqual(await join(s, id), await join(s, 999999).then((f) => ({ ...f, topic: `messages:conv:${id}` })))
    }
    // A new conversation answers exactly like an unknown member, both ways.
    assert.deepEqual(await api('POST', '/conversations', gus, { user: 'hal' }), await api('POST', '/conversations', gus, { user: 'nobody_here' }))
    assert.deepEqual(await api('POST', '/conversations', hal, { user: 'gus' }), await api('POST', '/conversations', hal, { user: 'nobody_here' }))
    assert.equal((await api('POST', '/conversations', gus, { user: 'hal' })).body.error?.code, 'NOT_FOUND')
  })

  it('shows a removed or departed member nothing sent after, on pages, the API, the topic and notifications', async () => {
    const [ana, ben, cal, dee] = [u.ana!, u.ben!, u.cal!, u.dee!]
    await mt.t.h.safety.setPrivacy(ben.id, { who_can_message: 'everyone' })
    await mt.t.h.safety.setPrivacy(dee.id, { who_can_message: 'everyone' })
    const created = await api('POST', '/conversations', ana, { name: 'Book club', members: ['ben', 'cal'] })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body.data.id as number
    assert.deepEqual(created.body.data.members.map((m: { username: string }) => m.username).sort(), ['ana', 'ben', 'cal'])
    await send(ana, id, 'before')
    const calSocket = await socket(cal)
    assert.equal((await join(calSocket, id)).op, 'joined')
    await calSocket.next((f) => f.event === 'message' && f.data.text === 'before').catch(() => null)
    // Cal is removed: out of the topic at once, and nothing after reaches them anywhere.
    assert.equal((await api('DELETE', `/conversations/${id}/members/${cal.id}`, ana)).status, 200)
    assert.equal((await calSocket.next((f) => f.op === 'left' && f.topic === `messages:conv:${id}`)).reason, 'removed')
    const before = (await notes(cal)).length
    await send(ana, id, 'after cal left')
    await send(ben, id, 'ben too')
    assert.deepEqual(await texts(cal, id), ['ana created the group', 'before', 'ana removed cal'])
    assert.ok(!calSocket.frames.some((f) => f.data?.text === 'after cal left'))
    assert.equal((await notes(cal)).length, before)
    const calPage = await (await agentOf(cal)).text(`/messages/${id}`)
    assert.doesNotMatch(calPage, /after cal left/)
    assert.match(calPage, /You were removed from this group/)
    assert.doesNotMatch(calPage, /data-compose/)
    assert.equal((await send(cal, id, 'let me back')).body.error?.code, 'FORBIDDEN')
    assert.equal((await join(calSocket, id)).code, 'NOT_FOUND')
    // Ben leaves the same way; dee joins later and sees nothing from before.
    assert.equal((await api('DELETE', `/conversations/${id}/members/${ben.id}`, ben)).status, 200)
    await send(ana, id, 'after ben left')
    assert.ok(!(await texts(ben, id)).includes('after ben left'))
    assert.equal((await api('POST', `/conversations/${id}/members`, ana, { user: 'dee' })).status, 201)
    await send(ana, id, 'welcome dee')
    assert.deepEqual(await texts(dee, id), ['ana added dee', 'welcome dee'])
    // Only the owner and admins manage members.
    assert.equal((await api('POST', `/conversations/${id}/members`, dee, { user: 'eve' })).body.error?.code, 'FORBIDDEN')
  })

  it('keeps a group within its size cap', async () => {
    await settings().set('max_group_members', 3)
    try {
      const r = await api('POST', '/conversations', u.ivy!, { name: 'Big', members: ['jon', 'kim', 'lou'] })
      assert.equal(r.status, 400)
      assert.match(r.body.error!.message, /at most 3 members/)
      const ok = await api('POST', '/conversations', u.ivy!, { name: 'Small', members: ['jon', 'kim'] })
      assert.equal(ok.status, 201)
      assert.equal((await api('POST', `/conversations/${ok.body.data.id}/members`, u.ivy!, { user: 'lou' })).status, 409)
    } finally {
      await settings().set('max_group_members', 250)
    }
  })

  it('stores a message once however often its send is retried with the same client id', async () => {
    const [ivy, jon] = [u.ivy!, u.jon!]
    const id = await direct(ivy, jon)
    const first = await send(ivy, id, 'only once', { client_id: 'abc12345-retry' })
    const again = await send(ivy, id, 'only once', { client_id: 'abc12345-retry' })
    assert.equal(first.status, 201)
    assert.equal(again.status, 200)
    assert.equal(again.body.data.id, first.body.data.id)
    // The form does the same: its hidden client id makes a double submit one message.
    const a = await agentOf(ivy)
    for (let i = 0; i < 2; i++) assert.equal((await a.post(`/messages/${id}`, { text: 'from the form', client_id: 'form-client-1' })).status, 303)
    assert.deepEqual(await texts(jon, id), ['only once', 'from the form'])
  })

  it('refuses a reply to a message outside the conversation and stores nothing', async () => {
    const [ivy, jon, kim] = [u.ivy!, u.jon!, u.kim!]
    const id = await direct(ivy, jon)
    const other = await direct(ivy, kim)
    const elsewhere = (await send(ivy, other, 'elsewhere')).body.data.id
    const r = await send(ivy, id, 'a reply', { reply_to: elsewhere })
    assert.equal(r.status, 400)
    assert.ok(r.body.error?.details.fields?.reply_to)
    assert.ok(!(await texts(jon, id)).includes('a reply'))
    const target = (await send(jon, id, 'quote me')).body.data.id
    const reply = await send(ivy, id, 'replying', { reply_to: target })
    assert.deepEqual(reply.body.data.reply_to, { id: target, sender: 'jon', text: 'quote me', unsent: false })
  })

  it('lets the sender edit within 15 minutes, shown as edited, and not after', async () => {
    const [kim, lou] = [u.kim!, u.lou!]
    const id = await direct(kim, lou)
    const m = (await send(kim, id, 'tpyo')).body.data
    assert.equal((await api('PATCH', `/conversations/${id}/messages/${m.id}`, lou, { text: 'not mine' })).status, 403)
    const edited = await api('PATCH', `/conversations/${id}/messages/${m.id}`, kim, { text: 'typo' })
    assert.equal(edited.status, 200)
    assert.equal(edited.body.data.text, 'typo')
    assert.ok(edited.body.data.edited_at)
    assert.match(await (await agentOf(lou)).text(`/messages/${id}`), /edited/)
    mt.t.h.store.sqlite.prepare('update messages_messages set created_at = ? where id = ?').run(new Date(Date.now() - 16 * 60_000).toISOString(), m.id)
    const late = await api('PATCH', `/conversations/${id}/messages/${m.id}`, kim, { text: 'too late' })
    assert.equal(late.status, 409)
    assert.deepEqual(await texts(lou, id), ['typo'])
  })

  it('unsends for everyone (the text is erased) and deletes for me only', async () => {
    const [kim, lou] = [u.kim!, u.lou!]
    const id = await direct(kim, lou)
    const louSocket = await socket(lou)
    await join(louSocket, id)
    const m = (await send(kim, id, 'oops, wrong chat')).body.data
    const keep = (await send(kim, id, 'keep this')).body.data
    assert.equal((await api('DELETE', `/conversations/${id}/messages/${m.id}`, lou)).status, 403)
    assert.equal((await api('DELETE', `/conversations/${id}/messages/${m.id}`, kim)).status, 200)
    assert.deepEqual((await louSocket.next((f) => f.event === 'unsent')).data, { id: m.id })
    assert.equal((mt.t.h.store.sqlite.prepare('select count(*) as n from messages_bodies where message_id = ?').get(m.id) as { n: number }).n, 0)
    const seen = (await api('GET', `/conversations/${id}/messages`, lou)).body.data.find((x: { id: number }) => x.id === m.id)
    assert.equal(seen.unsent, true)
    assert.equal(seen.text, null)
    assert.doesNotMatch(await (await agentOf(lou)).text(`/messages/${id}`), /wrong chat/)
    // Delete for me: gone for lou, still there for kim.
    assert.equal((await api('POST', `/conversations/${id}/messages/${keep.id}/hide`, lou)).status, 200)
    assert.ok(!(await texts(lou, id)).includes('keep this'))
    assert.ok((await texts(kim, id)).includes('keep this'))
  })

  it('pushes new messages and typing to the conversation, replays what a page missed, and honours read receipts', async () => {
    const [eve, gus] = [u.eve!, u.gus!]
    const id = await direct(eve, gus)
    const eveSocket = await socket(eve)
    const gusSocket = await socket(gus)
    await join(eveSocket, id)
    await join(gusSocket, id)
    const sent = (await send(eve, id, 'live hello https://example.org @gus and @GUS, not @ana')).body.data
    const pushed = await gusSocket.next((f) => f.event === 'message' && f.data.id === sent.id)
    assert.equal(pushed.seq, sent.id)
    assert.match(pushed.data.html, /<a href="https:\/\/example.org"/)
    assert.match(pushed.data.html, /<a href="\/u\/gus" class="mention">@gus<\/a>/)
    assert.match(pushed.data.html, /<a href="\/u\/GUS" class="mention">@GUS<\/a>/, 'any case')
    // Only members of the conversation are linked (ana exists, but is not in it).
    assert.match(pushed.data.html, /not @ana$/)
    // Typing reaches the other member only.
    eveSocket.send({ op: 'send', topic: `messages:conv:${id}`, message: { typing: true } })
    assert.deepEqual((await gusSocket.next((f) => f.event === 'typing')).data, { userId: eve.id, name: 'eve', typing: true })
    // Gus reads: eve hears "read" and her conversation says seen.
    await api('POST', `/conversations/${id}/read`, gus, {})
    assert.deepEqual((await eveSocket.next((f) => f.event === 'read')).data, { userId: gus.id, messageId: sent.id })
    assert.equal((await api('GET', `/conversations/${id}`, eve)).body.data.seen_id, sent.id)
    assert.ok(!eveSocket.frames.some((f) => f.event === 'typing'))
    // Gus turns receipts off: sends none, and sees none.
    assert.equal((await api('PUT', '/settings', gus, { read_receipts: false })).status, 200)
    const next = (await send(eve, id, 'are you there?')).body.data
    await api('POST', `/conversations/${id}/read`, gus, {})
    const reply = (await send(gus, id, 'yes')).body.data
    await api('POST', `/conversations/${id}/read`, eve, {})
    await eveSocket.next((f) => f.event === 'message' && f.data.id === reply.id)
    assert.ok(!eveSocket.frames.some((f) => f.event === 'read' && f.data.messageId === next.id))
    assert.ok(!gusSocket.frames.some((f) => f.event === 'read'))
    assert.equal((await api('GET', `/conversations/${id}`, eve)).body.data.seen_id, null)
    assert.equal((await api('GET', `/conversations/${id}`, gus)).body.data.seen_id, null)
    await api('PUT', '/settings', gus, { read_receipts: true })
    // A page that rejoins after its last seen message gets exactly what it missed.
    const late = await socket(gus)
    late.send({ op: 'join', topic: `messages:conv:${id}`, after: sent.id })
    const replayed = [await late.next((f) => f.event === 'message'), await late.next((f) => f.event === 'message')]
    assert.deepEqual(replayed.map((f) => f.data.text), ['are you there?', 'yes'])
  })

  it('does not let the recipient of an unanswered request type or send receipts', async () => {
    const [hal, ivy] = [u.hal!, u.ivy!]
    await mt.t.h.safety.setPrivacy(ivy.id, { who_can_message: 'nobody' })
    const id = await direct(hal, ivy)
    const m = (await send(hal, id, 'hi ivy')).body.data
    const halSocket = await socket(hal)
    const ivySocket = await socket(ivy)
    await join(halSocket, id)
    assert.equal((await join(ivySocket, id)).op, 'joined')
    ivySocket.send({ op: 'send', topic: `messages:conv:${id}`, message: { typing: true } })
    await api('POST', `/conversations/${id}/read`, ivy, {})
    const marker = (await send(hal, id, 'marker')).body.data
    await halSocket.next((f) => f.event === 'message' && f.data.id === marker.id)
    assert.ok(!halSocket.frames.some((f) => f.event === 'typing' || f.event === 'read'))
    assert.equal((await api('GET', `/conversations/${id}`, hal)).body.data.seen_id, null)
    assert.ok(m.id)
  })

  it('notifies per conversation, grouped, and not for a muted conversation', async () => {
    const [jon, kim] = [u.jon!, u.kim!]
    const id = await direct(jon, kim)
    await send(jon, id, 'one')
    await send(jon, id, 'two')
    const mine = (await notes(kim)).filter((n) => n.url === `/messages/${id}`)
    assert.equal(mine.length, 1, 'one entry per conversation')
    assert.equal(mine[0]!.text, 'jon sent you a message')
    assert.doesNotMatch(mine[0]!.text, /one|two/)
    await api('PATCH', `/conversations/${id}`, kim, { muted: true })
    await mt.t.h.notifications.markRead(kim.id)
    const count = (await notes(kim)).filter((n) => n.url === `/messages/${id}` && !n.read).length
    await send(jon, id, 'three')
    assert.equal((await notes(kim)).filter((n) => n.url === `/messages/${id}` && !n.read).length, count)
  })

  it('sends no notification (so no push and no digest line) for a conversation the member is reading at that moment', async () => {
    const [mia, ned, ana] = [u.mia!, u.ned!, u.ana!]
    const id = await direct(mia, ned)
    const other = await direct(ana, ned)
    const unread = async (conversation: number) => (await notes(ned)).filter((n) => n.url === `/messages/${conversation}` && !n.read).length
    const page = await socket(ned)
    assert.equal((await join(page, id)).op, 'joined')
    /** What a page says on visibility changes; the socket's frames are handled in order, so a join after it answers once it counted. */
    let marks = 0
    const say = async (s: typeof page, reading: boolean) => {
      s.send({ op: 'send', topic: `messages:conv:${id}`, message: { reading } })
      assert.equal((await join(s, `messages:user:${ned.id}:${++marks}`)).op, 'error')
    }
    await say(page, true)
    await send(mia, id, 'while you read')
    await send(ana, other, 'elsewhere')
    assert.equal(await unread(id), 0, 'reading this conversation: nothing')
    assert.equal(await unread(other), 1, 'reading one conversation does not silence another')

    await say(page, false) // the tab went to the background
    await send(mia, id, 'while away')
    assert.equal(await unread(id), 1)

    await mt.t.h.notifications.markRead(ned.id)
    const tab2 = await socket(ned)
    await join(tab2, id)
    await say(page, true)
    await say(tab2, true)
    await page.close() // one of two pages in view closes: still reading
    await send(mia, id, 'one tab left')
    assert.equal(await unread(id), 0)
    tab2.send({ op: 'leave', topic: `messages:conv:${id}` })
    await tab2.next((f) => f.op === 'left' && f.topic === `messages:conv:${id}`)
    await send(mia, id, 'page left')
    assert.equal(await unread(id), 1, 'a page that left the conversation reads it no more')

    // Only the page's own standing counts: saying "reading" in a conversation one is not in is refused like a missing topic.
    const stranger = await socket(ana)
    stranger.send({ op: 'send', topic: `messages:conv:${id}`, message: { reading: true } })
    assert.equal((await stranger.next((f) => f.op === 'error')).code, 'NOT_FOUND')
  })

  it('limits how fast a member sends', async () => {
    const [lou, ana] = [u.lou!, u.ana!]
    await settings().set('sends_per_minute', 2)
    try {
      mt.t.h.limiter.forget('messages:')
      const id = await direct(lou, ana)
      assert.equal((await send(lou, id, '1')).status, 201)
      assert.equal((await send(lou, id, '2')).status, 201)
      const third = await send(lou, id, '3')
      assert.equal(third.status, 429)
      assert.equal(third.body.error?.code, 'RATE_LIMITED')
    } finally {
      await settings().set('sends_per_minute', 30)
      mt.t.h.limiter.forget('messages:')
    }
  })

  it('answers a stranger like a missing conversation on every path', async () => {
    const [ana, ben, fay] = [u.ana!, u.ben!, u.fay!]
    const id = await direct(ana, ben)
    await send(ana, id, 'between us')
    for (const [method, path, json] of [
      ['GET', `/conversations/${id}`],
      ['GET', `/conversations/${id}/messages`],
      ['POST', `/conversations/${id}/messages`, { text: 'hi' }],
      ['POST', `/conversations/${id}/read`, {}],
      ['POST', `/conversations/${id}/accept`],
      ['PATCH', `/conversations/${id}`, { muted: true }],
      ['POST', `/conversations/${id}/members`, { user: 'fay' }],
    ] as const) {
      const hidden = await api(method, path, fay, json)
      const gone = await api(method, path.replace(String(id), '999999'), fay, json)
      assert.equal(hidden.status, 404, `${method} ${path}`)
      assert.deepEqual(hidden, gone, `${method} ${path}`)
    }
    const a = await agentOf(fay)
    for (const path of [`/messages/${id}`, `/messages/${id}/members`]) assert.equal((await a.get(path)).status, 404)
    assert.equal((await a.post(`/messages/${id}`, { text: 'hi' })).status, 404)
    const s = await socket(fay)
    assert.equal((await join(s, id)).code, 'NOT_FOUND')
  })

  it('pages a long history upwards, on the API and the thread page, and keeps pins, mutes and archives per member', async () => {
    const [ana, kim] = [u.ana!, u.kim!]
    await settings().set('sends_per_minute', 1000)
    try {
      const id = await direct(ana, kim)
      for (let i = 1; i <= 35; i++) await send(ana, id, `line ${i}`)
      const first = await api('GET', `/conversations/${id}/messages?limit=30`, kim)
      assert.equal(first.body.data.length, 30)
      assert.equal(first.body.data[0].text, 'line 35')
      assert.equal(first.body.pagination?.has_more, true)
      const rest = await api('GET', `/conversations/${id}/messages?limit=30&cursor=${first.body.pagination!.next_cursor}`, kim)
      assert.deepEqual(rest.body.data.map((m: { text: string }) => m.text), ['line 5', 'line 4', 'line 3', 'line 2', 'line 1'])
      assert.equal((await api('GET', `/conversations/${id}/messages?cursor=nonsense!`, kim)).status, 400)
      const k = await agentOf(kim)
      const page = await k.text(`/messages/${id}`)
      assert.doesNotMatch(page, />line 5</)
      const older = /href="(\/messages\/\d+\?before=[^"]+)"/.exec(page)![1]!
      assert.match(await k.text(older.replace(/&amp;/g, '&')), />line 5</)
      // Flags are the member's own.
      const flagged = await api('PATCH', `/conversations/${id}`, kim, { pinned: true, muted: true })
      assert.deepEqual([flagged.body.data.me.pinned, flagged.body.data.me.muted], [true, true])
      assert.deepEqual([(await api('GET', `/conversations/${id}`, ana)).body.data.me.pinned], [false])
      assert.equal((await folder(kim, 'inbox'))[0], id, 'pinned first')
      await api('PATCH', `/conversations/${id}`, kim, { archived: true })
      assert.ok(!(await folder(kim, 'inbox')).includes(id))
      assert.deepEqual(await folder(kim, 'archived'), [id])
      assert.equal((await api('PATCH', `/conversations/${id}`, kim, { pinned: 'yes' })).status, 400)
    } finally {
      await settings().set('sends_per_minute', 30)
      mt.t.h.limiter.forget('messages:')
    }
  })

  it('sends guests to log in and answers the API with UNAUTHENTICATED', async () => {
    const res = await mt.t.request('GET', '/messages')
    assert.equal(res.status, 302)
    assert.match(res.headers.get('location') ?? '', /^\/login/)
    const r = await api('GET', '/conversations')
    assert.equal(r.status, 401)
    assert.equal(r.body.error?.code, 'UNAUTHENTICATED')
    assert.doesNotMatch(await (await mt.t.request('GET', '/')).text(), /data-nav="messages"/)
    // No socket without an account, so no topic either.
    await assert.rejects(openSocket(mt.port, 'not-a-token'))
    assert.equal((await mt.t.request('POST', '/messages/1', { body: new URLSearchParams({ text: 'hi' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status, 403)
  })

  it('works without JavaScript: new conversation, send, reply, edit, unsend and the inbox with unread counts', async () => {
    const [cal, dee] = [u.lou!, u.eve!]
    const a = await agentOf(cal)
    const started = await a.post('/messages/new', { user: 'eve' })
    assert.equal(started.status, 303)
    const id = Number(/\/messages\/(\d+)/.exec(started.headers.get('location') ?? '')![1])
    const form = await a.text(`/messages/${id}`)
    assert.doesNotMatch(form, /data-send-gift/, 'no gifts without the coins plugin')
    const clientId = /name="client_id" value="([^"]+)"/.exec(form)![1]!
    assert.equal((await a.post(`/messages/${id}`, { text: 'by form <b>bold</b>', client_id: clientId })).status, 303)
    const d = await agentOf(dee)
    // The inbox reads the member's counts once: its Requests link and the nav badge share them.
    // (Counted where every query runs: better-sqlite3's statements, which core keeps prepared.)
    const statement = Object.getPrototypeOf(mt.t.h.store.sqlite.prepare('select 1')) as { all: (...args: unknown[]) => unknown }
    const all = statement.all
    let countReads = 0
    statement.all = function (this: { source: string }, ...args: unknown[]) {
      if (/as conversations/.test(this.source)) countReads++
      return all.apply(this, args)
    }
    let inbox: string
    try {
      inbox = await d.text('/messages')
    } finally {
      statement.all = all
    }
    assert.equal(countReads, 1)
    assert.match(inbox, new RegExp(`data-conversation="${id}"`))
    assert.match(inbox, /data-unread="1"/)
    assert.match(inbox, /<span class="nav-label">Messages \(1\)<\/span><span class="nav-badge" aria-hidden="true">1<\/span>/)
    assert.match(inbox, /src="\/plugins\/messages\/unread.js"/)
    const thread = await d.text(`/messages/${id}`)
    assert.match(thread, /by form &lt;b&gt;bold&lt;\/b&gt;/)
    assert.doesNotMatch(await d.text('/messages'), /data-unread/)
    // Reply, edit and unsend through their forms and links.
    const theirs = Number(/id="m-(\d+)"/.exec(thread)![1])
    assert.match(await d.text(`/messages/${id}?reply=${theirs}`), /data-replying/)
    assert.equal((await d.post(`/messages/${id}`, { text: 'a reply by form', client_id: 'reply-form-1', reply_to: String(theirs) })).status, 303)
    const mine = (await api('GET', `/conversations/${id}/messages`, dee)).body.data[0]
    assert.equal(mine.reply_to.id, theirs)
    assert.match(await d.text(`/messages/${id}/messages/${mine.id}/edit`), /a reply by form/)
    assert.equal((await a.get(`/messages/${id}/messages/${mine.id}/edit`)).status, 403)
    assert.equal((await d.post(`/messages/${id}/messages/${mine.id}/edit`, { text: 'a reply, edited' })).status, 303)
    assert.match(await a.text(`/messages/${id}`), /a reply, edited<\/p><span class="msg-meta muted">.*?edited/)
    assert.equal((await d.post(`/messages/${id}/messages/${mine.id}/unsend`, {})).status, 303)
    const after = await a.text(`/messages/${id}`)
    assert.doesNotMatch(after, /a reply, edited/)
    assert.match(after, /Message unsent/)
    const empty = await a.post(`/messages/${id}`, { text: '   ', client_id: 'empty-text-1' })
    assert.equal(empty.status, 400)
    assert.match(await empty.text(), /Write a message/)
    assert.equal((await a.post('/messages/new', { user: 'nobody_here' })).status, 404)
  })
})
