// Access control from different client addresses (the harness trusts X-Forwarded-For, as behind a proxy with
// HEARTH_TRUST_PROXY): blocks of ranges, domains and usernames with their severities and expiries, invite links,
// and sign-ups that wait for an admin.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestApp, PASSWORD, type TestApp } from '../../test/harness.js'
import { parseRange } from './service.js'

describe('access control', () => {
  let t: TestApp
  let admin: string
  before(async () => {
    t = await createTestApp()
    await t.h.users.create({ username: 'boss', email: 'boss@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
    admin = ((await (await t.request('POST', '/api/v1/users/login', { json: { login: 'boss', password: PASSWORD } })).json()) as { data: { token: string } }).data.token
  })
  after(() => t.close())

  const block = async (body: Record<string, unknown>) => {
    const res = await t.request('POST', '/api/v1/admin/access/blocks', { token: admin, json: body })
    assert.equal(res.status, 201, await res.clone().text())
    return ((await res.json()) as { data: { id: number } }).data.id
  }
  const signUp = (username: string, ip: string, extra: Record<string, unknown> = {}) =>
    t.request('POST', '/api/v1/users/register', { json: { username, email: `${username}@example.org`, password: PASSWORD, ...extra }, headers: { 'x-forwarded-for': ip } })
  const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string; details: { fields?: Record<string, string> } } }).error

  it('reads addresses and ranges of both families', () => {
    assert.deepEqual(parseRange('203.0.113.0/24'), ['203.0.113.0', 24, 'ipv4'])
    assert.deepEqual(parseRange('2001:db8::/32'), ['2001:db8::', 32, 'ipv6'])
    assert.deepEqual(parseRange('198.51.100.7'), ['198.51.100.7', 32, 'ipv4'])
    for (const bad of ['203.0.113.0/33', 'example.org', '10.0.0.0/x', '']) assert.equal(parseRange(bad), null, bad)
  })

  it('keeps a range out entirely (IPv4 and IPv6), but not its neighbours, nor the health check', async () => {
    const v4 = await block({ kind: 'ip', value: '203.0.113.0/24', severity: 'no_access', note: 'a botnet' })
    await block({ kind: 'ip', value: '2001:db8::/32', severity: 'no_access' })
    const from = (ip: string, path = '/') => t.request('GET', path, { headers: { 'x-forwarded-for': ip } })
    assert.equal((await from('203.0.113.9')).status, 403)
    assert.match(await (await from('203.0.113.200', '/api/v1/feed/explore')).text(), /blocked/)
    assert.equal((await from('::ffff:203.0.113.9')).status, 403, 'an IPv4 address written as IPv6')
    assert.equal((await from('2001:db8:1::5')).status, 403)
    assert.equal((await from('203.0.114.1')).status, 200)
    assert.equal((await from('2001:db9::1')).status, 200)
    assert.equal((await from('203.0.113.9', '/healthz')).status, 200)
    assert.equal((await t.request('DELETE', `/api/v1/admin/access/blocks/${v4}`, { token: admin })).status, 200)
    assert.equal((await from('203.0.113.9')).status, 200, 'removing the block lets them in at once')
  })

  it('refuses sign-ups by address, domain or username word without saying which, and lets others through', async () => {
    await block({ kind: 'email_domain', value: 'spam.example', severity: 'refuse' })
    await block({ kind: 'username', value: 'casino', severity: 'refuse' })
    await block({ kind: 'ip', value: '198.51.100.0/24', severity: 'refuse' })
    const cases: [string, string, Record<string, unknown>][] = [
      ['joe', '10.1.0.1', { email: 'joe@mail.spam.example' }],
      ['bestcasino24', '10.1.0.2', {}],
      ['ann', '198.51.100.4', {}],
    ]
    for (const [name, ip, extra] of cases) {
      const res = await signUp(name, ip, extra)
      assert.equal(res.status, 403, name)
      const error = await codeOf(res)
      assert.equal(error.code, 'SIGNUP_REFUSED')
      assert.equal(await t.h.users.findRow(name), undefined)
    }
    assert.equal((await signUp('casual', '10.1.0.3')).status, 201, 'a word inside another is still a match only when it is there')
  })

  it('holds a sign-up from a flagged range for approval: hidden and unable to log in until an admin approves', async () => {
    await block({ kind: 'ip', value: '192.0.2.0/24', severity: 'approval', expires_in_days: 1 })
    const missing = await signUp('wendy', '192.0.2.10')
    assert.equal(missing.status, 400)
    assert.ok((await codeOf(missing)).details.fields?.reason, 'they are asked why they want to join')
    const res = await signUp('wendy', '192.0.2.10', { reason: 'I live by the lake' })
    assert.equal(res.status, 201)
    const body = (await res.json()) as { data: { pending: boolean; token?: string } }
    assert.deepEqual([body.data.pending, body.data.token], [true, undefined])
    const login = await t.request('POST', '/api/v1/users/login', { json: { login: 'wendy', password: PASSWORD } })
    assert.equal(login.status, 403)
    assert.equal((await codeOf(login)).code, 'ACCOUNT_PENDING')
    assert.equal((await t.request('GET', '/api/v1/users/wendy')).status, 404, 'a waiting account is hidden like a suspended one')
    const pending = ((await (await t.request('GET', '/api/v1/admin/access/approvals', { token: admin })).json()) as { data: { id: number; username: string; signup_reason: string }[] }).data
    const wendy = pending.find((p) => p.username === 'wendy')!
    assert.equal(wendy.signup_reason, 'I live by the lake')
    assert.equal((await t.request('POST', `/api/v1/admin/access/approvals/${wendy.id}`, { token: admin, json: { decision: 'approve' } })).status, 200)
    assert.equal((await t.request('POST', '/api/v1/users/login', { json: { login: 'wendy', password: PASSWORD } })).status, 200)
    assert.equal((await t.request('GET', '/api/v1/users/wendy')).status, 200)

    // An expired block does nothing.
    await t.h.db.updateTable('access_blocks').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('value', '=', '192.0.2.0/24').execute()
    await t.h.access.addBlock({ kind: 'username', value: 'zzzz', severity: 'approval' }, null) // any change reloads the blocks
    assert.equal((await signUp('xavier', '192.0.2.11')).status, 201)
  })

  it('lets approval mode hold every sign-up, an invite skip it and open a closed community, within its uses', async () => {
    await t.h.settings.updateCore({ 'registration.approval': true }, null)
    const held = await signUp('yara', '10.2.0.1', { reason: 'friend of ana' })
    assert.equal(((await held.json()) as { data: { pending: boolean } }).data.pending, true)
    const reject = await t.request('POST', `/api/v1/admin/access/approvals/${(await t.h.users.findRow('yara'))!.id}`, { token: admin, json: { decision: 'reject' } })
    assert.equal(reject.status, 200)
    assert.equal((await codeOf(await t.request('POST', '/api/v1/users/login', { json: { login: 'yara', password: PASSWORD } }))).code, 'ACCOUNT_REJECTED')

    await t.h.settings.updateCore({ 'registration.open': false }, null)
    const inv = ((await (await t.request('POST', '/api/v1/admin/access/invites', { token: admin, json: { max_uses: 1, note: 'book club' } })).json()) as { data: { id: number; code: string; url: string } }).data
    assert.match(inv.url, /\/register\?invite=[A-Za-z0-9_-]{16}$/)
    assert.equal((await signUp('zoe', '10.2.0.2')).status, 403, 'closed without an invite')
    const zoe = await signUp('zoe', '10.2.0.2', { invite: inv.code })
    assert.equal(zoe.status, 201)
    assert.ok(((await zoe.json()) as { data: { token?: string } }).data.token, 'an invite skips the approval')
    assert.equal((await t.h.users.findRow('zoe'))!.invite_id, inv.id)
    const again = await signUp('zed', '10.2.0.3', { invite: inv.code })
    assert.equal(again.status, 400)
    assert.match(JSON.stringify(await again.json()), /not valid any more/)
    // A taken username does not spend a use.
    const two = ((await (await t.request('POST', '/api/v1/admin/access/invites', { token: admin, json: { max_uses: 1 } })).json()) as { data: { id: number; code: string } }).data
    assert.equal((await signUp('zoe', '10.2.0.4', { invite: two.code })).status, 409)
    assert.equal((await signUp('zia', '10.2.0.4', { invite: two.code })).status, 201)
    await t.request('DELETE', `/api/v1/admin/access/invites/${two.id}`, { token: admin })
    await t.h.settings.updateCore({ 'registration.open': true, 'registration.approval': false }, null)
  })

  it('has pages for the sign-up with an invite or a reason, and for admins to decide, without JavaScript', async () => {
    await t.h.settings.updateCore({ 'registration.approval': true }, null)
    const guest = t.agent('10.3.0.1')
    assert.match(await guest.text('/register'), /name="reason"/)
    const sent = await guest.post('/register', { username: 'quinn', email: 'quinn@example.org', password: PASSWORD, reason: 'I run the bakery' })
    assert.equal(sent.status, 200)
    assert.match(await sent.text(), /An admin of this community will look at your request/)
    const bad = await t.agent('10.3.0.2').get('/register?invite=AAAAAAAAAAAAAAAA')
    assert.equal(bad.status, 400)
    assert.match(await bad.text(), /This invite link is not valid any more/)

    const a = t.agent('10.3.0.3')
    await a.loginViaForm('boss')
    const page = await a.text('/admin/access')
    assert.match(page, /I run the bakery/)
    const id = (await t.h.users.findRow('quinn'))!.id
    assert.equal((await a.post(`/admin/access/approvals/${id}`, { decision: 'approve' })).status, 303)
    assert.equal((await t.h.users.findRow('quinn'))!.approval, null)
    assert.equal((await a.post('/admin/access/blocks', { kind: 'ip', value: 'not-an-ip', severity: 'refuse' })).status, 400)
    assert.equal((await a.post('/admin/access/blocks', { kind: 'email_domain', value: 'x.example', severity: 'no_access' })).status, 400)
    assert.equal((await a.post('/admin/access/invites', { max_uses: '5', invite_days: '7', invite_note: 'market' })).status, 303)
    assert.match(await a.text('/admin/access'), /\/register\?invite=[A-Za-z0-9_-]{16}/)
    const member = t.agent('10.3.0.4')
    await t.h.settings.updateCore({ 'registration.approval': false }, null)
    assert.equal((await member.registerViaForm('memb')).status, 303)
    assert.equal((await member.get('/admin/access')).status, 403)
    assert.equal((await t.request('GET', '/api/v1/admin/access/blocks', { token: (await t.register('memb2')).token })).status, 403)
    await t.h.settings.updateCore({ 'registration.approval': false }, null)
  })
})
