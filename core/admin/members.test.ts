// Members in the console: filters, the member's page, and each action (warn, suspend for a period, unsuspend, roles,
// sign out everywhere) with its audit row, by page and by API; the warned member is told on their next visit.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type Agent, type TestApp } from '../../test/harness.js'

const body = async (res: Response) => (await res.json()) as { status: string; data: any; error?: { code: string; message: string } }

describe('members in the console', () => {
  let t: TestApp
  let admin: { id: number; token: string }
  let support: { id: number; token: string }
  let ana: { id: number; token: string }
  let ben: { id: number; token: string }
  let adminAgent: Agent
  const lastAudit = () => t.h.store.sqlite.prepare('select action, actor_id, target_id, details from audit_log order by id desc limit 1').get() as { action: string; actor_id: number | null; target_id: string; details: string }

  before(async () => {
    t = await createTestApp()
    admin = await t.register('memadmin')
    await t.h.users.setRole(admin.id, 'admin', null)
    support = await t.register('memsupport')
    ana = await t.register('memana')
    ben = await t.register('memben')
    assert.equal((await t.request('POST', '/api/v1/admin/roles', { token: admin.token, json: { name: 'support', permissions: ['manage_members'] } })).status, 201)
    assert.equal((await t.request('PUT', `/api/v1/admin/users/${support.id}/roles`, { token: admin.token, json: { staff_role: 'support' } })).status, 200)
    await t.request('POST', '/api/v1/posts', { token: ana.token, json: { text: 'a post by ana, followers only', visibility: 'followers' } })
    await t.request('POST', '/api/v1/reports', { token: ben.token, json: { target_type: 'user', target_id: ana.id, reason: 'spam' } })
    adminAgent = t.agent('10.9.0.1')
    await adminAgent.loginViaForm('memadmin')
  })
  after(() => t.close())

  it('finds members by search and filters, newest first', async () => {
    const names = async (query: string) => (await body(await t.request('GET', `/api/v1/admin/users?sort=newest&${query}`, { token: support.token }))).data.map((m: any) => m.username)
    assert.deepEqual(await names('q=mem'), ['memben', 'memana', 'memsupport', 'memadmin'])
    assert.deepEqual(await names('role=admin'), ['memadmin'])
    assert.deepEqual(await names('role=custom:support'), ['memsupport'])
    assert.deepEqual(await names('reported=yes'), ['memana'])
    assert.deepEqual(await names('joined=1&seen=1&q=memb'), ['memben'])
    assert.deepEqual(await names('seen=never'), [])
    assert.deepEqual(await names('status=suspended'), [])
    const bad = await t.request('GET', '/api/v1/admin/users?seen=yesterday', { token: support.token })
    assert.equal(bad.status, 400)
    assert.equal((await body(bad)).error!.code, 'VALIDATION_FAILED')
    const page = await adminAgent.text('/admin/users?role=custom%3Asupport')
    assert.match(page, /data-member="memsupport"/)
    assert.doesNotMatch(page, /data-member="memana"/)
  })

  it("shows a member's page: profile, figures, recent posts (whatever their audience), reports against them", async () => {
    const html = await adminAgent.text(`/admin/users/${ana.id}`)
    assert.match(html, /a post by ana, followers only/)
    assert.match(html, /<dd data-figure="reports_against">1<\/dd>/)
    assert.match(html, /data-reports="reports_against"[\s\S]*spam about user/)
    const api = (await body(await t.request('GET', `/api/v1/admin/users/${ana.id}`, { token: support.token }))).data
    assert.equal(api.member.username, 'memana')
    assert.equal(api.figures.posts, 1)
    assert.equal(api.reports_by.length, 0)
    assert.equal((await t.request('GET', '/api/v1/admin/users/999999', { token: support.token })).status, 404)
  })

  it('warns a member: audited, notified, and shown on their next visit until they say they read it', async () => {
    const res = await t.request('POST', `/api/v1/admin/users/${ana.id}/warn`, { token: support.token, json: { note: 'Stop posting the same link everywhere.' } })
    assert.equal(res.status, 201)
    assert.deepEqual({ ...lastAudit(), details: JSON.parse(lastAudit().details) }, { action: 'user.warn', actor_id: support.id, target_id: String(ana.id), details: { note: 'Stop posting the same link everywhere.' } })
    const n = (await t.h.notifications.list(ana.id)).items[0]!
    assert.equal(n.type, 'warning')
    assert.equal(n.text, 'The moderators warned you: “Stop posting the same link everywhere.”')
    assert.equal(n.url, '/warnings')
    const anaAgent = t.agent('10.9.0.2')
    const login = await anaAgent.loginViaForm('memana')
    assert.equal(login.status, 303)
    const home = await anaAgent.get('/')
    assert.equal(home.status, 303, 'the next page leads to the warning')
    assert.equal(home.headers.get('location'), '/warnings?next=%2F')
    const page = await anaAgent.text('/warnings?next=%2F')
    assert.match(page, /The moderators warned you/)
    assert.match(page, /Stop posting the same link everywhere\./)
    assert.equal((await anaAgent.get('/api/v1/users/me')).status, 200, 'the API is not held back')
    assert.equal((await anaAgent.post('/warnings/ack', { next: '/' })).headers.get('location'), '/')
    assert.equal((await anaAgent.get('/')).status, 200, 'read once, it is not shown again')
    const list = (await body(await t.request('GET', '/api/v1/users/me/warnings', { token: ana.token }))).data
    assert.equal(list[0].note, 'Stop posting the same link everywhere.')
    assert.ok(list[0].seen_at)
    const empty = await t.request('POST', `/api/v1/admin/users/${ana.id}/warn`, { token: support.token, json: { note: '  ' } })
    assert.equal(empty.status, 400)
  })

  it('suspends for a period, lifts it when the period ends (audited as automatic), and says until when', async () => {
    const res = await body(await t.request('POST', `/api/v1/admin/users/${ben.id}/suspend`, { token: support.token, json: { reason: 'Cool off.', days: 3 } }))
    assert.equal(res.status, 'success')
    const row = await t.h.users.findRow(ben.id)
    assert.ok(row!.suspended_until && Date.parse(row!.suspended_until) > Date.now() + 2.9 * 86_400_000)
    const login = await t.request('POST', '/api/v1/users/login', { json: { login: 'memben', password: 'correct horse battery staple' } })
    const refused = await body(login)
    assert.equal(refused.error!.code, 'ACCOUNT_SUSPENDED')
    assert.match(refused.error!.message, /suspended until \d{4}-\d\d-\d\d \d\d:\d\d UTC: Cool off\./)
    assert.equal(await t.h.users.liftEndedSuspensions(new Date(Date.now() + 86_400_000)), 0, 'not yet')
    assert.equal(await t.h.users.liftEndedSuspensions(new Date(Date.now() + 4 * 86_400_000)), 1)
    assert.equal((await t.h.users.findRow(ben.id))!.suspended_at, null)
    const a = lastAudit()
    assert.equal(a.action, 'user.unsuspend')
    assert.equal(a.actor_id, null)
    assert.equal(JSON.parse(a.details).automatic, true)
    assert.ok(t.h.scheduler.list().some((j) => j.name === 'lift-ended-suspensions'))
    const bad = await t.request('POST', `/api/v1/admin/users/${ben.id}/suspend`, { token: support.token, json: { reason: 'x', days: 0 } })
    assert.equal(bad.status, 400)
  })

  it('suspends and lifts from the page, until lifted when no period is chosen', async () => {
    const res = await adminAgent.post(`/admin/users/${ben.id}/suspend`, { reason: 'Spam wave', days: '' })
    assert.equal(res.headers.get('location'), `/admin/users/${ben.id}`)
    assert.equal((await t.h.users.findRow(ben.id))!.suspended_until, null)
    assert.match(await adminAgent.text(`/admin/users/${ben.id}`), /Suspended: Spam wave/)
    await adminAgent.post(`/admin/users/${ben.id}/unsuspend`, {})
    assert.equal((await t.h.users.findRow(ben.id))!.suspended_at, null)
  })

  it('signs a member out everywhere', async () => {
    const before = (t.h.store.sqlite.prepare('select count(*) n from sessions where user_id = ?').get(ana.id) as { n: number }).n
    assert.ok(before >= 2)
    const res = await body(await t.request('POST', `/api/v1/admin/users/${ana.id}/sign-out`, { token: support.token, json: {} }))
    assert.equal(res.data.sessions_ended, before)
    assert.equal((await t.request('GET', '/api/v1/users/me', { token: ana.token })).status, 401)
    assert.equal(lastAudit().action, 'user.sign-out-everywhere')
  })

  it('lets only admins give roles, custom ones included; a custom role holder cannot change their own', async () => {
    assert.equal((await t.request('PUT', `/api/v1/admin/users/${ben.id}/roles`, { token: support.token, json: { role: 'admin' } })).status, 403, 'manage members is not enough')
    const set = await body(await t.request('PUT', `/api/v1/admin/users/${ben.id}/roles`, { token: admin.token, json: { role: 'moderator', staff_role: 'support' } }))
    assert.deepEqual(set.data, { role: 'moderator', staff_role: 'support' })
    assert.equal(lastAudit().action, 'user.staff-role')
    const unknown = await t.request('PUT', `/api/v1/admin/users/${ben.id}/roles`, { token: admin.token, json: { staff_role: 'nope' } })
    assert.equal(unknown.status, 404)
    await adminAgent.post(`/admin/users/${ben.id}/roles`, { role: 'member', staff_role: '' })
    assert.deepEqual(await t.h.store.sqlite.prepare('select role, staff_role_id from users where id = ?').get(ben.id), { role: 'member', staff_role_id: null })
    const bad = await t.request('POST', '/api/v1/admin/roles', { token: admin.token, json: { name: 'admin', permissions: [] } })
    assert.equal((await body(bad)).error!.code, 'VALIDATION_FAILED')
    const badPerm = await t.request('POST', '/api/v1/admin/roles', { token: admin.token, json: { name: 'x', permissions: ['launch_rockets'] } })
    assert.equal(badPerm.status, 400)
  })
})
