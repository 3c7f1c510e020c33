// Staff "view as": the member's view with a banner on every page, every write refused, pages that would record what
// the member saw refused too, only for staff who manage members and only onto members; started and ended in the audit.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type Agent, type TestApp } from '../../test/harness.js'
import { currentTotpCode } from '../auth/two-factor.js'

describe('view as', () => {
  let t: TestApp
  let boss: { id: number; token: string }
  let support: { id: number; token: string }
  let mod: { id: number; token: string }
  let ana: { id: number; token: string }
  let staff: Agent
  const audits = () => (t.h.store.sqlite.prepare("select action, actor_id, target_id from audit_log where action like 'user.view-as.%' order by id").all() as { action: string; actor_id: number; target_id: string }[])

  before(async () => {
    t = await createTestApp()
    boss = await t.register('vaboss')
    await t.h.users.setRole(boss.id, 'admin', null)
    support = await t.register('vasupport')
    mod = await t.register('vamod')
    await t.h.users.setRole(mod.id, 'moderator', null)
    ana = await t.register('vaana')
    assert.equal((await t.request('POST', '/api/v1/admin/roles', { token: boss.token, json: { name: 'support', permissions: ['manage_members'] } })).status, 201)
    assert.equal((await t.request('PUT', `/api/v1/admin/users/${support.id}/roles`, { token: boss.token, json: { staff_role: 'support' } })).status, 200)
    await t.request('POST', '/api/v1/posts', { token: ana.token, json: { text: 'ana only me note', visibility: 'only_me' } })
    staff = t.agent('10.7.0.1')
    await staff.loginViaForm('vasupport')
  })
  after(() => t.close())

  it('shows the site as the member, with a banner on every page', async () => {
    const start = await staff.post(`/admin/users/${ana.id}/view-as`, {})
    assert.equal(start.status, 303)
    assert.equal(start.headers.get('location'), '/')
    const profile = await staff.text('/u/vaana')
    assert.match(profile, /data-view-as="vaana"/)
    assert.match(profile, /ana only me note/, 'what only ana may see, as ana sees it')
    const settings = await staff.text('/settings/account')
    assert.match(settings, /vaana@example\.org/)
    assert.match(settings, /data-view-as="vaana"/)
    const missing = await staff.get('/p/999999')
    assert.equal(missing.status, 404)
    assert.match(await missing.text(), /data-view-as="vaana"/, 'on error pages too')
    assert.deepEqual(audits().map((a) => [a.action, a.actor_id, a.target_id]), [['user.view-as.start', support.id, String(ana.id)]])
  })

  it('refuses every write, and pages that would record what the member saw', async () => {
    const posts = () => (t.h.store.sqlite.prepare('select count(*) as n from posts where author_id = ?').get(ana.id) as { n: number }).n
    const before = posts()
    const write = await staff.fetch('POST', '/api/v1/posts', { json: { text: 'written as ana' } })
    assert.equal(write.status, 403)
    assert.equal(((await write.json()) as { error: { code: string } }).error.code, 'VIEW_AS_READ_ONLY')
    const form = await staff.post('/settings/data/export', {})
    assert.equal(form.status, 403)
    assert.match(await form.text(), /nothing can be changed/)
    assert.equal(posts(), before)
    assert.equal((await staff.get('/notifications')).status, 403, 'would mark her notifications read')
    const exportId = Number(t.h.store.sqlite.prepare("insert into account_exports (user_id, status, file, bytes, created_at, ready_at, expires_at) values (?, 'ready', 'x.zip', 1, '2026-01-01', '2026-01-01', '2999-01-01') returning id").pluck().get(ana.id))
    assert.equal((await staff.get(`/settings/data/export/${exportId}`)).status, 403, 'her export holds her messages')
    assert.equal((await staff.get(`/api/v1/users/me/export/${exportId}/download`)).status, 403)
    assert.equal((await staff.get(`/admin/users/${ana.id}`)).status, 403, 'the console is not hers')
  })

  it('ends with the button, back on the member’s page in the console, audited', async () => {
    const end = await staff.post('/view-as/end', {})
    assert.equal(end.status, 303)
    assert.equal(end.headers.get('location'), `/admin/users/${ana.id}`)
    const page = await staff.text(`/admin/users/${ana.id}`)
    assert.doesNotMatch(page, /data-view-as/)
    assert.deepEqual(audits().map((a) => a.action), ['user.view-as.start', 'user.view-as.end'])
  })

  it('is for staff who manage members, onto members only', async () => {
    const moderator = t.agent('10.7.0.2')
    await moderator.loginViaForm('vamod')
    assert.equal((await moderator.post(`/admin/users/${ana.id}/view-as`, {})).status, 403)
    const onStaff = await staff.post(`/admin/users/${boss.id}/view-as`, {})
    assert.equal(onStaff.headers.get('location'), `/admin/users/${boss.id}`)
    assert.doesNotMatch(await staff.text('/'), /data-view-as/)
    assert.equal(audits().length, 2, 'nothing started')
  })

  it('lets staff reset a member’s two-factor, audited', async () => {
    const setup = await t.request('POST', '/api/v1/users/me/2fa/setup', { token: ana.token })
    const { secret } = ((await setup.json()) as { data: { secret: string } }).data
    assert.equal((await t.request('POST', '/api/v1/users/me/2fa/enable', { token: ana.token, json: { code: currentTotpCode(secret), password: 'correct horse battery staple' } })).status, 200)
    assert.equal((await t.request('POST', `/api/v1/admin/users/${ana.id}/reset-2fa`, { token: ana.token })).status, 403)
    const reset = await t.request('POST', `/api/v1/admin/users/${ana.id}/reset-2fa`, { token: support.token })
    assert.equal(reset.status, 200)
    const row = t.h.store.sqlite.prepare('select totp_enabled_at, totp_secret from users where id = ?').get(ana.id) as { totp_enabled_at: string | null; totp_secret: string | null }
    assert.deepEqual(row, { totp_enabled_at: null, totp_secret: null })
    const last = t.h.store.sqlite.prepare('select action, actor_id from audit_log order by id desc limit 1').get() as { action: string; actor_id: number }
    assert.deepEqual(last, { action: 'user.2fa.reset', actor_id: support.id })
    assert.equal((await t.request('POST', '/api/v1/admin/users/999999/reset-2fa', { token: support.token })).status, 404)
  })
})
