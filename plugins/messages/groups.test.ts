// Groups at their edges, over a real server, real SQLite, real WebSockets and core's durable job queue: a page that
// joins a conversation's topic after the newest message it was drawn with catches up on what was sent meanwhile, only
// from its time in the group (a member added later sees nothing from before, a removed member nothing at all); and a
// send to a group of 1,000 answers before any member's notification or count is written, which the fan-out job then
// does for every member who may see it (not a muted one, not one removed in between); and a group's picture, set by its
// owner or admins, reaching members only.
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import sharp from 'sharp'
import { messagesTest, type Json, type User } from './test-setup.js'
import { MEMBERS_SHOWN } from './service.js'

describe('messages: a thread page catches up when it joins', () => {
  const mt = messagesTest({ names: ['cal', 'dee', 'eve', 'fay'], server: true })
  const { u, api, group, sendId: send } = mt

  it('gets what was sent between drawing the page and joining, within the member\'s time in the group', async () => {
    const [cal, dee, eve, fay] = [u.cal!, u.dee!, u.eve!, u.fay!]
    const id = await group(cal, 'Walkers', ['dee', 'eve'])
    const one = await send(cal, id, 'one')
    // dee's page is drawn with "one" as its newest message: that is where its scripts join from.
    const a = await mt.agentOf(dee)
    const page = await a.text(`/messages/${id}`)
    assert.match(page, new RegExp(`data-newest="${one}"`))
    // An older page seeds nothing: its newer messages are not its to append.
    const cursor = (await api('GET', `/conversations/${id}/messages?limit=1`, dee)).body.pagination?.next_cursor
    assert.ok(cursor)
    const older = await a.text(`/messages/${id}?before=${encodeURIComponent(cursor)}`)
    assert.doesNotMatch(older, /data-newest=/)
    await send(cal, id, 'two')
    await send(cal, id, 'three')
    const s = await mt.socket(dee)
    assert.equal((await mt.join(s, id, one)).op, 'joined')
    const caught = [await s.next((f) => f.event === 'message'), await s.next((f) => f.event === 'message')]
    assert.deepEqual(caught.map((f) => f.data.text), ['two', 'three'])
    assert.deepEqual(caught.map((f) => f.seq), caught.map((f) => f.data.id))
    // Live after the catch-up, and nothing twice.
    await send(cal, id, 'four')
    assert.equal((await s.next((f) => f.event === 'message')).data.text, 'four')
    assert.equal(s.frames.filter((f) => f.event === 'message').length, 3)

    // fay, added now, joins as a page drawn empty would (after 0): only what was sent since she was added.
    assert.equal((await api('POST', `/conversations/${id}/members`, cal, { user: 'fay' })).status, 201)
    await send(cal, id, 'welcome fay')
    const f = await mt.socket(fay)
    assert.equal((await mt.join(f, id, 0)).op, 'joined')
    await f.next((x) => x.event === 'message' && x.data.text === 'welcome fay')
    const texts = f.frames.filter((x) => x.event === 'message').map((x) => x.data.text)
    assert.deepEqual(texts, ['cal added fay', 'welcome fay'])

    // eve, removed while her socket was away, rejoins from her page's newest: refused like a missing topic.
    const eveSocket = await mt.socket(eve)
    assert.equal((await mt.join(eveSocket, id, one)).op, 'joined')
    eveSocket.ws.terminate()
    assert.equal((await api('DELETE', `/conversations/${id}/members/${eve.id}`, cal)).status, 200)
    await send(cal, id, 'after eve')
    const back = await mt.socket(eve)
    const answer = await mt.join(back, id, one)
    assert.equal(answer.op, 'error')
    assert.equal(answer.code, 'NOT_FOUND')
    await new Promise((r) => setTimeout(r, 100))
    assert.ok(!back.frames.some((x) => x.topic === `messages:conv:${id}` && x.event), 'no event of the conversation after the refusal')
  })
})

describe('messages: a group\'s picture', () => {
  const mt = messagesTest({ names: ['ann', 'bob', 'cid', 'dan'], server: true })
  const { u, api, group } = mt
  const media = (id: number) => Number(mt.t.h.store.sqlite.prepare('select count(*) from media where id = ?').pluck().get(id))
  const put = async (who: User, id: number, bytes: Uint8Array, type = 'image/jpeg') => {
    const body = new FormData()
    body.append('picture', new Blob([new Uint8Array(bytes)], { type }), 'picture.jpg')
    const res = await mt.t.request('PUT', `/api/v1/messages/conversations/${id}/picture`, { token: who.token, body })
    return { status: res.status, body: (await res.json()) as Json }
  }
  const get = (path: string, who?: User) => mt.t.request('GET', path, { token: who?.token })

  it('is set by the owner or an admin, shown to members in the inbox and the thread, and to nobody else', async () => {
    const [ann, bob, cid, dan] = [u.ann!, u.bob!, u.cid!, u.dan!]
    const jpeg = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#f97316' } }).jpeg().toBuffer()
    const id = await group(ann, 'Climbers', ['bob', 'cid'])
    // A member who is not an admin may not; nothing is kept.
    const before = Number(mt.t.h.store.sqlite.prepare('select count(*) from media').pluck().get())
    const refused = await put(bob, id, jpeg)
    assert.equal(refused.status, 403)
    assert.equal(Number(mt.t.h.store.sqlite.prepare('select count(*) from media').pluck().get()), before)
    // Not a photo: a clear error, nothing kept.
    const bad = await put(ann, id, new TextEncoder().encode('not a picture'), 'text/plain')
    assert.equal(bad.status, 400)
    assert.equal(Number(mt.t.h.store.sqlite.prepare('select count(*) from media').pluck().get()), before)

    const set = await put(ann, id, jpeg)
    assert.equal(set.status, 200, JSON.stringify(set.body))
    await mt.t.h.queue.drain()
    const seen = (await api('GET', `/conversations/${id}`, bob)).body.data
    assert.ok(seen.picture?.url, JSON.stringify(seen.picture))
    const first = seen.picture.media_id as number
    assert.equal((await mt.texts(bob, id)).at(-1), 'ann changed the group picture')
    assert.equal((await get(seen.picture.url, bob)).status, 200)
    // A stranger, a guest: like a missing file.
    assert.equal((await get(seen.picture.url, dan)).status, 404)
    assert.equal((await get(seen.picture.url)).status, 404)
    // The inbox and the thread draw it.
    assert.match(await (await get('/messages', bob)).text(), new RegExp(`<img class="avatar" src="${seen.picture.url}"`))
    assert.match(await (await get(`/messages/${id}`, bob)).text(), new RegExp(`<img class="avatar" src="${seen.picture.url}"`))
    // A member removed no longer loads it.
    await api('DELETE', `/conversations/${id}/members/${cid.id}`, ann)
    assert.equal((await get(seen.picture.url, cid)).status, 404)

    // Replaced: the old picture is deleted.
    assert.equal((await put(ann, id, jpeg)).status, 200)
    await mt.t.h.queue.drain()
    assert.equal(media(first), 0)
    const second = (await api('GET', `/conversations/${id}`, ann)).body.data.picture.media_id as number
    // Removed from the members page without JavaScript.
    const a = await mt.agentOf(ann)
    assert.match(await a.text(`/messages/${id}/members`), /data-picture-form/)
    assert.doesNotMatch(await (await mt.agentOf(bob)).text(`/messages/${id}/members`), /data-picture-form/)
    const removed = await a.post(`/messages/${id}/picture`, { remove: '1' })
    assert.equal(removed.status, 303)
    assert.equal((await api('GET', `/conversations/${id}`, bob)).body.data.picture, null)
    assert.equal(media(second), 0)
    assert.equal((await mt.texts(bob, id)).at(-1), 'ann removed the group picture')
    // Not for direct conversations.
    const direct = await mt.direct(ann, bob)
    assert.equal((await put(ann, direct, jpeg)).status, 404)
  })

  it('shows the other member\'s profile picture on a direct conversation, as their profile would, drawn like a group\'s', async () => {
    const [ann, bob, cid] = [u.ann!, u.bob!, u.cid!]
    const jpeg = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#3b82f6' } }).jpeg().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'me.jpg')
    const up = (await (await mt.t.request('POST', '/api/v1/media', { token: bob.token, body: form })).json()) as Json
    await mt.t.h.queue.drain()
    assert.equal((await mt.t.request('PUT', '/api/v1/users/me', { token: bob.token, json: { avatar_media_id: up.data.id } })).status, 200)
    const withAnn = await mt.direct(ann, bob)
    const withCid = await mt.direct(cid, bob)
    await mt.sendId(ann, withAnn, 'hi')
    await mt.sendId(cid, withCid, 'hi')
    const url = `/media/${up.data.id}/150`
    const picture = async (who: User, id: number) => (await api('GET', `/conversations/${id}`, who)).body.data.picture
    assert.deepEqual(await picture(ann, withAnn), { media_id: null, url })
    assert.equal((await get(url, ann)).status, 200)
    // The inbox and the header draw it as they draw a group's picture.
    const img = new RegExp(`<a href="/messages/${withAnn}"><img class="avatar" src="${url}"`)
    assert.match(await (await get('/messages', ann)).text(), img)
    assert.match(await (await get(`/messages/${withAnn}`, ann)).text(), new RegExp(`<header class="messages-head">.*?<img class="avatar" src="${url}"`, 's'))
    // bob's own side shows ann's (she has none: her initial).
    assert.equal(await picture(bob, withAnn), null)
    assert.match(await (await get(`/messages/${withAnn}`, bob)).text(), /<header class="messages-head">.*?<span class="avatar avatar-empty" aria-hidden="true">a<\/span>/s)

    // Its audience narrowed to followers: cid, who does not follow bob, sees none, on every path; ann, who does, sees it.
    await mt.t.request('POST', '/api/v1/users/bob/follow', { token: ann.token })
    assert.equal((await mt.t.request('PUT', '/api/v1/users/me', { token: bob.token, json: { avatar_visibility: 'followers' } })).status, 200)
    assert.equal(await picture(cid, withCid), null)
    assert.doesNotMatch(await (await get('/messages', cid)).text(), new RegExp(url))
    assert.doesNotMatch(await (await get(`/messages/${withCid}`, cid)).text(), new RegExp(url))
    assert.equal((await get(url, cid)).status, 404)
    assert.deepEqual(await picture(ann, withAnn), { media_id: null, url })

    // Across a block the conversation itself is gone for both; a suspended member's picture is not shown.
    await mt.t.request('POST', '/api/v1/users/bob/block', { token: ann.token })
    assert.equal((await api('GET', `/conversations/${withAnn}`, ann)).status, 404)
    assert.doesNotMatch(await (await get('/messages', ann)).text(), new RegExp(url))
    await mt.t.request('DELETE', '/api/v1/users/bob/block', { token: ann.token })
    await mt.t.request('PUT', '/api/v1/users/me', { token: bob.token, json: { avatar_visibility: 'public' } })
  })

  it('lets the owner choose admins, who may then change the picture and remove members (not the owner, not admins)', async () => {
    const [ann, bob, cid, dan] = [u.ann!, u.bob!, u.cid!, u.dan!]
    const jpeg = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#22c55e' } }).jpeg().toBuffer()
    const id = await group(ann, 'Runners', ['bob', 'cid', 'dan'])
    assert.equal((await put(bob, id, jpeg)).status, 403)
    const made = await api('PUT', `/conversations/${id}/members/${bob.id}`, ann, { role: 'admin' })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    assert.equal(made.body.data.members.find((m: { id: number }) => m.id === bob.id).role, 'admin')
    assert.equal((await mt.texts(cid, id)).at(-1), 'ann made bob an admin')
    // An admin changes the picture and removes a member, but chooses no admins and removes neither owner nor admin.
    assert.equal((await put(bob, id, jpeg)).status, 200)
    assert.equal((await api('PUT', `/conversations/${id}/members/${cid.id}`, bob, { role: 'admin' })).status, 403)
    assert.equal((await api('DELETE', `/conversations/${id}/members/${ann.id}`, bob)).status, 403)
    assert.equal((await api('DELETE', `/conversations/${id}/members/${dan.id}`, bob)).status, 200)
    // Bad input; the owner stays the owner; a stranger answers like a missing member.
    assert.equal((await api('PUT', `/conversations/${id}/members/${cid.id}`, ann, { role: 'owner' })).status, 400)
    assert.equal((await api('PUT', `/conversations/${id}/members/${ann.id}`, ann, { role: 'member' })).status, 409)
    assert.equal((await api('PUT', `/conversations/${id}/members/${dan.id}`, ann, { role: 'admin' })).status, 404)
    // Without JavaScript: the owner's members page has the buttons; taking the role back.
    const a = await mt.agentOf(ann)
    const page = await a.text(`/messages/${id}/members`)
    assert.match(page, /Remove as admin/)
    assert.match(page, /Make admin/)
    assert.doesNotMatch(await (await mt.agentOf(bob)).text(`/messages/${id}/members`), /Make admin/)
    assert.equal((await a.post(`/messages/${id}/members/${bob.id}/role`, { role: 'member' })).status, 303)
    assert.equal((await mt.texts(cid, id)).at(-1), 'ann removed bob as an admin')
    assert.equal((await put(bob, id, jpeg)).status, 403)
  })
})

describe('messages: a group of 1,000', () => {
  const mt = messagesTest({ names: ['ana', 'ben', 'cal'], server: true })
  const { u, api } = mt
  const MANY = 997
  const sqlite = () => mt.t.h.store.sqlite
  let names: string[] = []

  /** The queue held while a test looks at what a send did before its job, then run as the server runs it. */
  const hold = () => mt.t.h.queue.stop()
  const run = async () => {
    mt.t.h.queue.start()
    await mt.t.h.queue.drain()
  }

  before(async () => {
    await mt.settings().set('max_group_members', 1000)
    // 997 members written straight into the users table (registering each would hash 997 passwords).
    const first = Number(sqlite().prepare('select coalesce(max(id), 0) + 1 from users').pluck().get())
    sqlite().transaction(() => {
      const user = sqlite().prepare("insert into users (id, username, email, password_hash) values (?, ?, ?, 'x')")
      for (let i = 0; i < MANY; i++) user.run(first + i, `crowd${i}`, `crowd${i}@example.org`)
    })()
    names = Array.from({ length: MANY }, (_, i) => `crowd${i}`)
  })

  const notified = (id: number) =>
    sqlite()
      .prepare("select user_id from notifications where type = 'messages.message' and json_extract(data, '$.conversationId') = ?")
      .pluck()
      .all(id) as number[]
  const pending = () => Number(sqlite().prepare("select count(*) from jobs where kind = 'messages:fan-out' and status = 'pending'").pluck().get())

  it('answers the send at once, then notifies every member and pushes their counts by the fan-out job', async () => {
    const [ana, ben, cal] = [u.ana!, u.ben!, u.cal!]
    const made = await api('POST', '/conversations', ana, { name: 'Everyone', members: ['ben', 'cal', ...names] })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    const id = made.body.data.id as number
    assert.equal(made.body.data.members.length, 1000)
    // cal mutes the group: counts, but no notification.
    await api('PATCH', `/conversations/${id}`, cal, { muted: true })
    const benPage = await mt.socket(ben)
    await mt.join(benPage, `messages:user:${ben.id}`)

    await hold()
    const sent = await api('POST', `/conversations/${id}/messages`, ana, { text: 'hello, everyone' })
    assert.equal(sent.status, 201)
    // Stored and on the topic; the per-member work is one job committed with it, not yet run.
    assert.equal(pending(), 1)
    assert.deepEqual(notified(id), [])
    assert.ok(!benPage.frames.some((f) => f.event === 'messages:unread'))

    await run()
    assert.equal(pending(), 0)
    const who = new Set(notified(id))
    assert.equal(who.size, 998, 'everyone but the sender and the member who muted it')
    assert.ok(who.has(ben.id) && !who.has(cal.id) && !who.has(ana.id))
    const text = (await mt.notes(ben)).find((n) => n.url === `/messages/${id}`)?.text
    assert.equal(text, 'ana wrote in Everyone')
    const pushed = await benPage.next((f) => f.event === 'messages:unread')
    assert.deepEqual(pushed.data, { conversations: 1, requests: 0 })
    // The muted member's count leaves it out, as the badge does.
    assert.deepEqual((await api('GET', '/unread', cal)).body.data, { conversations: 0, requests: 0 })
    // The member's inbox counts it unread.
    const listed = ((await api('GET', '/conversations', ben)).body.data as { id: number; unread: number; members: { username: string }[]; member_count: number }[]).find((c) => c.id === id)!
    assert.equal(listed.unread, 1)
    // The inbox lists a group's first members (and the viewer) with its count, not a thousand names.
    assert.equal(listed.member_count, 1000)
    assert.equal(listed.members.length, MEMBERS_SHOWN)
    assert.deepEqual(listed.members.slice(0, 3).map((m) => m.username), ['ana', 'ben', 'cal'])
    assert.equal((await api('GET', `/conversations/${id}`, ben)).body.data.members.length, 1000, 'the conversation itself has them all')

    // Everyone was told and every badge already counts the group: the next message queues no job at all.
    // The newest of ben's notification events (core keeps one row per actor in an entry, moving it on each event).
    const events = () => Number(sqlite().prepare("select coalesce(max(id), 0) from notifications where type = 'messages.message' and user_id = ?").pluck().get(ben.id))
    const before = events()
    await hold()
    assert.equal((await api('POST', `/conversations/${id}/messages`, ana, { text: 'and again' })).status, 201)
    assert.equal(pending(), 0)
    await run()
    assert.equal(events(), before, 'not told twice while unread')
    // ben reads it: the next message tells him again (and him only), by one job.
    assert.equal((await api('POST', `/conversations/${id}/read`, ben, {})).status, 200)
    await hold()
    assert.equal((await api('POST', `/conversations/${id}/messages`, ana, { text: 'once more' })).status, 201)
    assert.equal(pending(), 1)
    const newest = sqlite().prepare("select coalesce(max(id), 0) from notifications where type = 'messages.message'").pluck()
    const last = Number(newest.get())
    await run()
    assert.ok(events() > before, 'told again')
    assert.equal(Number(sqlite().prepare("select count(*) from notifications where type = 'messages.message' and id > ?").pluck().get(last)), 1, 'ben only')
    const again = await benPage.next((f) => f.event === 'messages:unread' && f.data.conversations === 1 && f !== pushed)
    assert.deepEqual(again.data, { conversations: 1, requests: 0 })
    // The thread's header counts the members it does not list.
    assert.match(await (await mt.agentOf(ben)).text(`/messages/${id}`), />1000 members</)
  })

  it('decides when the job runs: a member removed, or a message unsent, before it gets no notification', async () => {
    const [ana, ben] = [u.ana!, u.ben!]
    const id = (await api('POST', '/conversations', ana, { name: 'Small', members: ['ben', 'crowd1', 'crowd2'] })).body.data.id as number
    const crowd1 = Number(sqlite().prepare("select id from users where username = 'crowd1'").pluck().get())
    await hold()
    await api('POST', `/conversations/${id}/messages`, ana, { text: 'for three' })
    assert.equal((await api('DELETE', `/conversations/${id}/members/${crowd1}`, ana)).status, 200)
    await run()
    const who = new Set(notified(id))
    assert.ok(who.has(ben.id) && !who.has(crowd1), 'removed before the job: not told')
    // Unsent before its job ran: nobody is told of it.
    await mt.t.h.notifications.markRead(ben.id)
    await hold()
    const gone = (await api('POST', `/conversations/${id}/messages`, ana, { text: 'oops' })).body.data.id as number
    assert.equal((await api('DELETE', `/conversations/${id}/messages/${gone}`, ana)).status, 200)
    await run()
    assert.equal((await mt.notes(ben)).filter((n) => n.url === `/messages/${id}` && !n.read).length, 0)
  })
})
