// Operations in the console: failed jobs retried and discarded (audited), backups made through the queue, listed,
// downloaded, pruned to the newest N and scheduled with a cron pattern.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { LAST_BACKUP_KEY } from './problems.js'

const body = async (res: Response) => (await res.json()) as { status: string; data: any; error?: { code: string } }

describe('console operations', () => {
  let t: TestApp
  let admin: { id: number; token: string }
  let settingsStaff: { id: number; token: string }

  before(async () => {
    t = await createTestApp()
    admin = await t.register('opsadmin')
    await t.h.users.setRole(admin.id, 'admin', null)
    settingsStaff = await t.register('opsstaff')
    const { createRolesService } = await import('./roles.js')
    const roles = createRolesService(t.h.db, t.h.users)
    await roles.save({ name: 'ops', label: 'Ops', permissions: ['manage_settings'] }, null)
    await roles.assign(settingsStaff.id, { staff_role: 'ops' }, null)
  })
  after(() => t.close())

  const failJob = (kind: string) => {
    const now = new Date().toISOString()
    return Number(t.h.store.sqlite.prepare("insert into jobs (kind, payload, status, attempts, max_attempts, run_at, updated_at, last_error) values (?, '{}', 'failed', 5, 5, ?, ?, 'boom')").run(kind, now, now).lastInsertRowid)
  }
  const status = (id: number) => (t.h.store.sqlite.prepare('select status, attempts from jobs where id = ?').get(id) as { status: string; attempts: number } | undefined) ?? null

  it('lists failed jobs with their errors, retries one from the start and discards another, auditing both', async () => {
    const a = failJob('test.one')
    const b = failJob('test.one')
    const list = await body(await t.request('GET', '/api/v1/admin/jobs', { token: settingsStaff.token }))
    assert.deepEqual(list.data.failed.map((j: { id: number }) => j.id).slice(0, 2), [b, a])
    assert.equal(list.data.counts.find((k: { kind: string }) => k.kind === 'test.one').failed, 2)
    assert.equal((await body(await t.request('POST', `/api/v1/admin/jobs/${a}/retry`, { token: settingsStaff.token }))).data.retried, 1)
    assert.deepEqual(status(a), { status: 'pending', attempts: 0 })
    assert.equal((await body(await t.request('POST', `/api/v1/admin/jobs/${a}/retry`, { token: settingsStaff.token }))).data.retried, 0, 'only a failed job goes back')
    assert.equal((await body(await t.request('POST', `/api/v1/admin/jobs/${b}/discard`, { token: settingsStaff.token }))).data.discarded, 1)
    assert.equal(status(b), null)
    const actions = (t.h.store.sqlite.prepare("select action from audit_log where action like 'jobs.%' order by id").all() as { action: string }[]).map((r) => r.action)
    assert.deepEqual(actions, ['jobs.retried', 'jobs.discarded'])
    t.h.store.sqlite.prepare('delete from jobs where id = ?').run(a)
  })

  it('retries or discards every failed job of a kind from the page, leaving other kinds', async () => {
    const a = failJob('test.two')
    const other = failJob('test.three')
    const agent = t.agent()
    assert.equal((await agent.loginViaForm('opsadmin')).status, 303)
    const page = await agent.text('/admin/jobs?kind=test.two')
    assert.match(page, new RegExp(`data-job="${a}"`))
    assert.doesNotMatch(page, new RegExp(`data-job="${other}"`))
    assert.equal((await agent.post('/admin/jobs/discard-failed', { kind: 'test.two' })).status, 303)
    assert.equal(status(a), null)
    assert.equal(status(other)!.status, 'failed')
  })

  it('says on the mail page whether email is set up, and shows a test refused for want of it', async () => {
    const agent = t.agent('10.0.0.9')
    assert.equal((await agent.loginViaForm('opsstaff')).status, 303)
    assert.match(await agent.text('/admin/mail'), /data-mail="off"/)
    const refused = await agent.post('/admin/mail/test', { to: 'ops@example.org' })
    assert.equal(refused.status, 503)
    assert.match(await refused.text(), /cannot send email/)
    assert.equal((await body(await t.request('GET', '/api/v1/admin/mail', { token: settingsStaff.token }))).data.configured, false)
  })

  it('makes a backup through the queue, lists it, serves it to admins only, and records its time', async () => {
    assert.equal((await t.request('POST', '/api/v1/admin/backups', { token: settingsStaff.token })).status, 403, 'an archive holds every secret: admins only')
    const res = await t.request('POST', '/api/v1/admin/backups', { token: admin.token })
    assert.equal(res.status, 202)
    await t.h.queue.drain()
    const list = (await body(await t.request('GET', '/api/v1/admin/backups', { token: admin.token }))).data
    assert.equal(list.backups.length, 1)
    const name = list.backups[0].name as string
    assert.match(name, /^hearth-\d{8}-\d{6}\.tar\.gz$/)
    assert.equal(typeof list.last_at, 'string')
    assert.equal(await t.h.settings.read(LAST_BACKUP_KEY), list.last_at)
    const file = await t.request('GET', `/api/v1/admin/backups/${name}`, { token: admin.token })
    assert.equal(file.status, 200)
    assert.match(file.headers.get('content-disposition') ?? '', /attachment/)
    const bytes = new Uint8Array(await file.arrayBuffer())
    assert.deepEqual([bytes[0], bytes[1]], [0x1f, 0x8b], 'a gzip archive')
    assert.equal(bytes.length, list.backups[0].bytes)
    for (const bad of ['..%2Fhearth.db', 'hearth.db', 'hearth-20261205-000000.tar.gz']) assert.equal((await t.request('GET', `/api/v1/admin/backups/${bad}`, { token: admin.token })).status, 404, bad)
  })

  it('keeps the newest N backups, and refuses a schedule that is not a cron pattern', async () => {
    const bad = await t.request('PUT', '/api/v1/admin/backups/schedule', { token: admin.token, json: { cron: 'every day', keep: 2 } })
    assert.equal(bad.status, 400)
    assert.ok((await body(bad)).error)
    assert.equal((await t.request('PUT', '/api/v1/admin/backups/schedule', { token: admin.token, json: { cron: '0 3 * * *', keep: 2 } })).status, 200)
    for (const at of ['2026-01-01T03:00:00Z', '2026-01-02T03:00:00Z']) await t.h.backups.run(null, new Date(at))
    const names = t.h.backups.list().map((b) => b.name)
    assert.equal(names.length, 2)
    assert.ok(names[0]! > names[1]!, 'newest first')
    assert.ok(!existsSync(join(t.h.backups.dir, 'hearth-20260101-030000.tar.gz')) || names.includes('hearth-20260101-030000.tar.gz') === false)
  })

  it('finds a scheduled backup due once its time has passed since the last one', async () => {
    await t.h.backups.setSchedule({ cron: '0 3 * * *', keep: 2 }, null)
    const last = new Date(Date.now() - 2 * 86_400_000).toISOString()
    await t.h.settings.write(LAST_BACKUP_KEY, last)
    await t.h.settings.write('backup.attempted_at', last)
    await t.h.settings.write('backup.schedule', { cron: '0 3 * * *', keep: 2, since: last })
    assert.equal(await t.h.backups.due(), true)
    await t.h.settings.write(LAST_BACKUP_KEY, new Date().toISOString())
    assert.equal(await t.h.backups.due(new Date(Date.now() + 60_000)), false, 'not again until the next 03:00')
    await t.h.backups.setSchedule({ cron: '', keep: 2 }, null)
    assert.equal(await t.h.backups.due(new Date(Date.now() + 3 * 86_400_000)), false, 'no schedule, never due')
  })
})
