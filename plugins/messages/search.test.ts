// Search, reactions, reports and reconnect replay of the messages plugin over real SQLite and real WebSockets: search
// never returns a message the member cannot read now (removed from a group, a blocked pair, deleted for them, unsent,
// a request they deleted) and bad queries never fail; reactions only for members; a report carries the messages
// around the reported one and nothing else; a page that reconnects gets the edits, unsends and reactions it missed, once.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { messagesTest, type User } from './test-setup.js'

describe('messages: search, reactions, reports and reconnect replay', () => {
  const mt = messagesTest({ names: ['ana', 'ben', 'cal', 'dee', 'eve', 'fay'], server: true })
  const { u, api, direct } = mt
  const send = mt.sendId
  const found = async (who: User, q: string) => {
    const r = await api('GET', `/search?q=${encodeURIComponent(q)}`, who)
    assert.equal(r.status, 200, JSON.stringify(r.body))
    return (r.body.data as { message: { text: string } }[]).map((h) => h.message.text)
  }

  it('finds one\'s own messages by word and prefix, newest first, with cursor pagination', async () => {
    const id = await direct(u.ana!, u.ben!)
    for (let i = 1; i <= 5; i++) await send(u.ana!, id, `banana bread number ${i}`)
    await send(u.ben!, id, 'Bananas are great')
    assert.deepEqual(await found(u.ben!, 'banan'), ['Bananas are great', 'banana bread number 5', 'banana bread number 4', 'banana bread number 3', 'banana bread number 2', 'banana bread number 1'])
    const first = await api('GET', '/search?q=bread&limit=2', u.ana!)
    assert.equal(first.body.data.length, 2)
    assert.equal(first.body.pagination?.has_more, true)
    const second = await api('GET', `/search?q=bread&limit=2&cursor=${encodeURIComponent(first.body.pagination!.next_cursor!)}`, u.ana!)
    assert.deepEqual(second.body.data.map((h: any) => h.message.text), ['banana bread number 3', 'banana bread number 2'])
    assert.equal(first.body.data[0].conversation.id, id)
    // Outsiders find nothing.
    assert.deepEqual(await found(u.cal!, 'banana'), [])
  })

  it('never fails on FTS syntax, and answers an empty query with a clear error', async () => {
    for (const q of ['"', 'NEAR(', 'a AND OR', '*', '-x', 'col:', '^', '(((', '😀']) assert.equal((await api('GET', `/search?q=${encodeURIComponent(q)}`, u.ana!)).status, 200, q)
    const empty = await api('GET', '/search?q=', u.ana!)
    assert.equal(empty.status, 400)
    assert.equal(empty.body.error?.code, 'VALIDATION_FAILED')
    const a = mt.t.agent()
    await a.loginViaForm('ana')
    assert.equal((await a.get('/messages/search?q=%22NEAR(')).status, 200)
    assert.match(await a.text('/messages'), /action="\/messages\/search"/)
    assert.match(await a.text('/messages/search?q=bread'), /banana bread number 5/)
  })

  it('never returns what the member cannot read now: after removal, across a block, deleted for them, unsent, a deleted request', async () => {
    const [cal, dee, eve, fay] = [u.cal!, u.dee!, u.eve!, u.fay!]
    const group = (await api('POST', '/conversations', cal, { name: 'Quiz', members: ['dee', 'eve'] })).body.data.id as number
    await send(cal, group, 'kiwi before removal')
    await api('DELETE', `/conversations/${group}/members/${dee.id}`, cal)
    await send(cal, group, 'kiwi after removal')
    assert.deepEqual(await found(dee, 'kiwi'), ['kiwi before removal'])
    assert.deepEqual(await found(eve, 'kiwi'), ['kiwi after removal', 'kiwi before removal'])
    // Deleted for me, and unsent.
    const hidden = await send(cal, group, 'mango hidden')
    await api('POST', `/conversations/${group}/messages/${hidden}/hide`, eve)
    const unsent = await send(cal, group, 'mango unsent')
    await api('DELETE', `/conversations/${group}/messages/${unsent}`, cal)
    assert.deepEqual(await found(eve, 'mango'), [])
    assert.deepEqual(await found(cal, 'mango'), ['mango hidden'])
    // A blocked pair: their direct conversation is gone from search both ways.
    const pair = await direct(eve, fay)
    await send(eve, pair, 'papaya secret')
    assert.deepEqual(await found(fay, 'papaya'), ['papaya secret'])
    await mt.t.h.safety.block(fay.id, eve.id)
    assert.deepEqual(await found(fay, 'papaya'), [])
    assert.deepEqual(await found(eve, 'papaya'), [])
    // A request they deleted.
    await mt.t.h.safety.setPrivacy(dee.id, { who_can_message: 'nobody' })
    const request = await direct(fay, dee)
    await send(fay, request, 'guava please')
    assert.deepEqual(await found(dee, 'guava'), ['guava please'])
    await api('POST', `/conversations/${request}/decline`, dee)
    assert.deepEqual(await found(dee, 'guava'), [])
  })

  it('toggles one reaction per member per message, shows it under the message, and refuses non-members', async () => {
    const id = await direct(u.ana!, u.cal!)
    const mid = await send(u.ana!, id, 'react to me')
    const r1 = await api('POST', `/conversations/${id}/messages/${mid}/reactions`, u.cal!, { emoji: '❤️' })
    assert.equal(r1.status, 200, JSON.stringify(r1.body))
    assert.deepEqual(r1.body.data.reactions, [{ emoji: '❤️', count: 1, user_ids: [u.cal!.id] }])
    // Another emoji replaces it; the same one again takes it back.
    assert.deepEqual((await api('POST', `/conversations/${id}/messages/${mid}/reactions`, u.cal!, { emoji: '😂' })).body.data.reactions, [{ emoji: '😂', count: 1, user_ids: [u.cal!.id] }])
    assert.deepEqual((await api('POST', `/conversations/${id}/messages/${mid}/reactions`, u.cal!, { emoji: '😂' })).body.data.reactions, [])
    assert.equal((await api('POST', `/conversations/${id}/messages/${mid}/reactions`, u.cal!, { emoji: '🍕' })).status, 400)
    // An outsider answers like a missing conversation and learns nothing.
    const outsider = await api('POST', `/conversations/${id}/messages/${mid}/reactions`, u.ben!, { emoji: '❤️' })
    assert.equal(outsider.status, 404)
    assert.deepEqual(outsider.body.error, (await api('POST', `/conversations/999999/messages/${mid}/reactions`, u.ben!, { emoji: '❤️' })).body.error)
    assert.equal(mt.t.h.store.sqlite.prepare('select count(*) from messages_reactions where message_id = ?').pluck().get(mid), 0)
    // Without JavaScript.
    const a = mt.t.agent()
    await a.loginViaForm('cal')
    assert.equal((await a.post(`/messages/${id}/messages/${mid}/react`, { emoji: '👍' })).status, 303)
    assert.match(await a.text(`/messages/${id}`), /👍 1/)
  })

  it('files a report with the reported message and up to 5 around it, as the reporter sees them, and nothing else', async () => {
    const [ana, ben] = [u.ana!, u.ben!]
    const id = await direct(ben, ana)
    const ids: number[] = []
    for (let i = 1; i <= 14; i++) ids.push(await send(i % 2 ? ben : ana, id, `line ${i}`))
    const target = ids[7]! // "line 8", from ana
    const r = await api('POST', `/conversations/${id}/messages/${target}/report`, ben, { reason: 'harassment', note: 'see this' })
    assert.equal(r.status, 201, JSON.stringify(r.body))
    const report = (await mt.t.h.moderation.list()).items.find((x: any) => x.id === r.body.data.report_id) as any
    assert.equal(report.target_type, 'messages.message')
    const row = mt.t.h.store.sqlite.prepare('select snapshot, target_user_id from reports where id = ?').get(r.body.data.report_id) as { snapshot: string; target_user_id: number }
    assert.equal(row.target_user_id, ana.id)
    const snap = JSON.parse(row.snapshot)
    assert.deepEqual(snap.transcript.map((m: any) => m.text), ['line 3', 'line 4', 'line 5', 'line 6', 'line 7', 'line 8', 'line 9', 'line 10', 'line 11', 'line 12', 'line 13'])
    assert.deepEqual(snap.transcript.filter((m: any) => m.reported).map((m: any) => m.id), [target])
    assert.ok(snap.transcript.every((m: any) => Array.isArray(m.media_ids) && Array.isArray(m.files)))
    assert.ok(!row.snapshot.includes('line 14') && !row.snapshot.includes('line 2"'))
    // One's own message cannot be reported; an outsider cannot report at all.
    assert.equal((await api('POST', `/conversations/${id}/messages/${ids[0]}/report`, ben, { reason: 'spam' })).status, 409)
    assert.equal((await api('POST', `/conversations/${id}/messages/${target}/report`, u.cal!, { reason: 'spam' })).status, 404)
    assert.equal((await api('POST', `/conversations/${id}/messages/${target}/report`, ben, { reason: 'nope' })).status, 400)
    // A conversation report, from the page.
    const a = mt.t.agent()
    await a.loginViaForm('ben')
    assert.equal((await a.post(`/messages/${id}/report`, { reason: 'spam', note: '' })).status, 303)
    const conv = mt.t.h.store.sqlite.prepare(`select snapshot from reports where target_type = 'messages.conversation' and target_id = ?`).get(String(id)) as { snapshot: string }
    assert.equal(JSON.parse(conv.snapshot).transcript.length, 10)
  })

  it('gives a page that reconnects the edits, unsends and reactions it missed, each once, and new messages', async () => {
    const [ana, dee] = [u.ana!, u.dee!]
    const id = await direct(ana, dee)
    const a = await send(ana, id, 'first')
    const b = await send(ana, id, 'second')
    const c = await send(ana, id, 'third')
    const s = await mt.socket(dee)
    s.send({ op: 'join', topic: `messages:conv:${id}` })
    await s.next((f) => f.op === 'joined')
    await api('PATCH', `/conversations/${id}/messages/${a}`, ana, { text: 'first, edited' })
    const live = await s.next((f) => f.event === 'edited')
    assert.equal(typeof live.seq, 'number')
    const lastSeen = live.seq as number
    s.ws.terminate()
    // While away: two edits of one message, an unsend, a reaction and a new message.
    await api('PATCH', `/conversations/${id}/messages/${b}`, ana, { text: 'second v2' })
    await api('PATCH', `/conversations/${id}/messages/${b}`, ana, { text: 'second v3' })
    await api('DELETE', `/conversations/${id}/messages/${c}`, ana)
    await api('POST', `/conversations/${id}/messages/${a}/reactions`, ana, { emoji: '👍' })
    const d = await send(ana, id, 'fourth')
    const back = await mt.socket(dee)
    back.send({ op: 'join', topic: `messages:conv:${id}`, after: lastSeen })
    await back.next((f) => f.event === 'message' && f.data.id === d)
    await back.next((f) => f.event === 'reactions')
    const topic = `messages:conv:${id}`
    const events = back.frames.filter((f) => f.event && f.topic === topic).map((f) => [f.event, f.event === 'unsent' ? f.data.id : f.event === 'reactions' ? f.data.id : f.data.text])
    assert.deepEqual(events.sort(), [['edited', 'second v3'], ['message', 'fourth'], ['reactions', a], ['unsent', c]].sort())
    const seqs = back.frames.filter((f) => f.event && f.topic === topic).map((f) => f.seq as number)
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in order')
    assert.ok(seqs.every((q) => q > lastSeen))
    // Rejoining with the newest sequence number gets nothing again.
    const again = await mt.socket(dee)
    again.send({ op: 'join', topic: `messages:conv:${id}`, after: Math.max(...seqs) })
    await again.next((f) => f.op === 'joined')
    await send(ana, id, 'fifth')
    await again.next((f) => f.event === 'message')
    assert.deepEqual(again.frames.filter((f) => f.event && f.topic === topic).map((f) => f.data.text), ['fifth'])
  })
})
