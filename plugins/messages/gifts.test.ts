// Gifts in messages, with the coins plugin on, over a real server, real SQLite, core's ledger and real WebSockets: a
// gift sent in a direct conversation (over the API and with the plain form) moves exact coins once per idempotency
// key and appears in the thread as a gift from its sender, live; a stranger, a group, a block and a declined request
// answer exactly like a missing conversation and move nothing; a gift is neither edited nor unsent.
import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { messagesTest, type User } from './test-setup.js'

describe('messages: gifts in a conversation (coins plugin)', () => {
  const mt = messagesTest({ names: ['boss', 'ana', 'ben', 'cal', 'dee', 'eve'], enable: ['messages', 'coins'], server: true })
  const { u, api, direct, send } = mt
  let rose = 0

  const balance = async (who: User) => (await mt.t.h.ledger.findAccount({ kind: 'member_coins', userId: who.id, unit: 'coin' }))?.balance ?? 0
  const held = async (who: User) => (await mt.t.h.ledger.findAccount({ kind: 'earnings_hold', userId: who.id, unit: 'coin' }))?.balance ?? 0
  const transfers = () => Number(mt.t.h.store.sqlite.prepare('select count(*) from ledger_transfers').pluck().get())
  const gift = (who: User, conversation: number, extra: Record<string, unknown> = {}) =>
    mt.call('POST', `/api/v1/coins/gifts/${rose}/send`, who, { target: { kind: 'conversation', id: conversation }, ...extra })
  const messagesOf = async (who: User, id: number) => (await api('GET', `/conversations/${id}/messages?limit=100`, who)).body.data as { id: number; text: string | null; gift: { name: string; price: number; send_id: number } | null; sender: { id: number } }[]
  const verify = async () => {
    const report = await mt.t.h.ledger.verify()
    assert.deepEqual(report.problems, [])
    assert.ok(report.ok)
  }

  before(async () => {
    await mt.t.h.users.setRole(u.boss!.id, 'admin', null)
    for (const who of ['ana', 'cal', 'eve']) {
      await mt.t.h.ledger.transfer({ key: `test:credit:${who}`, debit: { kind: 'world', name: 'test', unit: 'coin' }, credit: { kind: 'member_coins', userId: u[who]!.id, unit: 'coin' }, amount: 100 })
    }
    const made = await mt.call('POST', '/api/v1/coins/admin/gifts', u.boss!, { name: 'Rose', price: 15, icon: 'rose' })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    rose = made.body.data.id
  })

  it('sends a gift over the API: exact coins move once per key, and it arrives in the thread as a gift from the sender, live', async () => {
    const [ana, ben] = [u.ana!, u.ben!]
    const id = await direct(ana, ben)
    await send(ana, id, 'hello')
    await mt.notes(ben)
    await mt.t.h.notifications.markRead(ben.id)
    const page = await mt.socket(ben)
    assert.equal((await mt.join(page, id)).op, 'joined')
    const before = transfers()

    const sent = await gift(ana, id, { note: 'for you', idempotency_key: 'gift-in-thread-1' })
    assert.equal(sent.status, 201, JSON.stringify(sent.body))
    // 15 coins: floor(15 × 20 %) = 3 to the platform, 12 on hold for ben.
    assert.deepEqual([sent.body.data.price, sent.body.data.share, sent.body.data.commission], [15, 12, 3])
    assert.equal(await balance(ana), 85)
    assert.equal(await held(ben), 12)
    assert.equal(transfers(), before + 2)

    const live = await page.next((f) => f.event === 'message' && f.data.gift !== null)
    assert.deepEqual([live.data.sender.id, live.data.text, live.data.gift.name, live.data.gift.price, live.data.gift.icon], [ana.id, 'for you', 'Rose', 15, 'rose'])
    const mine = (await messagesOf(ben, id))[0]!
    assert.deepEqual([mine.sender.id, mine.text, mine.gift?.name, mine.gift?.price, mine.gift?.send_id], [ana.id, 'for you', 'Rose', 15, sent.body.data.id])

    // The same key again: the first gift, no coins, no second message.
    const again = await gift(ana, id, { note: 'for you', idempotency_key: 'gift-in-thread-1' })
    assert.equal(again.status, 200)
    assert.equal(again.body.data.id, sent.body.data.id)
    assert.equal(await balance(ana), 85)
    assert.equal(transfers(), before + 2)
    assert.equal((await messagesOf(ben, id)).filter((m) => m.gift).length, 1)

    // Coins tells both sides; messages adds no notification of its own for it.
    assert.deepEqual((await mt.notes(ben)).filter((n) => !n.read), [])
    // The inbox says what it was.
    assert.match(await (await mt.agentOf(ben)).text('/messages'), /Sent Rose: for you/)

    // A gift is neither edited nor unsent (the coins moved); each side may delete it for themselves.
    assert.equal((await api('PATCH', `/conversations/${id}/messages/${mine.id}`, ana, { text: 'changed' })).status, 409)
    assert.equal((await api('DELETE', `/conversations/${id}/messages/${mine.id}`, ana)).status, 409)
    assert.equal((await messagesOf(ben, id))[0]!.text, 'for you')
    assert.equal((await api('POST', `/conversations/${id}/messages/${mine.id}/hide`, ben)).status, 200)
    assert.ok(!(await messagesOf(ben, id)).some((m) => m.id === mine.id))
    assert.ok((await messagesOf(ana, id)).some((m) => m.id === mine.id))
    await verify()
  })

  it('works without JavaScript: the thread links to the gift form, which comes back to the thread with the gift in it', async () => {
    const [cal, dee] = [u.cal!, u.dee!]
    const id = await direct(cal, dee)
    await send(cal, id, 'hi dee')
    const a = await mt.agentOf(cal)
    const thread = await a.text(`/messages/${id}`)
    const link = /href="(\/coins\/gift\?kind=conversation&amp;id=\d+&amp;back=[^"]+)" data-send-gift/.exec(thread)
    assert.ok(link, 'the thread offers Send a gift')
    const picker = await a.text(link[1]!.replaceAll('&amp;', '&'))
    assert.match(picker, /Send a gift to dee/)
    const key = /name="key" value="([^"]+)"/.exec(picker)![1]!
    const back = /name="back" value="([^"]+)"/.exec(picker)![1]!
    assert.equal(back, `/messages/${id}`)
    const posted = await a.post('/coins/gift', { kind: 'conversation', id: String(id), key, back, gift: String(rose), note: 'cheers' })
    assert.equal(posted.status, 303)
    assert.equal(posted.headers.get('location'), `/messages/${id}`)
    // A double submit of the same form is one gift.
    assert.equal((await a.post('/coins/gift', { kind: 'conversation', id: String(id), key, back, gift: String(rose), note: 'cheers' })).status, 303)
    assert.equal(await balance(cal), 85)
    const after = await a.text(`/messages/${id}`)
    assert.match(after, /You sent Rose to dee\./, 'the picker’s flash shows on the thread it leads back to')
    assert.match(after, /data-gift-message="\d+"><svg[^>]*>.*?<\/svg><span><strong>You sent Rose<\/strong> <span class="muted">15 coins<\/span>/s)
    assert.match(after, /<p class="msg-body">cheers<\/p>/)
    assert.match(await (await mt.agentOf(dee)).text(`/messages/${id}`), /<strong>Sent you Rose<\/strong>/)
    // A group offers none (a gift has one receiver).
    const group = await mt.group(cal, 'Friends', ['dee'])
    assert.doesNotMatch(await a.text(`/messages/${group}`), /data-send-gift/)
    await verify()
  })

  it('answers a stranger, a group, a block and a deleted request like a missing conversation, moving nothing', async () => {
    const [ana, ben, cal, dee, eve] = [u.ana!, u.ben!, u.cal!, u.dee!, u.eve!]
    const between = await direct(ana, ben)
    const missing = await gift(eve, 999_999)
    assert.equal(missing.status, 404)
    const before = [transfers(), await balance(eve)]
    // eve is not in ana and ben's conversation.
    const stranger = await gift(eve, between)
    assert.deepEqual([stranger.status, stranger.body.error?.code, stranger.body.error?.message], [missing.status, missing.body.error?.code, missing.body.error?.message])
    // A group: a gift has one receiver.
    const group = await mt.group(eve, 'Trio', ['cal', 'dee'])
    assert.equal((await gift(eve, group)).status, 404)
    // A block either way hides the conversation: like a missing one, and the picker too.
    const withDee = await direct(eve, dee)
    await send(eve, withDee, 'hey')
    await mt.call('POST', '/api/v1/users/eve/block', dee)
    const blocked = await gift(eve, withDee)
    assert.deepEqual([blocked.status, blocked.body.error?.message], [missing.status, missing.body.error?.message])
    assert.equal((await (await mt.agentOf(eve)).get(`/coins/gift?kind=conversation&id=${withDee}`)).status, 404)
    assert.deepEqual([transfers(), await balance(eve)], before, 'nothing moved')

    // A request cal deleted: for eve it looks as before, and a gift goes where a message would (back into cal's requests).
    await mt.t.h.safety.setPrivacy(cal.id, { who_can_message: 'nobody' })
    const toCal = await direct(eve, cal)
    await send(eve, toCal, 'may I?')
    assert.equal((await api('POST', `/conversations/${toCal}/decline`, cal)).status, 200)
    const intoRequest = await gift(eve, toCal, { note: 'please' })
    assert.equal(intoRequest.status, 201, JSON.stringify(intoRequest.body))
    const requests = (await api('GET', '/conversations?folder=requests', cal)).body.data as { id: number }[]
    assert.ok(requests.some((c) => c.id === toCal), 'back in the requests, as a message would be')
    await verify()
  })
})
