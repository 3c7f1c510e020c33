// Decisions in the queue and what follows them: mark sensitive (blurred for members as each chooses), reporters told
// the outcome, one appeal of a removal (overturn restores, uphold deletes), auto-hide after reports from distinct
// members; and members' content filters on every list. Hidden answers as missing on every new path.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { createTestApp, PASSWORD, type TestApp } from '../../test/harness.js'

describe('moderation decisions, appeals, auto-hide and content filters', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}

  before(async () => {
    t = await createTestApp()
    for (const name of ['md_author', 'md_r1', 'md_r2', 'md_r3', 'md_reader', 'md_mod']) {
      const r = await t.register(name)
      tok[name] = r.token
      id[name] = r.id
    }
    await t.h.users.setRole(id.md_mod!, 'moderator', null)
    await t.h.users.create({ username: 'md_boss', email: 'md_boss@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
    tok.md_boss = ((await (await t.request('POST', '/api/v1/users/login', { json: { login: 'md_boss', password: PASSWORD } })).json()) as { data: { token: string } }).data.token
  })
  after(() => t.close())

  const call = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? tok[who] : undefined, json })
  const data = async <T = any>(res: Response): Promise<T> => ((await res.json()) as { data: T }).data
  const post = async (who: string, text: string, extra: Record<string, unknown> = {}) => (await data<{ id: number }>(await call(who, 'POST', '/api/v1/posts', { text, ...extra }))).id
  const report = async (who: string, type: string, target: number) => (await data<{ id: number }>(await call(who, 'POST', '/api/v1/reports', { target_type: type, target_id: target, reason: 'spam' }))).id
  const resolve = (who: string, reportId: number, outcome: string) => call(who, 'POST', `/api/v1/admin/reports/${reportId}/resolve`, { outcome })
  const notes = async (userId: number) => (await t.h.notifications.list(userId)).items.map((n) => [n.type, n.text] as [string, string])
  const photo = async (who: string) => {
    const jpeg = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#2563eb' } }).jpeg().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'p.jpg')
    const res = await t.request('POST', '/api/v1/media', { token: tok[who], body: form })
    await t.h.queue.drain()
    return (await data<{ id: number }>(res)).id
  }

  it('lists the queue, one target, and its inspection in /api/v1/admin/reports for staff only', async () => {
    const p = await post('md_author', 'queue me')
    const r = await report('md_r1', 'post', p)
    const queue = await data<{ target_id: string; latest_report_id: number }[]>(await call('md_mod', 'GET', '/api/v1/admin/reports'))
    assert.ok(queue.some((q) => q.target_id === String(p) && q.latest_report_id === r))
    const inspected = await data<{ report: { id: number }; current: { text: string } }>(await call('md_mod', 'GET', `/api/v1/admin/reports/${r}`))
    assert.deepEqual([inspected.report.id, inspected.current.text], [r, 'queue me'])
    assert.equal((await call('md_reader', 'GET', '/api/v1/admin/reports')).status, 403)
    assert.equal((await call(null, 'GET', '/api/v1/admin/reports')).status, 401)
    assert.equal((await call('md_mod', 'GET', '/api/v1/admin/reports/99999999')).status, 404)
    assert.equal((await call('md_mod', 'GET', '/api/v1/admin/reports/appeals?status=nope')).status, 400)
    await resolve('md_mod', r, 'dismiss')
  })

  it('marks a post sensitive from the queue: members see its media behind a warning, or not at all, as they choose; reporters and the author are told', async () => {
    const media = await photo('md_author')
    const p = await post('md_author', 'a #beach photo', { media_ids: [media] })
    const r = await report('md_r1', 'post', p)
    assert.equal((await resolve('md_mod', r, 'sensitive')).status, 200)
    const seen = await data<{ sensitive: boolean; blur_media: boolean }>(await call('md_reader', 'GET', `/api/v1/posts/${p}`))
    assert.deepEqual([seen.sensitive, seen.blur_media], [true, true])
    const html = await (await t.agent('10.9.0.1').get(`/p/${p}`)).text()
    assert.match(html, new RegExp(`<details class="sensitive-media" data-sensitive="${p}">`), 'a guest meets the warning, no JavaScript needed')
    // Show: no warning. Hide: left out of lists (the post itself still opens).
    assert.equal((await call('md_reader', 'PUT', '/api/v1/users/me/filters', { sensitive_media: 'show' })).status, 200)
    assert.equal((await data<{ blur_media: boolean }>(await call('md_reader', 'GET', `/api/v1/posts/${p}`))).blur_media, false)
    await call('md_reader', 'PUT', '/api/v1/users/me/filters', { sensitive_media: 'hide' })
    const tagged = await data<{ id: number }[]>(await call('md_reader', 'GET', '/api/v1/hashtags/beach/posts'))
    assert.ok(!tagged.some((x) => x.id === p), 'hidden from the hashtag list')
    assert.equal((await call('md_reader', 'GET', `/api/v1/posts/${p}`)).status, 200)
    await call('md_reader', 'PUT', '/api/v1/users/me/filters', { sensitive_media: 'blur' })
    // The reporter hears the outcome; the author, what was done. Neither names the other.
    assert.ok((await notes(id.md_r1!)).some(([type, text]) => type === 'report_outcome' && /put its media behind a warning/.test(text)))
    assert.ok((await notes(id.md_author!)).some(([type, text]) => type === 'moderation_action' && /marked the media of your post sensitive/.test(text)))
    assert.equal((await resolve('md_mod', await report('md_r2', 'user', id.md_author!), 'sensitive')).status, 409, 'only posts have media to mark')
  })

  it('suspends for a period from the queue, as the members section does, or refuses a period that is no number of days', async () => {
    const target = await t.register('md_rude')
    const p = (await data<{ id: number }>(await t.request('POST', '/api/v1/posts', { token: target.token, json: { text: 'rude words' } }))).id
    const r = await report('md_r2', 'post', p)
    assert.equal((await call('md_mod', 'POST', `/api/v1/admin/reports/${r}/resolve`, { outcome: 'suspend', days: 0 })).status, 400)
    assert.equal((await call('md_mod', 'POST', `/api/v1/admin/reports/${r}/resolve`, { outcome: 'suspend', days: 3, reason: 'Three days off.' })).status, 200)
    const row = (await t.h.users.findRow(target.id))!
    const days = (Date.parse(row.suspended_until!) - Date.now()) / 86_400_000
    assert.ok(days > 2.9 && days <= 3, `three days (${days})`)
    assert.equal(row.suspended_reason, 'Three days off.')
  })

  it('lets a member appeal a removal once; overturning restores it, upholding deletes it; nobody else can see or appeal it', async () => {
    const keep = await post('md_author', 'appeal me, I was fine')
    const drop = await post('md_author', 'appeal me too')
    for (const p of [keep, drop]) assert.equal((await resolve('md_mod', await report('md_r1', 'post', p), 'remove')).status, 200)
    const removals = await data<{ resolution_id: number; target_id: string; can_appeal: boolean }[]>(await call('md_author', 'GET', '/api/v1/appeals'))
    const of = (p: number) => removals.find((r) => r.target_id === String(p))!
    assert.ok(of(keep).can_appeal && of(drop).can_appeal)
    assert.ok((await notes(id.md_author!)).some(([type, text]) => type === 'moderation_action' && /removed your post\. You can appeal/.test(text)))
    // Someone else's removal is missing to them, as one that does not exist.
    const other = await call('md_reader', 'POST', '/api/v1/appeals', { resolution_id: of(keep).resolution_id, text: 'mine?' })
    const none = await call('md_reader', 'POST', '/api/v1/appeals', { resolution_id: 99999999, text: 'mine?' })
    assert.deepEqual([other.status, none.status], [404, 404])
    assert.equal((await call('md_author', 'POST', '/api/v1/appeals', { resolution_id: of(keep).resolution_id, text: '' })).status, 400)
    const appeal = await data<{ id: number }>(await call('md_author', 'POST', '/api/v1/appeals', { resolution_id: of(keep).resolution_id, text: 'It was a joke between friends.' }))
    assert.equal((await call('md_author', 'POST', '/api/v1/appeals', { resolution_id: of(keep).resolution_id, text: 'again' })).status, 409, 'once')
    const appeal2 = await data<{ id: number }>(await call('md_author', 'POST', '/api/v1/appeals', { resolution_id: of(drop).resolution_id, text: 'Please.' }))
    const open = await data<{ id: number; text: string }[]>(await call('md_mod', 'GET', '/api/v1/admin/reports/appeals'))
    assert.ok(open.some((a) => a.id === appeal.id && a.text === 'It was a joke between friends.'))
    assert.equal((await call('md_author', 'GET', '/api/v1/admin/reports/appeals')).status, 403)
    // Overturn: back for everyone. Uphold: deleted now.
    assert.equal((await call('md_mod', 'POST', `/api/v1/admin/reports/appeals/${appeal.id}`, { decision: 'overturn', note: 'Fair enough.' })).status, 200)
    assert.equal((await call('md_reader', 'GET', `/api/v1/posts/${keep}`)).status, 200)
    assert.equal((await call('md_mod', 'POST', `/api/v1/admin/reports/appeals/${appeal.id}`, { decision: 'uphold' })).status, 409, 'decided once')
    assert.equal((await call('md_mod', 'POST', `/api/v1/admin/reports/appeals/${appeal2.id}`, { decision: 'uphold' })).status, 200)
    assert.equal(await t.h.db.selectFrom('posts').select('id').where('id', '=', drop).executeTakeFirst(), undefined)
    const told = await notes(id.md_author!)
    assert.ok(told.some(([type, text]) => type === 'appeal_decided' && /accepted/.test(text) && /Fair enough/.test(text)))
    assert.ok(told.some(([type, text]) => type === 'appeal_decided' && /turned down/.test(text)))
    // The member's page shows both answers without JavaScript.
    const a = t.agent('10.9.0.2')
    await a.loginViaForm('md_author')
    const page = await (await a.get('/appeals')).text()
    assert.match(page, /data-appeal-status="overturned"/)
    assert.match(page, /data-appeal-status="upheld"/)
  })

  it('hides a post after reports from the chosen number of distinct members (off by default), for everyone but its author', async () => {
    const p = await post('md_author', 'contested')
    await report('md_r1', 'post', p)
    await report('md_r2', 'post', p)
    await report('md_r3', 'post', p)
    assert.equal((await call('md_reader', 'GET', `/api/v1/posts/${p}`)).status, 200, 'off by default')
    await t.h.settings.set('moderation.auto_hide_reports', 2)
    const q = await post('md_author', 'contested again')
    await report('md_r1', 'post', q)
    await report('md_r1', 'post', q) // the same member twice is one voice
    assert.equal((await call('md_reader', 'GET', `/api/v1/posts/${q}`)).status, 200)
    const last = await report('md_r2', 'post', q)
    assert.equal((await call('md_reader', 'GET', `/api/v1/posts/${q}`)).status, 404, 'hidden, as missing')
    assert.equal((await call('md_author', 'GET', `/api/v1/posts/${q}`)).status, 200)
    assert.ok(t.h.store.sqlite.prepare("select 1 from audit_log where action = 'report.auto-hide' and target_id = ?").get(String(q)))
    await resolve('md_mod', last, 'dismiss')
    assert.equal((await call('md_reader', 'GET', `/api/v1/posts/${q}`)).status, 200, 'dismissing shows it again')
    await t.h.settings.set('moderation.auto_hide_reports', 0)
  })

  it('filters words out of the feed, Explore, hashtags and search, and comments from new accounts, as each member chooses', async () => {
    assert.equal((await call('md_reader', 'POST', '/api/v1/users/md_r3/follow')).status, 200)
    const spoiler = await post('md_r3', 'The #finale SPOILER: everyone wins')
    const fine = await post('md_r3', 'The #finale was lovely')
    await t.h.queue.drain() // the fan-out into followers' feeds
    assert.equal((await call('md_reader', 'PUT', '/api/v1/users/me/filters', { words: ['Spoiler'] })).status, 200)
    const ids = async (path: string) => (await data<{ id: number }[]>(await call('md_reader', 'GET', path))).map((x) => x.id)
    for (const path of ['/api/v1/feed/home', '/api/v1/feed/explore', '/api/v1/hashtags/finale/posts', '/api/v1/search/posts?q=finale']) {
      const got = await ids(path)
      assert.ok(!got.includes(spoiler), `${path} leaves the filtered post out`)
      if (path !== '/api/v1/feed/explore') assert.ok(got.includes(fine), `${path} keeps the others`)
    }
    assert.ok((await ids('/api/v1/hashtags/finale/posts')).length > 0)
    const other = (await data<{ id: number }[]>(await call('md_r1', 'GET', '/api/v1/hashtags/finale/posts'))).map((x) => x.id)
    assert.ok(other.includes(spoiler), 'another member’s lists are their own')
    // Comments from accounts younger than N days (not from those the member follows).
    const newbie = await t.register('md_newbie')
    tok.md_newbie = newbie.token
    await call('md_newbie', 'POST', `/api/v1/posts/${fine}/comments`, { text: 'first!' })
    await call('md_r2', 'POST', `/api/v1/posts/${fine}/comments`, { text: 'thanks' })
    t.h.store.sqlite.prepare('update users set created_at = ? where id = ?').run(new Date(Date.now() - 30 * 86_400_000).toISOString(), id.md_r2)
    await call('md_reader', 'PUT', '/api/v1/users/me/filters', { new_account_days: 7 })
    const comments = async (who: string) => (await data<{ text: string }[]>(await call(who, 'GET', `/api/v1/posts/${fine}/comments`))).map((c) => c.text)
    assert.deepEqual((await comments('md_reader')).sort(), ['thanks'])
    assert.deepEqual((await comments('md_r1')).sort(), ['first!', 'thanks'])
    const filters = await data(await call('md_reader', 'GET', '/api/v1/users/me/filters'))
    assert.deepEqual(filters, { sensitive_media: 'blur', words: ['spoiler'], new_account_days: 7 })
    assert.equal((await call('md_reader', 'PUT', '/api/v1/users/me/filters', { sensitive_media: 'loud' })).status, 400)
    assert.equal((await call(null, 'GET', '/api/v1/users/me/filters')).status, 401)
    // The settings page saves the same without JavaScript.
    const a = t.agent('10.9.0.3')
    await a.loginViaForm('md_reader')
    assert.equal((await a.post('/settings/filters', { sensitive_media: 'hide', words: 'alpha\nbeta', new_account_days: '' })).status, 303)
    assert.deepEqual(await t.h.filters.get(id.md_reader!), { sensitive_media: 'hide', words: ['alpha', 'beta'], new_account_days: null })
    assert.match(await (await a.post('/settings/filters', { sensitive_media: 'hide', new_account_days: '9999' })).text(), /At most 365 days/)
  })
})
