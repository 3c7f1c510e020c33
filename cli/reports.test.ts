// `hearth reports list|resolve`, run as a real subprocess against one temporary data directory, in order.
import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import SQLite from 'better-sqlite3'
import { createTestApp, tempDir } from '../test/harness.js'
import { assertFails, hearth, json, show } from '../test/cli.js'

describe('hearth reports', () => {
  const data = tempDir('hearth-cli-reports-')
  const h = (...args: string[]) => hearth([...args, '--data', data])
  const ids = { spamPost: 0, otherPost: 0, spamReport: 0, otherReport: 0, userReport: 0, troll: 0 }
  let db: SQLite.Database

  before(async () => {
    const app = await createTestApp({ dataDir: data })
    const ana = await app.register('ana')
    await app.register('bob')
    const troll = await app.register('troll')
    const mod = await app.register('mod')
    await app.h.users.setRole(mod.id, 'moderator', null)
    ids.troll = troll.id
    ids.spamPost = (await app.h.posts.create(troll.id, { text: 'cheap watches here' })).id
    ids.otherPost = (await app.h.posts.create(troll.id, { text: 'more cheap watches' })).id
    ids.spamReport = (await app.h.moderation.report(ana.id, { target_type: 'post', target_id: ids.spamPost, reason: 'spam', note: 'Again and again.' })).id
    const bob = (await app.h.users.findRow('bob'))!.id
    await app.h.moderation.report(bob, { target_type: 'post', target_id: ids.spamPost, reason: 'spam' })
    ids.otherReport = (await app.h.moderation.report(ana.id, { target_type: 'post', target_id: ids.otherPost, reason: 'misinformation' })).id
    ids.userReport = (await app.h.moderation.report(ana.id, { target_type: 'user', target_id: troll.id, reason: 'harassment' })).id
    await app.close()
    db = new SQLite(join(data, 'hearth.db'), { readonly: true, fileMustExist: true })
  })
  after(() => {
    db?.close()
    rmSync(data, { recursive: true, force: true })
  })

  test('lists open reports for a person and as JSON', async () => {
    const r = await h('reports', 'list')
    assert.equal(r.code, 0, show(r))
    assert.match(r.stdout, new RegExp(`#${ids.spamReport}\\s+open\\s+post ${ids.spamPost}\\s+@troll\\s+spam\\s+by @ana`))
    assert.match(r.stdout, /"Again and again\."/)
    const list = json<any[]>(await h('reports', 'list', '--json'))
    assert.equal(list.length, 4)
    assert.ok(list.every((x) => x.status === 'open'))
    assert.deepEqual(list.map((x) => x.id), [...list.map((x) => x.id)].sort((a, b) => b - a), 'newest first')
  })

  test('refuses bad options with exit 2, and fails with exit 1 for a missing report or an actor who is not staff', async () => {
    // Independent and read-only, so run side by side: each spawn costs seconds.
    const [group, noOutcome, status, id, outcome, note, remove, missing, notStaff] = await Promise.all([
      hearth(['reports']),
      h('reports', 'resolve', String(ids.spamReport)),
      h('reports', 'list', '--status', 'closed'),
      h('reports', 'resolve', 'abc', '--outcome', 'dismiss'),
      h('reports', 'resolve', String(ids.spamReport), '--outcome', 'ban'),
      h('reports', 'resolve', String(ids.spamReport), '--outcome', 'dismiss', '--note', 'x'.repeat(1001)),
      h('reports', 'resolve', String(ids.spamReport), '--outcome', 'remove'),
      h('reports', 'resolve', '99999', '--outcome', 'dismiss'),
      h('reports', 'resolve', String(ids.spamReport), '--outcome', 'dismiss', '--as', 'bob'),
    ])
    assert.equal(group!.code, 2, show(group!))
    assert.match(group!.stderr, /^  list /m)
    assert.match(group!.stderr, /^  resolve /m)
    assertFails(noOutcome!, 2, /required option '--outcome <outcome>' not specified/)
    assertFails(status!, 2, /The status "closed" is not open, resolved or all\./)
    assertFails(id!, 2, /"abc" is not a report id\./)
    assertFails(outcome!, 2, /The outcome "ban" is not one of dismiss, remove, sensitive, warn, suspend\./)
    assertFails(note!, 2, /under 1000 characters/)
    assertFails(remove!, 2, /Removing a post is done in a moderator's name\./, /hint: Add --as NAME/)
    assertFails(missing!, 1, /There is no report 99999\./, /hint: See `hearth reports list --status all`/)
    assertFails(notStaff!, 1, /@bob is not a moderator or admin\./)
    const open = db.prepare("select count(*) as n from reports where status = 'open'").get() as { n: number }
    assert.equal(open.n, 4, 'nothing was resolved')
  })

  test('takes a post down in a moderator’s name (kept for its author while it can be appealed), closing both reports on it, audited', async () => {
    const done = json(await h('reports', 'resolve', String(ids.spamReport), '--outcome', 'remove', '--as', 'mod', '--note', 'Spam wave.', '--json'))
    assert.deepEqual([done.outcome, done.reports_count, done.actor.username, done.note], ['remove', 2, 'mod', 'Spam wave.'])
    assert.deepEqual(db.prepare('select held_reason from posts where id = ?').get(ids.spamPost), { held_reason: 'removed' })
    const audit = db.prepare("select actor_id, details from audit_log where action = 'report.resolve' and target_id = ?").all(String(ids.spamPost)) as { actor_id: number; details: string }[]
    assert.equal(audit.length, 1)
    assert.equal(JSON.parse(audit[0]!.details).outcome, 'remove')
  })

  test('dismisses from the shell (the operator: no actor) and says when a report is already resolved', async () => {
    const r = await h('reports', 'resolve', String(ids.otherReport), '--outcome', 'dismiss')
    assert.equal(r.code, 0, show(r))
    assert.match(r.stdout, new RegExp(`Report ${ids.otherReport} resolved: dismiss \\(1 report on post ${ids.otherPost} closed\\)\\.`))
    const audit = db.prepare("select actor_id from audit_log where action = 'report.resolve' and target_id = ?").get(String(ids.otherPost)) as { actor_id: number | null }
    assert.equal(audit.actor_id, null)
    assertFails(await h('reports', 'resolve', String(ids.otherReport), '--outcome', 'dismiss'), 1, new RegExp(`Report ${ids.otherReport} is already resolved\\.`))
  })

  test('suspends a reported member with the reason given, then lists resolved reports', async () => {
    const r = await h('reports', 'resolve', String(ids.userReport), '--outcome', 'suspend', '--reason', 'Harassing members.')
    assert.equal(r.code, 0, show(r))
    const troll = db.prepare('select suspended_at, suspended_reason from users where id = ?').get(ids.troll) as { suspended_at: string | null; suspended_reason: string }
    assert.ok(troll.suspended_at)
    assert.equal(troll.suspended_reason, 'Harassing members.')
    const resolved = json<any[]>(await h('reports', 'list', '--status', 'resolved', '--json'))
    assert.deepEqual(resolved.map((x) => x.resolution.outcome).sort(), ['dismiss', 'remove', 'remove', 'suspend'])
    const human = await h('reports', 'list', '--status', 'open')
    assert.equal(human.stdout.trim(), 'No open reports.')
  })
})
