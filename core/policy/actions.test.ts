// The policy actions beyond refuse and flag, each on the surfaces it works on (a table of surface × action, run
// through the API as members write), and what each leaves behind: hold (kept, shown to its author only, released
// from the queue), sensitive (a post's media behind a warning), silence (posts reach followers only for a period).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, PASSWORD, type TestApp } from '../../test/harness.js'

describe('policy actions: hold, sensitive, silence', () => {
  let t: TestApp
  let admin: string
  let author: { id: number; token: string }
  let follower: { id: number; token: string }
  let stranger: { id: number; token: string }
  let rules: number[] = []

  before(async () => {
    t = await createTestApp()
    await t.h.users.create({ username: 'pa_boss', email: 'pa_boss@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
    admin = ((await (await t.request('POST', '/api/v1/users/login', { json: { login: 'pa_boss', password: PASSWORD } })).json()) as { data: { token: string } }).data.token
    author = await t.register('pa_author')
    follower = await t.register('pa_follower')
    stranger = await t.register('pa_stranger')
    assert.equal((await t.request('POST', '/api/v1/users/pa_author/follow', { token: follower.token })).status, 200)
  })
  after(() => t.close())

  const rule = async (action: string, surfaces: string[], words: string[], extra: Record<string, unknown> = {}) => {
    const res = await t.request('POST', '/api/v1/admin/rules', { token: admin, json: { name: `${action} rule`, surfaces, conditions: { words }, action, ...extra } })
    assert.equal(res.status, 201, await res.clone().text())
    const id = ((await res.json()) as { data: { id: number } }).data.id
    rules.push(id)
    return id
  }
  const clear = async () => {
    for (const id of rules) await t.request('DELETE', `/api/v1/admin/rules/${id}`, { token: admin })
    rules = []
  }
  const data = async <T>(res: Response) => ((await res.json()) as { data: T }).data
  const postAs = async (who: { token: string }, text: string) => data<{ id: number; sensitive: boolean; held?: string }>(await t.request('POST', '/api/v1/posts', { token: who.token, json: { text } }))
  const sees = async (who: { token: string } | null, postId: number) => (await t.request('GET', `/api/v1/posts/${postId}`, { token: who?.token })).status

  it('refuses a rule whose action does not work on a chosen surface, with a sentence on the field', async () => {
    const cases: [string, string[], boolean][] = [
      ['sensitive', ['post'], true],
      ['sensitive', ['comment'], false],
      ['sensitive', ['profile'], false],
      ['hold', ['post', 'comment', 'username'], true],
      ['hold', ['profile'], false],
      ['silence', ['post', 'comment', 'profile', 'username'], true],
    ]
    for (const [action, surfaces, okay] of cases) {
      const res = await t.request('POST', '/api/v1/admin/rules', { token: admin, json: { name: 'x', surfaces, conditions: { words: ['zzz'] }, action } })
      assert.equal(res.status, okay ? 201 : 400, `${action} on ${surfaces.join(',')}`)
      if (okay) rules.push((await data<{ id: number }>(res)).id)
      else assert.match(JSON.stringify(await res.json()), new RegExp(`works on`))
    }
    await clear()
  })

  it('holds a post: saved, its author alone sees it (marked), everyone else gets the 404 of a missing post; approving it in the queue shows it', async () => {
    await rule('hold', ['post'], ['giveaway'])
    const p = await postAs(author, 'a giveaway for everyone')
    assert.equal(p.held, 'review')
    assert.equal(await sees(author, p.id), 200)
    for (const who of [follower, stranger, null]) assert.equal(await sees(who, p.id), 404)
    const missing = await t.request('GET', '/api/v1/posts/99999999', { token: stranger.token })
    const held = await t.request('GET', `/api/v1/posts/${p.id}`, { token: stranger.token })
    const error = async (r: Response) => ((await r.json()) as { error: unknown }).error
    assert.deepEqual(await error(held), await error(missing), 'hidden answers exactly as missing')
    // Not in lists either: the author's profile, the follower's feed.
    const timeline = await data<{ id: number }[]>(await t.request('GET', `/api/v1/feed/user/${author.id}`, { token: follower.token }))
    assert.ok(!timeline.some((x) => x.id === p.id))
    const feed = await data<{ id: number }[]>(await t.request('GET', '/api/v1/feed/home', { token: follower.token }))
    assert.ok(!feed.some((x) => x.id === p.id))
    // It waits in the queue as a report by no member; dismissing releases it.
    const report = (await t.h.db.selectFrom('reports').selectAll().where('target_type', '=', 'post').where('target_id', '=', String(p.id)).executeTakeFirstOrThrow())
    assert.equal(report.reporter_id, null)
    assert.match(report.note, /Held for review by the rule “hold rule”/)
    const res = await t.request('POST', `/api/v1/admin/reports/${report.id}/resolve`, { token: admin, json: { outcome: 'dismiss' } })
    assert.equal(res.status, 200)
    assert.equal(await sees(stranger, p.id), 200)
    await clear()
  })

  it('holds a comment the same way, and a sign-up whose name matches until staff approve it', async () => {
    await rule('hold', ['comment', 'username'], ['crypto'])
    const p = await postAs(author, 'a quiet walk')
    const c = await data<{ id: number }>(await t.request('POST', `/api/v1/posts/${p.id}/comments`, { token: stranger.token, json: { text: 'crypto tips inside' } }))
    const listed = async (who: { token: string }) => (await data<{ id: number }[]>(await t.request('GET', `/api/v1/posts/${p.id}/comments`, { token: who.token }))).map((x) => x.id)
    assert.ok((await listed(stranger)).includes(c.id), 'its author sees it')
    assert.ok(!(await listed(author)).includes(c.id), 'others do not')
    const reg = await t.request('POST', '/api/v1/users/register', { json: { username: 'crypto_fan', email: 'cf@example.org', password: PASSWORD } })
    assert.equal(reg.status, 201)
    const row = (await t.h.users.findRow('crypto_fan'))!
    assert.equal(row.approval, 'pending', 'the sign-up waits')
    assert.ok(row.suspended_at)
    const report = await t.h.db.selectFrom('reports').selectAll().where('target_type', '=', 'user').where('target_id', '=', String(row.id)).executeTakeFirstOrThrow()
    assert.equal((await t.request('POST', `/api/v1/admin/reports/${report.id}/resolve`, { token: admin, json: { outcome: 'dismiss' } })).status, 200)
    const approved = (await t.h.users.findRow('crypto_fan'))!
    assert.deepEqual([approved.approval, approved.suspended_at], [null, null], 'approved from the queue')
    await clear()
  })

  it('neither counts nor announces a held comment until staff release it; then counts it and tells the post’s author and the mentioned once', async () => {
    await rule('hold', ['comment'], ['moonshot'])
    const p = await postAs(author, 'a long walk')
    const count = async () => (await data<{ comments_count: number }>(await t.request('GET', `/api/v1/posts/${p.id}`, { token: author.token }))).comments_count
    const told = async (who: { token: string }, commentId: number) =>
      (await data<{ type: string; comment_id?: number; comment?: { id: number } }[]>(await t.request('GET', '/api/v1/notifications', { token: who.token }))).filter((n) => (n.comment_id ?? n.comment?.id) === commentId).map((n) => n.type)
    const shown = await data<{ id: number }>(await t.request('POST', `/api/v1/posts/${p.id}/comments`, { token: follower.token, json: { text: 'lovely' } }))
    assert.equal(await count(), 1)
    const held = await data<{ id: number }>(await t.request('POST', `/api/v1/posts/${p.id}/comments`, { token: stranger.token, json: { text: 'moonshot coins @pa_follower' } }))
    const reply = await data<{ id: number }>(await t.request('POST', `/api/v1/posts/${p.id}/comments`, { token: stranger.token, json: { text: 'moonshot again', parent_id: shown.id } }))
    assert.equal(await count(), 1, 'held comments are not in the post’s count')
    const parent = await t.h.db.selectFrom('comments').select('replies_count').where('id', '=', shown.id).executeTakeFirstOrThrow()
    assert.equal(parent.replies_count, 0, 'nor in the replies count')
    assert.deepEqual(await told(author, held.id), [], 'the post’s author is not told')
    assert.deepEqual(await told(follower, held.id), [], 'the mentioned member is not told')
    assert.deepEqual(await told(follower, reply.id), [], 'the replied-to member is not told')
    // The author's figures in the console and the dashboard's comments leave it out too.
    const figures = async () => (await data<{ figures: { comments: number } }>(await t.request('GET', `/api/v1/admin/users/${stranger.id}`, { token: admin }))).figures.comments
    const before = await figures()
    const release = async (commentId: number) => {
      const report = await t.h.db.selectFrom('reports').selectAll().where('target_type', '=', 'comment').where('target_id', '=', String(commentId)).executeTakeFirstOrThrow()
      assert.equal((await t.request('POST', `/api/v1/admin/reports/${report.id}/resolve`, { token: admin, json: { outcome: 'dismiss' } })).status, 200)
    }
    await release(held.id)
    assert.equal(await count(), 2, 'counted once released')
    assert.equal(await figures(), before + 1)
    assert.deepEqual(await told(author, held.id), ['comment'])
    assert.deepEqual(await told(follower, held.id), ['mention'])
    await release(reply.id)
    assert.equal(await count(), 3)
    assert.deepEqual(await told(follower, reply.id), ['reply'])
    assert.equal((await t.h.db.selectFrom('comments').select('replies_count').where('id', '=', shown.id).executeTakeFirstOrThrow()).replies_count, 1)
    // Hidden again after reports and shown again: counted out and in, never announced twice.
    const notes = async () => JSON.stringify(await t.h.db.selectFrom('notifications').selectAll().where('user_id', 'in', [author.id, follower.id]).orderBy('id').execute())
    const notesBefore = await notes()
    const hideAgain = await t.h.db.updateTable('comments').set({ held_at: new Date().toISOString(), held_reason: 'reports' }).where('id', '=', held.id).executeTakeFirst()
    assert.equal(Number(hideAgain.numUpdatedRows), 1)
    await t.h.hooks.emit('action:comment.held', { commentId: held.id, postId: p.id })
    assert.equal(await count(), 2)
    await t.h.moderation.release('comment', String(held.id))
    assert.equal(await count(), 3)
    assert.equal(await notes(), notesBefore, 'told once')
    await clear()
  })

  it('marks a post sensitive; its author cannot take off what a rule put on', async () => {
    await rule('sensitive', ['post'], ['gore'])
    const p = await postAs(author, 'gore warning')
    assert.equal(p.sensitive, true)
    const off = await t.request('PUT', `/api/v1/posts/${p.id}`, { token: author.token, json: { sensitive: false } })
    assert.equal(off.status, 409)
    // What the author marked, they can unmark.
    const own = await data<{ id: number; sensitive: boolean }>(await t.request('POST', '/api/v1/posts', { token: author.token, json: { text: 'my own choice', sensitive: true } }))
    assert.equal(own.sensitive, true)
    assert.equal((await data<{ sensitive: boolean }>(await t.request('PUT', `/api/v1/posts/${own.id}`, { token: author.token, json: { sensitive: false } }))).sensitive, false)
    await clear()
  })

  it('silences the author: public posts reach followers only until the silence ends, audited as automatic', async () => {
    await rule('silence', ['comment'], ['buy followers'], { silence_days: 3 })
    const p = await postAs(follower, 'hello')
    assert.equal((await t.request('POST', `/api/v1/posts/${p.id}/comments`, { token: author.token, json: { text: 'buy followers here' } })).status, 201)
    const until = (await t.h.users.findRow(author.id))!.silenced_until!
    const days = (Date.parse(until) - Date.now()) / 86_400_000
    assert.ok(days > 2.9 && days <= 3, `three days (${days})`)
    assert.ok(t.h.store.sqlite.prepare("select 1 from audit_log where action = 'policy.silence' and target_id = ?").get(String(author.id)))
    const post = await postAs(author, 'a public post while silenced')
    assert.equal(await sees(follower, post.id), 200, 'followers still see it')
    assert.equal(await sees(stranger, post.id), 404, 'others do not')
    assert.equal(await sees(null, post.id), 404)
    const search = await data<{ id: number }[]>(await t.request('GET', `/api/v1/search/posts?q=${encodeURIComponent('silenced')}`, { token: stranger.token }))
    assert.ok(!search.some((x) => x.id === post.id), 'not found by search either')
    // The silence ends by itself.
    t.h.store.sqlite.prepare('update users set silenced_until = ? where id = ?').run(new Date(Date.now() - 1000).toISOString(), author.id)
    assert.equal(await sees(stranger, post.id), 200)
    await clear()
  })

  it('only logs what a dry-run hold, sensitive or silence rule would do', async () => {
    for (const action of ['hold', 'sensitive', 'silence']) await rule(action, ['post'], ['dryrunword'], { mode: 'dry_run' })
    const p = await postAs(stranger, 'dryrunword here')
    assert.deepEqual([p.held, p.sensitive], [undefined, false])
    assert.equal((await t.h.users.findRow(stranger.id))!.silenced_until, null)
    const hits = await data<{ action: string; dry_run: boolean }[]>(await t.request('GET', '/api/v1/admin/rules/hits', { token: admin }))
    assert.deepEqual(hits.slice(0, 3).map((h) => [h.action, h.dry_run]).sort(), [['hold', true], ['sensitive', true], ['silence', true]])
    await clear()
  })
})
