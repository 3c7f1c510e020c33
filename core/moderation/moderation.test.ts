// Reports and the moderation queue through the API and the service: what may be reported, merging, snapshots, each outcome with its audit row, roles, plugin reports.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { createModerationService } from './service.js'

type Envelope = { status: string; data: any; pagination?: { next_cursor: string | null; has_more: boolean }; error: { code: string; message: string; details: any } }
const body = async (res: Response) => (await res.json()) as Envelope

describe('reports and the moderation queue', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}
  const filed: { type: string; reportId: number }[] = []
  const resolved: { reportId: number; outcome: string; actorId: number | null }[] = []

  before(async () => {
    t = await createTestApp()
    for (const n of ['ana', 'bob', 'cyd', 'dia', 'eve', 'mod', 'boss', 'fay', 'gus']) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
    await t.h.users.setRole(id.mod!, 'moderator', null)
    await t.h.users.setRole(id.boss!, 'admin', null)
    t.h.hooks.on('action:report.filed', ({ reportId, targetType }) => void filed.push({ type: targetType, reportId }))
    t.h.hooks.on('action:report.resolved', (p) => void resolved.push(p))
  })
  after(() => t.close())

  const call = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? tok[who] : undefined, json })
  const post = async (who: string, text: string, visibility = 'public') => (await body(await call(who, 'POST', '/api/v1/posts', { text, visibility }))).data.id as number
  const report = (who: string, target_type: string, target_id: unknown, reason = 'spam', note?: string) => call(who, 'POST', '/api/v1/reports', { target_type, target_id, reason, note })
  const auditRows = (action: string, targetType: string, targetId: number | string) =>
    t.h.db.selectFrom('audit_log').selectAll().where('action', '=', action).where('target_type', '=', targetType).where('target_id', '=', String(targetId)).execute()
  const comment = async (postId: number, author: string, text: string) =>
    (await t.h.db.insertInto('comments').values({ post_id: postId, author_id: id[author]!, text, updated_at: new Date().toISOString() }).returning('id').executeTakeFirstOrThrow()).id

  it('files a report on a post and tells the reporter nothing about anyone else', async () => {
    const p = await post('ana', 'buy cheap watches')
    const res = await report('bob', 'post', p, 'spam', 'Posted ten times today.')
    assert.equal(res.status, 201)
    const r = (await body(res)).data
    assert.deepEqual([r.target_type, r.target_id, r.reason, r.status, r.merged], ['post', String(p), 'spam', 'open', false])
    assert.equal('reporter' in r || 'snapshot' in r, false)
    assert.ok(filed.some((f) => f.reportId === r.id && f.type === 'post'), 'action:report.filed')
  })

  it('answers NOT_FOUND for content that does not exist', async () => {
    for (const [type, target] of [['post', 999_999], ['comment', 999_999], ['user', 999_999]] as const) {
      const res = await report('bob', type, target)
      assert.equal(res.status, 404, type)
      assert.equal((await body(res)).error.code, 'NOT_FOUND')
    }
  })

  it('answers NOT_FOUND, the same answer, for a post or comment the reporter may not see', async () => {
    const missing = await body(await report('bob', 'post', 999_998))
    const mine = await post('cyd', 'only for me', 'only_me')
    const followers = await post('cyd', 'for my followers', 'followers')
    for (const p of [mine, followers]) {
      const res = await report('bob', 'post', p)
      assert.equal(res.status, 404)
      const b = await body(res)
      assert.deepEqual([b.error.code, b.error.message], [missing.error.code, missing.error.message], 'indistinguishable from a missing post')
    }
    // A comment is seen with its post: hidden post, hidden comment.
    const c = await comment(followers, 'cyd', 'a reply')
    assert.equal((await report('bob', 'comment', c)).status, 404)
    // Across a block, neither sees the other's posts or comments.
    const open = await post('dia', 'public words')
    const cm = await comment(open, 'dia', 'public comment')
    await t.h.safety.block(id.dia!, id.eve!)
    assert.equal((await report('eve', 'post', open)).status, 404)
    assert.equal((await report('eve', 'comment', cm)).status, 404)
  })

  it('still lets a member report someone they blocked, or who blocked them, but not a suspended account', async () => {
    await t.h.safety.block(id.fay!, id.gus!)
    assert.equal((await report('fay', 'user', id.gus, 'harassment')).status, 201)
    assert.equal((await report('gus', 'user', id.fay, 'harassment')).status, 201)
    const x = await t.register('xavier')
    await t.h.users.suspend(x.id, 'spam account', null)
    assert.equal((await report('fay', 'user', x.id)).status, 404)
  })

  it('refuses bad reasons, long notes and unknown target types with VALIDATION_FAILED', async () => {
    const p = await post('ana', 'fine words')
    const cases: [unknown, string][] = [
      [{ target_type: 'post', target_id: p, reason: 'boring' }, 'reason'],
      [{ target_type: 'post', target_id: p }, 'reason'],
      [{ target_type: 'post', target_id: p, reason: 'spam', note: 'x'.repeat(1001) }, 'note'],
      [{ target_type: 'post', target_id: p, reason: 'spam', note: 42 }, 'note'],
      [{ target_type: 'story', target_id: p, reason: 'spam' }, 'target_type'],
      [{ target_type: 'post', target_id: -3, reason: 'spam' }, 'target_id'],
    ]
    for (const [input, field] of cases) {
      const res = await call('bob', 'POST', '/api/v1/reports', input)
      assert.equal(res.status, 400, JSON.stringify(input))
      const b = await body(res)
      assert.equal(b.error.code, 'VALIDATION_FAILED')
      assert.ok(b.error.details.fields[field], `${field} in ${JSON.stringify(b.error.details)}`)
    }
    assert.equal((await report('bob', 'post', p, 'other', 'x'.repeat(1000))).status, 201, 'exactly 1000 characters is fine')
  })

  it('refuses reporting yourself or your own post', async () => {
    const p = await post('ana', 'my own')
    assert.equal((await report('ana', 'post', p)).status, 409)
    assert.equal((await report('ana', 'user', id.ana)).status, 409)
    assert.equal((await call(null, 'POST', '/api/v1/reports', { target_type: 'post', target_id: p, reason: 'spam' })).status, 401)
  })

  it('merges a second open report by the same member into the first; other members add reporters', async () => {
    const p = await post('ana', 'the same post again')
    const first = (await body(await report('bob', 'post', p, 'spam'))).data
    const again = await report('bob', 'post', String(p), 'hate', 'changed my mind')
    assert.equal(again.status, 200)
    const second = (await body(again)).data
    assert.deepEqual([second.id, second.merged, second.reason], [first.id, true, 'spam'], 'the first report stands')
    await report('cyd', 'post', p, 'hate')
    const queue = await t.h.moderation.queue()
    const item = queue.items.find((i) => i.target_type === 'post' && i.target_id === String(p))!
    assert.deepEqual([item.reporters, item.reports, item.reasons], [2, 2, { spam: 1, hate: 1 }])
    // Once resolved, the same member may report the target again (something new happened).
    await t.h.moderation.resolve(null, first.id, { outcome: 'dismiss' })
    const fresh = await report('bob', 'post', p, 'spam')
    assert.equal(fresh.status, 201)
    assert.notEqual((await body(fresh)).data.id, first.id)
  })

  it('sorts the queue by newest activity or by most reporters', async () => {
    const quiet = await post('ana', 'one report')
    const loud = await post('ana', 'three reports')
    for (const who of ['bob', 'cyd', 'dia']) await report(who, 'post', loud)
    await report('bob', 'post', quiet)
    const newest = await t.h.moderation.queue({ sort: 'newest' })
    assert.equal(newest.items[0]!.target_id, String(quiet))
    const most = await t.h.moderation.queue({ sort: 'most' })
    assert.equal(most.items[0]!.target_id, String(loud))
    assert.equal(most.items[0]!.reporters, 3)
    // Pages chain without repeats or gaps.
    for (const sort of ['newest', 'most'] as const) {
      const all = (await t.h.moderation.queue({ sort, limit: 1000 })).items.map((i) => `${i.target_type}:${i.target_id}`)
      const paged: string[] = []
      let cursor: string | null = null
      do {
        const page: Awaited<ReturnType<typeof t.h.moderation.queue>> = await t.h.moderation.queue({ sort, cursor, limit: 2 })
        paged.push(...page.items.map((i) => `${i.target_type}:${i.target_id}`))
        cursor = page.nextCursor
      } while (cursor)
      assert.deepEqual(paged, all, sort)
    }
  })

  it('keeps the snapshot after the post is edited and then deleted', async () => {
    const p = await post('ana', 'original words #tag')
    const r = (await body(await report('bob', 'post', p, 'harassment', 'Look at the first version.'))).data
    await call('ana', 'PUT', `/api/v1/posts/${p}`, { text: 'innocent words' })
    let i = await t.h.moderation.inspect(r.id)
    assert.equal(i.report.snapshot.text, 'original words #tag')
    assert.equal((i.report.snapshot.author as any).username, 'ana')
    assert.deepEqual(i.report.snapshot.media_ids, [])
    assert.equal(i.current!.text, 'innocent words')
    assert.equal(i.report.note, 'Look at the first version.')
    await call('ana', 'DELETE', `/api/v1/posts/${p}`)
    i = await t.h.moderation.inspect(r.id)
    assert.equal(i.report.snapshot.text, 'original words #tag')
    assert.equal(i.current, null)
    const api = (await body(await call('mod', 'GET', `/api/v1/reports/${r.id}`))).data
    assert.equal(api.snapshot.text, 'original words #tag')
    assert.equal(api.reporter.username, 'bob', 'staff see the reporter')
  })

  it('dismisses: closes every open report on the target and writes the audit log', async () => {
    const p = await post('ana', 'harmless joke')
    const a = (await body(await report('bob', 'post', p))).data
    const b = (await body(await report('cyd', 'post', p))).data
    const res = await call('mod', 'POST', `/api/v1/reports/${a.id}/resolve`, { outcome: 'dismiss', note: 'A joke.' })
    assert.equal(res.status, 200)
    const d = (await body(res)).data
    assert.deepEqual([d.outcome, d.reports_count, d.actor.username, d.note], ['dismiss', 2, 'mod', 'A joke.'])
    for (const r of [a, b]) assert.equal((await t.h.moderation.get(r.id)).status, 'resolved')
    assert.ok(await t.h.posts.get(null, p), 'the post stays')
    const rows = await auditRows('report.resolve', 'post', p)
    assert.equal(rows.length, 1)
    assert.equal(rows[0]!.actor_id, id.mod)
    const details = JSON.parse(rows[0]!.details)
    assert.equal(details.outcome, 'dismiss')
    assert.deepEqual([...details.report_ids].sort(), [a.id, b.id].sort())
    assert.deepEqual(resolved.filter((e) => e.reportId === a.id || e.reportId === b.id).map((e) => [e.outcome, e.actorId]), [['dismiss', id.mod], ['dismiss', id.mod]])
    const twice = await call('mod', 'POST', `/api/v1/reports/${b.id}/resolve`, { outcome: 'dismiss' })
    assert.equal(twice.status, 409)
  })

  it('takes a removed post down at once, keeps it for its author while it can be appealed, then deletes it through the posts service, audited twice', async () => {
    const p = await post('ana', 'really bad post')
    const r = (await body(await report('bob', 'post', p, 'hate'))).data
    const res = await call('mod', 'POST', `/api/v1/reports/${r.id}/resolve`, { outcome: 'remove' })
    assert.equal(res.status, 200)
    assert.equal((await call('bob', 'GET', `/api/v1/posts/${p}`)).status, 404, 'gone for everyone else at once')
    assert.equal((await call(null, 'GET', `/api/v1/posts/${p}`)).status, 404)
    const own = await call('ana', 'GET', `/api/v1/posts/${p}`)
    assert.equal(((await own.json()) as { data: { held: string } }).data.held, 'removed', 'its author still sees it, marked removed')
    assert.equal(await t.h.appeals.purgeExpired(), 0, 'kept while it can be appealed')
    assert.equal(await t.h.appeals.purgeExpired(new Date(Date.now() + 31 * 86_400_000)), 1, 'deleted once the window ends')
    assert.equal(await t.h.db.selectFrom('posts').select('id').where('id', '=', p).executeTakeFirst(), undefined)
    assert.equal((await auditRows('report.resolve', 'post', p)).length, 1)
    const deletion = await auditRows('post.delete', 'post', p)
    assert.equal(deletion[0]?.actor_id, id.mod)
    assert.equal((await t.h.moderation.inspect(r.id)).current, null)
  })

  it('suspends the member responsible, with the reason they are shown, audited', async () => {
    const p = await post('eve', 'threatening words')
    const r = (await body(await report('bob', 'post', p, 'violence'))).data
    const res = await call('boss', 'POST', `/api/v1/reports/${r.id}/resolve`, { outcome: 'suspend', reason: 'Threats are not allowed here.' })
    assert.equal(res.status, 200)
    const eve = await t.h.users.findRow(id.eve!)
    assert.equal(eve!.suspended_reason, 'Threats are not allowed here.')
    assert.equal((await auditRows('user.suspend', 'user', id.eve!)).length, 1)
    const decision = await auditRows('report.resolve', 'post', p)
    assert.equal(JSON.parse(decision[0]!.details).member_id, id.eve)
    // Without a reason the member is told which kind of reports led to it.
    const u = await t.register('spammer')
    const r2 = (await body(await report('bob', 'user', u.id, 'spam'))).data
    await call('mod', 'POST', `/api/v1/reports/${r2.id}/resolve`, { outcome: 'remove' })
    assert.match((await t.h.users.findRow(u.id))!.suspended_reason!, /suspended by the moderators after reports of spam/)
    assert.equal(JSON.parse((await auditRows('report.resolve', 'user', u.id))[0]!.details).outcome, 'remove')
  })

  it('warns: a warning on the member, shown when inspecting, audited', async () => {
    const p = await post('dia', 'rude words')
    const r = (await body(await report('bob', 'post', p, 'harassment'))).data
    const res = await call('mod', 'POST', `/api/v1/reports/${r.id}/resolve`, { outcome: 'warn', note: 'First time; be kind.' })
    assert.equal(res.status, 200)
    const warnings = await t.h.moderation.warnings(id.dia!)
    assert.deepEqual(warnings.map((w) => [w.reason, w.note, w.actor?.username]), [['harassment', 'First time; be kind.', 'mod']])
    assert.ok(await t.h.posts.get(null, p), 'the post stays')
    assert.equal(JSON.parse((await auditRows('report.resolve', 'post', p))[0]!.details).outcome, 'warn')
    const again = (await body(await report('cyd', 'post', p, 'harassment'))).data
    const i = await t.h.moderation.inspect(again.id)
    assert.equal(i.warnings.length, 1)
    assert.deepEqual(i.history.map((h) => h.outcome), ['warn'], 'earlier decisions on the target')
    assert.deepEqual(i.reports.map((x) => x.status), ['open', 'resolved'])
  })

  it('keeps members out of the staff API, and lets moderators and admins in', async () => {
    const p = await post('ana', 'for the role check')
    const r = (await body(await report('bob', 'post', p))).data
    for (const [method, path, json] of [['GET', '/api/v1/reports'], ['GET', `/api/v1/reports/${r.id}`], ['POST', `/api/v1/reports/${r.id}/resolve`, { outcome: 'dismiss' }]] as const) {
      const member = await call('bob', method, path, json)
      assert.equal(member.status, 403, path)
      assert.equal((await body(member)).error.code, 'FORBIDDEN')
      assert.equal((await call(null, method, path, json)).status, 401)
    }
    const list = await body(await call('mod', 'GET', '/api/v1/reports?status=open'))
    assert.ok(list.data.some((x: any) => x.id === r.id))
    assert.ok(list.data.every((x: any) => x.status === 'open' && !('snapshot' in x)))
    assert.ok((await body(await call('boss', 'GET', '/api/v1/reports?status=resolved'))).data.every((x: any) => x.status === 'resolved' && x.resolution))
    assert.equal((await call('mod', 'GET', '/api/v1/reports?status=closed')).status, 400)
    assert.equal((await call('mod', 'GET', '/api/v1/reports/999999')).status, 404)
    // The service checks the role too, for callers other than the API.
    await assert.rejects(t.h.moderation.resolve({ id: id.bob!, username: 'bob', display_name: 'bob', role: 'member' }, r.id, { outcome: 'dismiss' }), { code: 'FORBIDDEN' })
    const bad = await call('mod', 'POST', `/api/v1/reports/${r.id}/resolve`, { outcome: 'ban' })
    assert.equal((await body(bad)).error.code, 'VALIDATION_FAILED')
  })

  it('pages the report list with cursors', async () => {
    const seen: number[] = []
    let cursor: string | null = null
    do {
      const res: Envelope = await body(await call('mod', 'GET', `/api/v1/reports?status=all&limit=3${cursor ? `&cursor=${cursor}` : ''}`))
      seen.push(...res.data.map((x: any) => x.id))
      cursor = res.pagination!.next_cursor
    } while (cursor)
    assert.deepEqual(seen, [...seen].sort((a, b) => b - a))
    assert.equal(new Set(seen).size, seen.length)
  })

  it('keeps moderators from deciding about themselves or suspending staff', async () => {
    const p = await post('mod', 'a moderator post')
    const r = (await body(await report('bob', 'post', p))).data
    assert.equal((await call('mod', 'POST', `/api/v1/reports/${r.id}/resolve`, { outcome: 'dismiss' })).status, 403)
    const b = (await body(await report('bob', 'user', id.boss, 'other'))).data
    const denied = await call('mod', 'POST', `/api/v1/reports/${b.id}/resolve`, { outcome: 'suspend' })
    assert.equal(denied.status, 403)
    assert.equal((await t.h.moderation.get(b.id)).status, 'open', 'nothing happened')
    assert.equal((await call('boss', 'POST', `/api/v1/reports/${r.id}/resolve`, { outcome: 'warn' })).status, 200, 'an admin decides instead')
  })

  it('reports comments: the snapshot keeps the text; removing takes it down, and deletes it through the comments service once it cannot be appealed', async () => {
    const p = await post('ana', 'a post with comments')
    const c = await comment(p, 'dia', 'a nasty comment')
    const res = await report('bob', 'comment', c, 'harassment')
    assert.equal(res.status, 201)
    const r = (await body(res)).data
    const i = await t.h.moderation.inspect(r.id)
    assert.deepEqual([i.report.snapshot.text, (i.report.snapshot.author as any).username, i.report.target_user?.username], ['a nasty comment', 'dia', 'dia'])
    assert.equal(i.removable, true)
    const remove = await call('mod', 'POST', `/api/v1/reports/${r.id}/resolve`, { outcome: 'remove' })
    assert.equal(remove.status, 200)
    assert.equal((await t.h.moderation.get(r.id)).status, 'resolved')
    const listed = async (who: string) => ((await (await call(who, 'GET', `/api/v1/posts/${p}/comments`)).json()) as { data: { id: number }[] }).data.map((x) => x.id)
    assert.ok(!(await listed('bob')).includes(c), 'taken down for others')
    assert.ok((await listed('dia')).includes(c), 'kept for its author')
    await t.h.appeals.purgeExpired(new Date(Date.now() + 31 * 86_400_000))
    assert.equal((t.h.store.sqlite.prepare('select count(*) n from comments where id = ?').get(c) as { n: number }).n, 0, 'the comment is gone')
    assert.ok(t.h.store.sqlite.prepare("select 1 from audit_log where action = 'comment.delete' and target_id = ?").get(String(c)), 'audited as a staff deletion')
    const i2 = await t.h.moderation.inspect(r.id)
    assert.equal(i2.report.snapshot.text, 'a nasty comment', 'the snapshot outlives the comment')
  })

  it('takes plugin reports with their own target type and snapshot', async () => {
    const transcript = [{ from: 'gus', text: 'hello' }, { from: 'gus', text: 'something awful' }]
    const { id: rid } = await t.h.moderation.file({ reporterId: id.fay!, targetType: 'random-chat.session', targetId: 'sess-42', targetUserId: id.gus!, reason: 'harassment', note: 'In the chat.', snapshot: { transcript } })
    assert.ok(filed.some((f) => f.reportId === rid && f.type === 'random-chat.session'))
    const again = await t.h.moderation.file({ reporterId: id.fay!, targetType: 'random-chat.session', targetId: 'sess-42', targetUserId: id.gus!, reason: 'harassment' })
    assert.equal(again.id, rid, 'merged like a member report')
    const system = await t.h.moderation.file({ reporterId: null, targetType: 'random-chat.session', targetId: 'sess-42', targetUserId: id.gus!, reason: 'nudity', snapshot: { frame: 'flagged' } })
    assert.notEqual(system.id, rid)
    const i = await t.h.moderation.inspect(rid)
    assert.deepEqual(i.report.snapshot, { transcript })
    assert.equal(i.current, undefined, 'Hearth cannot read plugin content')
    assert.equal(i.reports.length, 2)
    assert.equal((await t.h.moderation.queue()).items.find((q) => q.target_id === 'sess-42')?.reporters, 2, 'a system report counts as a voice')
    await assert.rejects(t.h.moderation.file({ reporterId: id.fay!, targetType: 'chat', targetId: 1, reason: 'spam' }), { code: 'VALIDATION_FAILED' })
    await assert.rejects(t.h.moderation.file({ reporterId: id.fay!, targetType: 'random-chat.session', targetId: 2, reason: 'rude' }), { code: 'VALIDATION_FAILED' })
    await assert.rejects(t.h.moderation.file({ reporterId: id.fay!, targetType: 'random-chat.session', targetId: 3, reason: 'spam', snapshot: { big: 'x'.repeat(300_000) } }), { code: 'VALIDATION_FAILED' })
    await assert.rejects(t.h.moderation.file({ reporterId: id.fay!, targetType: 'random-chat.session', targetId: 4, targetUserId: id.fay!, reason: 'spam' }), { code: 'CONFLICT' })
    // A plugin filing about a core target gets core's snapshot, with its own beside it.
    const p = await post('ana', 'shared in a chat')
    const core = await t.h.moderation.file({ reporterId: id.fay!, targetType: 'post', targetId: p, reason: 'spam', snapshot: { where: 'chat' } })
    assert.deepEqual([(await t.h.moderation.get(core.id)).snapshot.text, (await t.h.moderation.get(core.id)).snapshot.context], ['shared in a chat', { where: 'chat' }])
    // Plugin content cannot be removed by Hearth unless a remover is registered; the member can be warned.
    assert.equal((await call('mod', 'POST', `/api/v1/reports/${rid}/resolve`, { outcome: 'remove' })).status, 409)
    assert.equal((await call('mod', 'POST', `/api/v1/reports/${rid}/resolve`, { outcome: 'warn' })).status, 200)
    assert.equal((await t.h.moderation.get(system.id)).status, 'resolved', 'the system report closed with it')
    assert.equal((await t.h.moderation.warnings(id.gus!)).length, 1)
  })

  it('carries out "remove" through a remover registered for a target type, and reopens when it fails', async () => {
    const removed: string[] = []
    let fail = true
    const m = createModerationService({
      db: t.h.db,
      hooks: t.h.hooks,
      users: t.h.users,
      posts: t.h.posts,
      removers: {
        'random-chat.session': async ({ targetId }) => {
          if (fail) throw new Error('chat store offline')
          removed.push(targetId)
        },
      },
    })
    const { id: rid } = await m.file({ reporterId: id.fay!, targetType: 'random-chat.session', targetId: 'sess-7', targetUserId: id.gus!, reason: 'spam' })
    const mod = { id: id.mod!, username: 'mod', display_name: 'mod', role: 'moderator' as const }
    await assert.rejects(m.resolve(mod, rid, { outcome: 'remove' }), /chat store offline/)
    assert.equal((await m.get(rid)).status, 'open', 'still open for another try')
    assert.equal((await m.history()).items.some((h) => h.target_id === 'sess-7'), false)
    fail = false
    await m.resolve(mod, rid, { outcome: 'remove' })
    assert.deepEqual(removed, ['sess-7'])
    assert.equal((await auditRows('report.resolve', 'random-chat.session', 'sess-7')).length, 1)
  })
})
