// Server usage and problem checks: requests counted by route pattern and written per minute, the usage page and API,
// the traffic metrics of the rollup, and the problem checks on the dashboard, the usage page and `hearth doctor`.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { problemChecks } from '../../cli/doctor/checks/problems.js'
import { resolveConfig } from '../config.js'
import { dayOf } from './metrics.js'
import { ffmpegRelease, findProblems, LAST_BACKUP_KEY } from './problems.js'
import { rollup } from './rollup.js'
import { UsageCounter } from './usage.js'

const body = async (res: Response) => (await res.json()) as { status: string; data: any }

describe('server usage', () => {
  let t: TestApp
  let admin: { id: number; token: string }
  let mod: { id: number; token: string }

  before(async () => {
    t = await createTestApp()
    admin = await t.register('useadmin')
    mod = await t.register('usemod')
    await t.h.users.setRole(admin.id, 'admin', null)
    await t.h.users.setRole(mod.id, 'moderator', null)
  })
  after(() => t.close())

  it('counts requests by the route that answered, never by the raw path, and writes them per minute', async () => {
    for (const name of ['useadmin', 'usemod', 'nobody-at-all']) await (await t.request('GET', `/u/${name}`)).arrayBuffer()
    for (let i = 0; i < 5; i++) await (await t.request('GET', '/api/v1/users/useadmin', { token: admin.token })).arrayBuffer()
    await t.h.usage.flush(t.h.db, { all: true })
    const rows = t.h.store.sqlite.prepare('select route, sum(requests) as n, sum(api) as api, sum(bytes) as bytes from request_stats group by route').all() as { route: string; n: number; api: number; bytes: number }[]
    const byRoute = new Map(rows.map((r) => [r.route, r]))
    assert.ok(!rows.some((r) => r.route.includes('nobody-at-all')), 'a path never names a row')
    const profile = [...byRoute.keys()].find((r) => r.startsWith('GET /u/:'))
    assert.ok(profile, `the profile route is counted by its pattern (${[...byRoute.keys()].join(', ')})`)
    assert.equal(byRoute.get(profile)!.n, 3)
    const api = [...byRoute.entries()].find(([r]) => r.startsWith('GET /api/v1/users/:'))
    assert.ok(api && api[1].n === 5 && api[1].api === 5 && api[1].bytes > 0, `API calls and their bytes: ${JSON.stringify(rows)}`)
  })

  it('adds a minute written in parts, and keeps the counts of the current minute until it ends', async () => {
    const counter = new UsageCounter()
    const now = new Date('2026-12-05T10:00:30Z')
    counter.record('GET /test-only', 10, 100, { api: false, error: false }, new Date('2026-12-05T09:59:10Z'))
    counter.record('GET /test-only', 30, 50, { api: false, error: true }, now)
    assert.equal(await counter.flush(t.h.db, { now }), 1, 'only the finished minute goes')
    counter.record('GET /test-only', 20, 10, { api: false, error: false }, new Date('2026-12-05T09:59:50Z'))
    assert.equal(await counter.flush(t.h.db, { now: new Date('2026-12-05T10:01:00Z') }), 2)
    const rows = t.h.store.sqlite.prepare("select minute, requests, errors, total_ms, max_ms, bytes from request_stats where route = 'GET /test-only' order by minute").all()
    assert.deepEqual(rows.map((r) => ({ ...(r as object) })), [
      { minute: '2026-12-05T09:59', requests: 2, errors: 0, total_ms: 30, max_ms: 20, bytes: 110 },
      { minute: '2026-12-05T10:00', requests: 1, errors: 1, total_ms: 30, max_ms: 30, bytes: 50 },
    ])
  })

  it('rolls traffic up per day for the dashboard', async () => {
    await rollup(t.h.db, t.h.admin)
    const stat = (m: string) => (t.h.store.sqlite.prepare('select value from admin_stats where metric = ? and day = ?').get(m, dayOf(new Date())) as { value: number } | undefined)?.value
    assert.ok((stat('http.requests') ?? 0) >= 8)
    assert.ok((stat('http.api') ?? 0) >= 5)
    assert.ok((stat('http.bytes') ?? 0) > 0)
    assert.ok((stat('http.peak_per_minute') ?? 0) >= 1)
    assert.ok((stat('storage.disk_free') ?? 0) > 0)
  })

  it('shows the usage page with its chart and slowest routes to admins, and the same in the API', async () => {
    const html = await (await t.request('GET', '/admin/usage', { token: admin.token })).text()
    assert.match(html, /data-tile="per-minute"/)
    assert.match(html, /class="chart" data-chart=/)
    assert.match(html, /data-slowest="[1-9]/, 'a route with five requests is listed')
    assert.match(html, /data-figure="disk-free"/)
    const api = await body(await t.request('GET', '/api/v1/admin/usage', { token: admin.token }))
    assert.equal(api.data.per_minute.length, 60)
    assert.ok(api.data.disk.total > 0 && api.data.database_bytes > 0)
    assert.ok(api.data.slowest_routes.some((r: { route: string }) => r.route.startsWith('GET /api/v1/users/:')))
    assert.equal((await t.request('GET', '/api/v1/admin/usage', { token: mod.token })).status, 403)
  })

  it('finds the problems an operator must fix, and stops naming each once fixed', async () => {
    const ctx = { db: t.h.db, settings: t.h.settings, dataDir: t.h.config.dataDir }
    const ids = async () => (await findProblems(ctx)).map((p) => p.id)
    assert.ok((await ids()).includes('mail'), 'no SMTP server')
    assert.ok((await ids()).includes('backup'), 'no backup yet')
    assert.ok(!(await ids()).includes('jobs'))
    const now = new Date().toISOString()
    t.h.store.sqlite.prepare("insert into jobs (kind, payload, status, run_at, updated_at, last_error) values ('test.broken', '{}', 'failed', ?, ?, 'boom')").run(now, now)
    const jobs = (await findProblems(ctx)).find((p) => p.id === 'jobs')
    assert.match(jobs!.message, /1 background job failed.*test\.broken \(1\)/)
    await t.h.settings.write(LAST_BACKUP_KEY, new Date(Date.now() - 3 * 86_400_000).toISOString())
    assert.match((await findProblems(ctx)).find((p) => p.id === 'backup')!.message, /3 day/)
    await t.h.settings.write(LAST_BACKUP_KEY, now)
    await t.h.settings.updateCore({ 'mail.host': 'smtp.example.org' }, null)
    const left = await ids()
    assert.ok(!left.includes('backup') && !left.includes('mail'))
    await t.h.settings.updateCore({ 'mail.host': '' }, null)
  })

  it('reads ffmpeg releases, and calls one older than 5 old', () => {
    assert.deepEqual(ffmpegRelease('ffmpeg version 4.1.3-static https://johnvansickle.com'), [4, 1])
    assert.deepEqual(ffmpegRelease('ffmpeg version n6.0 Copyright'), [6, 0])
    assert.equal(ffmpegRelease('ffmpeg version 2024-01-01-git-abc'), null)
  })

  it('shows the last run on the dashboard to those who manage settings, and not to a moderator', async () => {
    assert.equal((await t.request('POST', '/api/v1/admin/dashboard/refresh', { token: admin.token })).status, 200)
    const html = await (await t.request('GET', '/admin', { token: admin.token })).text()
    assert.match(html, /data-problem="jobs"/)
    assert.match(html, /data-problem="mail"/)
    assert.ok((await body(await t.request('GET', '/api/v1/admin/dashboard', { token: admin.token }))).data.problems.some((p: { id: string }) => p.id === 'mail'))
    assert.doesNotMatch(await (await t.request('GET', '/admin', { token: mod.token })).text(), /data-problems/)
    assert.equal((await body(await t.request('GET', '/api/v1/admin/dashboard', { token: mod.token }))).data.problems, undefined)
  })

  it('runs the same checks in `hearth doctor`', async () => {
    const config = resolveConfig({ dataDir: t.h.config.dataDir })
    const results = new Map<string, { status: string; message: string }>()
    for (const check of problemChecks) results.set(check.name, await check.run(config))
    assert.equal(results.get('Outgoing email')!.status, 'warn')
    assert.equal(results.get('Failing jobs')!.status, 'warn')
    assert.equal(results.get('Backups')!.status, 'ok')
    assert.ok(['ok', 'warn', 'fail'].includes(results.get('Disk space')!.status))
  })
})
