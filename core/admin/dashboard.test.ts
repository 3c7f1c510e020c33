// The dashboard: the rollup job stores each metric per day (backfilled, recounted, a failing metric kept apart), the
// dashboard and its API read only the rollups, each viewer sees the tiles their permissions allow, plugins add tiles.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { addDays, dayOf } from './metrics.js'
import { BACKFILL_DAYS, rollup } from './rollup.js'

const body = async (res: Response) => (await res.json()) as { status: string; data: any; error?: { code: string } }

describe('admin dashboard', () => {
  let t: TestApp
  let admin: { id: number; token: string }
  let mod: { id: number; token: string }
  const today = dayOf(new Date())
  const stat = (metric: string, day = today) => (t.h.store.sqlite.prepare('select value from admin_stats where metric = ? and day = ?').get(metric, day) as { value: number } | undefined)?.value

  before(async () => {
    t = await createTestApp({ enable: ['stories'] })
    admin = await t.register('dashadmin')
    mod = await t.register('dashmod')
    await t.h.users.setRole(admin.id, 'admin', null)
    await t.h.users.setRole(mod.id, 'moderator', null)
    const ana = await t.register('dashana')
    for (const text of ['one', 'two', 'three']) assert.equal((await t.request('POST', '/api/v1/posts', { token: ana.token, json: { text } })).status, 201)
    const post = await body(await t.request('POST', '/api/v1/posts', { token: ana.token, json: { text: 'spammy' } }))
    const report = await body(await t.request('POST', '/api/v1/reports', { token: mod.token, json: { target_type: 'post', target_id: post.data.id, reason: 'spam' } }))
    await t.request('POST', '/api/v1/reports', { token: admin.token, json: { target_type: 'post', target_id: post.data.id, reason: 'spam' } })
    assert.equal((await t.request('POST', `/api/v1/reports/${report.data.id}/resolve`, { token: mod.token, json: { outcome: 'dismiss' } })).status, 200)
    // A member seen on an older day, for the active-member windows.
    t.h.store.sqlite.prepare('insert into member_days (day, user_id) values (?, ?)').run(addDays(today, -5), ana.id)
  })
  after(() => t.close())

  it('records a member as active on the day they log in', () => {
    const n = (t.h.store.sqlite.prepare('select count(*) as n from member_days where day = ?').get(today) as { n: number }).n
    assert.equal(n, 3, 'the three members who registered (a session each) today')
  })

  it('stores every metric per day, backfilling a new metric and keeping a failing one apart', async () => {
    const failures: string[] = []
    t.h.admin.addMetric('core', { id: 'test.broken', label: 'Broken', kind: 'count', compute: async () => { throw new Error('no table') } })
    try {
      const written = await rollup(t.h.db, t.h.admin, { log: (m) => failures.push(m) })
      assert.deepEqual(failures, ['test.broken'])
      assert.ok(written >= BACKFILL_DAYS * 5, `backfilled the counts (${written} values)`)
    } finally {
      t.h.admin.metrics.delete('test.broken')
    }
    assert.equal(stat('members.new'), 3)
    assert.equal(stat('members.new', addDays(today, -(BACKFILL_DAYS - 1))), 0, 'the backfill starts 90 days back')
    assert.equal(stat('members.new', addDays(today, -BACKFILL_DAYS)), undefined)
    assert.equal(stat('posts'), 4)
    assert.equal(stat('reports.opened'), 2)
    assert.equal(stat('reports.resolved'), 2, 'one decision closes both reports on the post')
    assert.equal(stat('members.active_day'), 3)
    assert.equal(stat('members.active_week', addDays(today, -5)), 1, 'Ana, seen five days ago')
    assert.equal(stat('members.active_month'), 3)
    assert.ok(stat('storage.database')! > 0)
    assert.equal(stat('stories.posted'), 0, "a plugin's metric is stored under its name")
  })

  it('recounts today and yesterday on the next run, and only those', async () => {
    t.h.store.sqlite.prepare("update admin_stats set value = 99 where metric = 'posts' and day in (?, ?)").run(addDays(today, -1), addDays(today, -10))
    await rollup(t.h.db, t.h.admin)
    assert.equal(stat('posts', addDays(today, -1)), 0, 'yesterday is counted again')
    assert.equal(stat('posts', addDays(today, -10)), 99, 'older days are kept as stored')
  })

  it('fills a metric that never has a value over the window once, then counts only yesterday and today', async () => {
    const days: string[] = []
    const metric = { id: 'test-never', label: 'Never', kind: 'count' as const, compute: async ({ day }: { day: string }) => (days.push(day), null) }
    t.h.admin.addMetric('core', metric)
    try {
      const filled = new Set<string>()
      await rollup(t.h.db, t.h.admin, { filled })
      assert.equal(days.length, BACKFILL_DAYS, 'the whole window the first time')
      assert.ok(filled.has('test-never'))
      days.length = 0
      await rollup(t.h.db, t.h.admin, { filled })
      assert.deepEqual(days, [addDays(today, -1), today], 'then only the days that may still change')
    } finally {
      t.h.admin.metrics.delete('test-never')
    }
  })

  it('counts likes, likes per post, comments per active member, and new members back after 7 and 30 days', async () => {
    const post = (t.h.store.sqlite.prepare("select id from posts where text = 'one'").get() as { id: number }).id
    for (const who of [admin, mod]) assert.equal((await t.request('POST', `/api/v1/posts/${post}/like`, { token: who.token })).status, 200)
    // Two members who joined 7 days ago: one seen this week, one not since.
    const back = await t.register('dashback')
    const gone = await t.register('dashgone')
    const joined = `${addDays(today, -7)}T12:00:00.000Z`
    for (const u of [back, gone]) t.h.store.sqlite.prepare('update users set created_at = ? where id = ?').run(joined, u.id)
    t.h.store.sqlite.prepare('delete from member_days where user_id = ?').run(gone.id)
    t.h.store.sqlite.prepare('insert into member_days (day, user_id) values (?, ?)').run(addDays(today, -7), gone.id)
    await rollup(t.h.db, t.h.admin)
    assert.equal(stat('likes'), 2)
    assert.equal(stat('engagement.likes_per_post'), 50, '2 likes over 4 posts today, in hundredths')
    assert.equal(stat('retention.d7'), 50, 'one of the two came back in the week')
    assert.equal(stat('retention.d30'), undefined, 'nobody joined 30 days ago: no value, not a zero')
    assert.equal(stat('engagement.comments_per_member', addDays(today, -3)), undefined, 'nobody was active three days ago')
    const html = await (await t.request('GET', '/admin?period=7', { token: admin.token })).text()
    assert.match(html, /data-figure="retention\.d7">50 %</)
    assert.match(html, /data-figure="engagement\.likes_per_post">0\.50</)
  })

  it('answers the dashboard API from the rollups, grouped by day, week or month', async () => {
    const res = await body(await t.request('GET', '/api/v1/admin/dashboard?period=30&by=day', { token: admin.token }))
    assert.equal(res.status, 'success')
    assert.equal(res.data.buckets.length, 30)
    const posts = res.data.tiles.find((x: any) => x.id === 'posts')
    assert.equal(posts.series[0].values.at(-1), 4)
    assert.equal(posts.series[0].figure, 4 + 99, 'the period sum (with the 99 the last test left ten days back)')
    const weekly = await body(await t.request('GET', '/api/v1/admin/dashboard?period=90&by=week', { token: admin.token }))
    assert.ok(weekly.data.buckets.length >= 13 && weekly.data.buckets.length <= 14)
    assert.equal(weekly.data.tiles.find((x: any) => x.id === 'posts').series[0].values.at(-1), 4, "this week's posts")
    const monthly = await body(await t.request('GET', '/api/v1/admin/dashboard?period=365&by=month', { token: admin.token }))
    assert.ok(monthly.data.buckets.every((b: string) => b.endsWith('-01')))
    for (const bad of ['period=5', 'by=hour', 'period=abc']) {
      const r = await t.request('GET', `/api/v1/admin/dashboard?${bad}`, { token: admin.token })
      assert.equal(r.status, 400, bad)
      assert.equal((await body(r)).error!.code, 'VALIDATION_FAILED')
    }
  })

  it("shows each viewer the tiles they may see, a plugin's among them", async () => {
    const ids = async (token: string) => (await body(await t.request('GET', '/api/v1/admin/dashboard', { token }))).data.tiles.map((x: any) => x.id)
    const forAdmin = await ids(admin.token)
    for (const id of ['members-new', 'members-active', 'posts', 'reports', 'storage', 'jobs', 'stories']) assert.ok(forAdmin.includes(id), `admin sees ${id}`)
    const forMod = await ids(mod.token)
    assert.ok(forMod.includes('reports') && forMod.includes('stories'))
    assert.ok(!forMod.includes('storage') && !forMod.includes('jobs'), 'storage and jobs need "manage settings"')
  })

  it('draws the page with charts (uPlot from the project) and a table of the same figures', async () => {
    const html = await (await t.request('GET', '/admin?period=7', { token: admin.token })).text()
    assert.match(html, /<script src="\/static\/uplot\/uPlot\.iife\.min\.js" defer>/)
    assert.match(html, /data-tile="stories"/)
    assert.equal((html.match(/class="chart" data-chart=/g) ?? []).length, (html.match(/data-tile=/g) ?? []).length)
    assert.match(html, /<td>4<\/td>/, "the table holds today's posts")
    const lib = await t.request('GET', '/static/uplot/uPlot.iife.min.js')
    assert.equal(lib.status, 200)
    assert.match(lib.headers.get('content-type')!, /javascript/)
    assert.equal((await t.request('GET', '/static/admin-charts.js')).status, 200)
  })

  it('counts again on request for those who manage settings, and says when', async () => {
    assert.equal((await t.request('POST', '/api/v1/admin/dashboard/refresh', { token: mod.token, json: {} })).status, 403)
    const res = await body(await t.request('POST', '/api/v1/admin/dashboard/refresh', { token: admin.token, json: {} }))
    assert.match(res.data.as_of, /^\d{4}-\d\d-\d\dT/)
    assert.match(await (await t.request('GET', '/admin', { token: admin.token })).text(), /Figures as of \d{4}-\d\d-\d\d \d\d:\d\d UTC/)
  })

  it('schedules the rollup on core’s scheduler', () => {
    assert.ok(t.h.scheduler.list().some((j) => j.owner === 'core' && j.name === 'admin-rollup' && j.pattern === '*/10 * * * *'))
  })
})
