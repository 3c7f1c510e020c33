// Disappearing and scheduled messages over real SQLite, durable jobs and restarts: a conversation timer anyone in it
// sets (a system line tells everyone), a message's own timer, the purge of row, body and search entry by its job
// after a restart, and scheduled messages sent exactly once after a restart, refused in the past, not sent after a
// block or leaving (the sender sees why). Times are moved explicitly in the database, never waited for.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { messagesTest } from './test-setup.js'
import { instantOf } from './scheduled.js'

describe('disappearing and scheduled messages', () => {
  const mt = messagesTest({ names: ['ana', 'ben', 'cal', 'dee'] })
  const { u, api, direct, texts } = mt
  const past = '2000-01-01T00:00:00.000Z'
  /** A time a month from now at a whole minute: ISO, and as a datetime-local field posts it (read in UTC). */
  const later = new Date(Math.floor((Date.now() + 30 * 86_400_000) / 60_000) * 60_000)
  const soon = later.toISOString()
  const localLater = soon.slice(0, 16)

  const sqlite = () => mt.t.h.store.sqlite
  const indexed = (word: string) => (sqlite().prepare('select rowid from messages_search where messages_search match ?').all(`"${word}"`) as { rowid: number }[]).map((r) => r.rowid)

  it('lets anyone in a conversation set its timer, tells everyone with a system line, and refuses other values', async () => {
    const id = await direct(u.ana!, u.ben!)
    await api('POST', `/conversations/${id}/messages`, u.ana!, { text: 'hello' })
    const set = await api('PUT', `/conversations/${id}/disappearing`, u.ben!, { disappear_seconds: 86400 })
    assert.equal(set.status, 200, JSON.stringify(set.body))
    assert.equal(set.body.data.disappear_seconds, 86400)
    assert.deepEqual((await texts(u.ana!, id)).slice(-1), ['ben set disappearing messages to 24 hours'])
    const bad = await api('PUT', `/conversations/${id}/disappearing`, u.ana!, { disappear_seconds: 60 })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error?.code, 'VALIDATION_FAILED')
    // New messages take the conversation's timer; a message may carry its own.
    const m = await api('POST', `/conversations/${id}/messages`, u.ana!, { text: 'gone tomorrow' })
    assert.ok(m.body.data.expires_at)
    assert.equal(Date.parse(m.body.data.expires_at) - Date.parse(m.body.data.created_at) >= 86_399_000, true)
    const own = await api('POST', `/conversations/${id}/messages`, u.ana!, { text: 'gone in an hour', disappear_seconds: 3600 })
    assert.equal(Math.round((Date.parse(own.body.data.expires_at) - Date.parse(own.body.data.created_at)) / 1000), 3600)
    assert.equal((await api('POST', `/conversations/${id}/messages`, u.ana!, { text: 'x', disappear_seconds: 5 })).status, 400)
    const off = await api('PUT', `/conversations/${id}/disappearing`, u.ana!, { disappear_seconds: null })
    assert.equal(off.body.data.disappear_seconds, null)
    assert.deepEqual((await texts(ben(), id)).slice(-1), ['ana turned off disappearing messages'])
    // Without JavaScript: the thread's form.
    const a = mt.t.agent()
    await a.loginViaForm('ben')
    assert.match(await a.text(`/messages/${id}`), /data-timer/)
    const posted = await a.post(`/messages/${id}/disappearing`, { disappear_seconds: '604800' })
    assert.equal(posted.status, 303)
    assert.deepEqual((await texts(u.ana!, id)).slice(-1), ['ben set disappearing messages to 7 days'])
  })
  const ben = () => u.ben!

  it('hides an expired message at once and purges its row, body and search entry by its job after a restart', async () => {
    const id = await direct(u.cal!, u.dee!)
    const keep = (await api('POST', `/conversations/${id}/messages`, u.cal!, { text: 'keepsake forever' })).body.data.id as number
    const gone = (await api('POST', `/conversations/${id}/messages`, u.cal!, { text: 'ephemeral pineapple', disappear_seconds: 3600 })).body.data.id as number
    assert.deepEqual(indexed('pineapple'), [gone])
    const job = () => mt.t.h.db.selectFrom('jobs').select(['status', 'run_at']).where('key', '=', `messages:disappear:${gone}`).execute()
    assert.deepEqual((await job()).map((j) => j.status), ['pending'], 'queued with the message')
    // Stop the app; its time comes while it is down.
    await mt.t.restart()
    sqlite().prepare('update messages_messages set expires_at = ? where id = ?').run(past, gone)
    sqlite().prepare(`update jobs set run_at = ? where key = ?`).run(past, `messages:disappear:${gone}`)
    // Hidden from the moment it expires, before any job runs.
    assert.deepEqual(await texts(u.dee!, id), ['keepsake forever'])
    assert.equal((await api('GET', '/search?q=pineapple', u.dee!)).body.data.length, 0)
    await mt.t.h.queue.drain()
    assert.deepEqual((await job()).map((j) => j.status), ['done'])
    assert.equal(sqlite().prepare('select count(*) from messages_messages where id = ?').pluck().get(gone), 0)
    assert.equal(sqlite().prepare('select count(*) from messages_bodies where message_id = ?').pluck().get(gone), 0)
    assert.deepEqual(indexed('pineapple'), [], 'its search entry is gone')
    assert.deepEqual(indexed('keepsake'), [keep])
    // The conversation's latest message is the one left.
    assert.equal(sqlite().prepare('select last_message_id from messages_conversations where id = ?').pluck().get(id), keep)
  })

  it('reads a local time with the member\'s offset, or an ISO instant', () => {
    assert.equal(instantOf('2026-12-24T18:00', 60)?.toISOString(), '2026-12-24T17:00:00.000Z')
    assert.equal(instantOf('2026-12-24T18:00', -300)?.toISOString(), '2026-12-24T23:00:00.000Z')
    assert.equal(instantOf('2026-12-24T18:00')?.toISOString(), '2026-12-24T18:00:00.000Z')
    assert.equal(instantOf('2026-12-24T18:00:00+01:00')?.toISOString(), '2026-12-24T17:00:00.000Z')
    assert.equal(instantOf('2026-02-30T10:00', 0), null)
    assert.equal(instantOf('tomorrow', 0), null)
  })

  it('refuses a time in the past (or not a time) and stores nothing', async () => {
    const id = await direct(u.ana!, u.cal!)
    const count = () => sqlite().prepare('select count(*) from messages_scheduled').pluck().get()
    const jobs = () => sqlite().prepare(`select count(*) from jobs where kind = 'messages:send-scheduled'`).pluck().get()
    const before = [count(), jobs()]
    for (const send_at of ['2001-01-01T10:00:00Z', '2001-01-01T10:00', 'soon']) {
      const r = await api('POST', `/conversations/${id}/scheduled`, u.ana!, { text: 'late', send_at })
      assert.equal(r.status, 400, send_at)
      assert.equal(r.body.error?.code, 'VALIDATION_FAILED')
      assert.ok(r.body.error?.details.fields?.send_at)
    }
    const page = mt.t.agent()
    await page.loginViaForm('ana')
    const form = await page.post(`/messages/${id}/scheduled`, { text: 'late', send_at: '2001-01-01T10:00', tz_offset: '60' })
    assert.equal(form.status, 400)
    assert.match(await form.text(), /Choose a time in the future/)
    assert.deepEqual([count(), jobs()], before)
  })

  it('sends a scheduled message exactly once when its time passed while the server was down', async () => {
    const id = await direct(u.ben!, u.dee!)
    const made = await api('POST', `/conversations/${id}/scheduled`, u.ben!, { text: 'happy birthday', send_at: localLater, tz_offset: 120 })
    assert.equal(made.status, 201, JSON.stringify(made.body))
    assert.equal(made.body.data.send_at, new Date(later.getTime() - 120 * 60_000).toISOString())
    const sid = made.body.data.id as number
    // Listed and editable while pending; nobody else sees it.
    assert.deepEqual(((await api('GET', '/scheduled', u.ben!)).body.data as { id: number }[]).map((s) => s.id), [sid])
    assert.equal((await api('GET', `/scheduled/${sid}`, u.dee!)).status, 404)
    assert.equal((await api('PATCH', `/scheduled/${sid}`, u.ben!, { text: 'happy birthday, dee!' })).body.data.text, 'happy birthday, dee!')
    assert.ok(!(await texts(u.dee!, id)).includes('happy birthday, dee!'))
    await mt.t.restart()
    sqlite().prepare('update jobs set run_at = ? where key = ?').run(past, `messages:scheduled:${sid}`)
    await mt.t.h.queue.drain()
    // A second run of the same job (a crash after sending) adds nothing.
    sqlite().prepare(`update jobs set status = 'pending', run_at = ? where key = ?`).run(past, `messages:scheduled:${sid}`)
    sqlite().prepare(`update messages_scheduled set status = 'pending' where id = ?`).run(sid)
    await mt.t.h.queue.drain()
    assert.deepEqual((await texts(u.dee!, id)).filter((x) => x === 'happy birthday, dee!'), ['happy birthday, dee!'])
    const row = (await api('GET', `/scheduled/${sid}`, u.ben!)).body.data
    assert.equal(row.status, 'sent')
    assert.equal(typeof row.message_id, 'number')
    assert.equal((await api('PATCH', `/scheduled/${sid}`, u.ben!, { text: 'too late' })).status, 409)
  })

  it('cancels a scheduled message with its job', async () => {
    const id = await direct(u.ana!, u.dee!)
    const sid = (await api('POST', `/conversations/${id}/scheduled`, u.ana!, { text: 'never mind', send_at: soon })).body.data.id as number
    assert.equal((await api('DELETE', `/scheduled/${sid}`, u.ana!)).status, 200)
    assert.equal(sqlite().prepare('select count(*) from jobs where key = ? and status = ?').pluck().get(`messages:scheduled:${sid}`, 'pending'), 0)
    assert.equal((await api('GET', `/scheduled/${sid}`, u.ana!)).status, 404)
  })

  it('does not send to someone who has since blocked the sender, nor to a group the sender left, and says why', async () => {
    const id = await direct(u.cal!, u.ben!)
    const toBen = (await api('POST', `/conversations/${id}/scheduled`, u.cal!, { text: 'blocked text', send_at: soon })).body.data.id as number
    await mt.t.h.safety.block(u.ben!.id, u.cal!.id)
    const group = (await api('POST', '/conversations', u.cal!, { name: 'Club', members: ['ana', 'dee'] })).body.data.id as number
    const toGroup = (await api('POST', `/conversations/${group}/scheduled`, u.cal!, { text: 'left text', send_at: soon })).body.data.id as number
    assert.equal((await api('DELETE', `/conversations/${group}/members/${u.cal!.id}`, u.cal!)).status, 200)
    sqlite().prepare(`update jobs set run_at = ? where key in (?, ?)`).run(past, `messages:scheduled:${toBen}`, `messages:scheduled:${toGroup}`)
    await mt.t.h.queue.drain()
    const all = (await api('GET', '/scheduled?status=all', u.cal!)).body.data as { id: number; status: string; reason: string }[]
    assert.match(all.find((s) => s.id === toBen)!.reason, /no longer available/)
    assert.match(all.find((s) => s.id === toGroup)!.reason, /no longer in this conversation/)
    assert.ok(all.filter((s) => s.id === toBen || s.id === toGroup).every((s) => s.status === 'not_sent'))
    assert.equal(sqlite().prepare(`select count(*) from messages_bodies where body in ('blocked text', 'left text')`).pluck().get(), 0)
    const notes = (await mt.t.h.notifications.list(u.cal!.id)).items.filter((n) => n.type === 'messages.scheduled')
    assert.equal(notes.length, 2)
    const a = mt.t.agent()
    await a.loginViaForm('cal')
    assert.match(await a.text('/messages/scheduled?status=all'), /no longer in this conversation/)
  })
})
