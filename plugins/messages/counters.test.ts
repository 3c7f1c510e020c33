// The counts each participant row stores so the inbox, the nav badge and the fan-out never count messages
// (migration 2026_12_06_0080): after every change that moves them (send, read, delete-for-me, unsend, leave, re-add,
// block, the disappearing purge) the stored unread count and latest message equal what counting the messages says,
// and the migration backfills both from existing rows.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { down as badgeDown, up as badgeUp } from './migrations/2026_12_07_0000_badge_index.js'
import { down, up } from './migrations/2026_12_06_0080_participant_counters.js'
import { membersShownQuery, unreadCountsQuery, unreadTruth } from './queries.js'
import { messagesTest } from './test-setup.js'

describe('messages: stored unread counts and latest messages', () => {
  const mt = messagesTest({ names: ['ana', 'ben', 'cal', 'dee'] })
  const { u, api, direct, group, sendId: send } = mt
  const sqlite = () => mt.t.h.store.sqlite
  const past = '2000-01-01T00:00:00.000Z'

  type Row = { conversation_id: number; user_id: number; unread_count: number; latest_id: number | null; truth_latest: number | null }
  const rows = (ids: number[]) =>
    sqlite()
      .prepare(
        `select p.conversation_id, p.user_id, p.unread_count, p.latest_id,
           case when p.until_id is not null and p.until_id < c.last_message_id then p.until_id else c.last_message_id end as truth_latest
         from messages_participants p join messages_conversations c on c.id = p.conversation_id
         where p.conversation_id in (${ids.map(() => '?').join(',')}) order by p.conversation_id, p.user_id`,
      )
      .all(...ids) as Row[]

  /** Every participant's stored counts equal the truth; answers the unread counts by member id of the first conversation. */
  async function check(ids: number[], step: string): Promise<Map<number, number>> {
    for (const r of rows(ids)) {
      assert.equal(r.unread_count, await unreadTruth(mt.t.h.db, r.conversation_id, r.user_id), `${step}: unread of member ${r.user_id} in ${r.conversation_id}`)
      assert.equal(r.latest_id, r.truth_latest, `${step}: latest of member ${r.user_id} in ${r.conversation_id}`)
    }
    return new Map(rows(ids.slice(0, 1)).map((r) => [r.user_id, r.unread_count]))
  }
  const inboxUnread = async (who: (typeof u)[string], id: number) =>
    ((await api('GET', '/conversations', who)).body.data as { id: number; unread: number }[]).find((c) => c.id === id)?.unread

  it('stay equal to the messages after send, read, delete-for-me, unsend, leave, re-add, block and the disappearing purge', async () => {
    const [ana, ben, cal, dee] = [u.ana!, u.ben!, u.cal!, u.dee!]
    const g = await group(ana, 'Counters', ['ben', 'cal', 'dee'])
    const d = await direct(ana, ben)
    await check([g, d], 'made')

    await send(ana, g, 'one')
    const two = await send(ana, g, 'two')
    const three = await send(ana, g, 'three')
    await send(ben, g, 'from ben')
    await send(ana, d, 'hi ben')
    let n = await check([g, d], 'send')
    assert.deepEqual([n.get(ana.id), n.get(ben.id), n.get(cal.id), n.get(dee.id)], [1, 0, 4, 4])
    assert.equal(await inboxUnread(cal, g), 4)
    assert.deepEqual((await api('GET', '/unread', ben)).body.data, { conversations: 1, requests: 0 })

    // Read up to "two": two left.
    assert.equal((await api('POST', `/conversations/${g}/read`, cal, { message_id: two })).status, 200)
    n = await check([g, d], 'read')
    assert.equal(n.get(cal.id), 2)
    assert.equal(await inboxUnread(cal, g), 2)

    // Deleted for oneself: it no longer counts for dee, still for cal.
    assert.equal((await api('POST', `/conversations/${g}/messages/${three}/hide`, dee, {})).status, 200)
    n = await check([g, d], 'delete for me')
    assert.deepEqual([n.get(cal.id), n.get(dee.id)], [2, 3])

    // Unsent for everyone: gone from every count that had it (dee's no longer did).
    assert.equal((await api('DELETE', `/conversations/${g}/messages/${three}`, ana)).status, 200)
    n = await check([g, d], 'unsend')
    assert.deepEqual([n.get(cal.id), n.get(dee.id)], [1, 3])

    // cal leaves: what came before stays counted, nothing after is.
    assert.equal((await api('DELETE', `/conversations/${g}/members/${cal.id}`, cal)).status, 200)
    await send(ana, g, 'after cal left')
    n = await check([g, d], 'leave')
    assert.deepEqual([n.get(cal.id), n.get(dee.id)], [1, 4])

    // Added again: nothing from before is theirs, so nothing is unread.
    assert.equal((await api('POST', `/conversations/${g}/members`, ana, { user: cal.id })).status, 201)
    n = await check([g, d], 're-add')
    assert.equal(n.get(cal.id), 0)
    await send(dee, g, 'welcome back')
    n = await check([g, d], 'send after re-add')
    assert.deepEqual([n.get(cal.id), n.get(dee.id)], [1, 0], 'writing is reading')

    // A block hides the direct conversation from the badge; its stored count is unchanged (and true).
    assert.deepEqual((await api('GET', '/unread', ben)).body.data, { conversations: 2, requests: 0 })
    await mt.t.h.safety.block(ben.id, ana.id)
    await check([g, d], 'block')
    assert.deepEqual((await api('GET', '/unread', ben)).body.data, { conversations: 1, requests: 0 })
    await mt.t.h.safety.unblock(ben.id, ana.id)

    // A disappearing message: counted while it lasts, then purged by its job, the latest message following.
    const brief = await send(ana, g, 'brief', { disappear_seconds: 3600 })
    n = await check([g, d], 'disappearing sent')
    assert.equal(n.get(dee.id), 1)
    sqlite().prepare('update messages_messages set expires_at = ? where id = ?').run(past, brief)
    sqlite().prepare('update jobs set run_at = ? where key = ?').run(past, `messages:disappear:${brief}`)
    await mt.t.h.queue.drain()
    assert.equal(sqlite().prepare('select count(*) from messages_messages where id = ?').pluck().get(brief), 0)
    n = await check([g, d], 'purge')
    assert.equal(n.get(dee.id), 0)
  })

  it('are backfilled by the migration from the messages', async () => {
    const [ana, ben, cal] = [u.ana!, u.ben!, u.cal!]
    const g = await group(ana, 'Backfill', ['ben', 'cal'])
    for (const text of ['a', 'b', 'c']) await send(ana, g, text)
    await api('POST', `/conversations/${g}/read`, ben, {})
    await send(cal, g, 'd')
    const before = rows([g]).map((r) => ({ ...r }))
    // Rolled back through the later badge index, which reads these columns.
    await badgeDown(mt.t.h.db)
    await down(mt.t.h.db)
    await up(mt.t.h.db)
    await badgeUp(mt.t.h.db)
    await check([g], 'backfilled')
    assert.deepEqual(rows([g]), before)
    const told = sqlite().prepare('select user_id, told from messages_participants where conversation_id = ? order by user_id').all(g) as { user_id: number; told: number }[]
    // Who has something unread was told of it when it arrived; nobody is told twice after the upgrade.
    assert.deepEqual(told.map((t) => t.told), rows([g]).map((r) => (r.unread_count > 0 ? 1 : 0)))
  })

  it('read the nav badge from the unread and pending rows only (the badge index), never every conversation', () => {
    const q = unreadCountsQuery(u.ana!.id).compile(mt.t.h.db)
    const plan = (sqlite().prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail)
    assert.ok(plan.some((d) => /SEARCH p USING INDEX messages_participants_badge/.test(d)), plan.join('\n'))
  })

  it('list a group’s first members along the joining order index, stopping at the cap (a list never reads a whole group)', () => {
    const q = membersShownQuery(u.ana!.id, [1, 2], 20).compile(mt.t.h.db)
    const plan = (sqlite().prepare(`explain query plan ${q.sql}`).all(...(q.parameters as unknown[])) as { detail: string }[]).map((r) => r.detail)
    assert.ok(plan.some((d) => /SEARCH r USING COVERING INDEX messages_participants_order \(conversation_id=\? AND state=\?\)/.test(d)), plan.join('\n'))
  })
})
