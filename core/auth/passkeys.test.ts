// Passkeys against the real verifier (@simplewebauthn/server): a software authenticator (test/webauthn.ts: an ES256 key
// from Node's crypto, a "none" attestation CBOR-encoded by hand) registers and signs in through the API and the pages.
// Single-use and expiring challenges, counters, origin and RP ID, the second factor, reset, export and deletion.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, PASSWORD, type TestApp } from '../../test/harness.js'
import { SoftPasskey } from '../../test/webauthn.js'
import { readZip, zipJson } from '../../test/zip-reader.js'
import { currentTotpCode } from './two-factor.js'

const ORIGIN = 'http://hearth.test'
type Json = { status: string; data: any; error?: { code: string; message: string; details?: any } }

describe('passkeys', () => {
  let t: TestApp
  const api = async (method: string, path: string, token?: string, json?: unknown) => {
    const res = await t.request(method, path, { token, json, headers: { 'x-forwarded-for': '10.7.0.1' } })
    return { status: res.status, body: (await res.json()) as Json }
  }
  const sql = <T>(q: string, ...args: unknown[]) => {
    const st = t.h.store.sqlite.prepare(q)
    return (st.reader ? st.all(...args) : (st.run(...args), [])) as T[]
  }

  /** Add a passkey through the API as the settings page's script does; returns the added passkey. */
  const add = async (token: string, key: SoftPasskey, extra: Record<string, unknown> = {}) => {
    const opts = await api('POST', '/api/v1/users/me/passkeys/options', token, { password: PASSWORD, ...extra })
    assert.equal(opts.status, 200, JSON.stringify(opts.body))
    const created = await api('POST', '/api/v1/users/me/passkeys', token, { name: 'Laptop', credential: key.create(opts.body.data.options) })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    return created.body.data
  }
  const loginOptions = async (ip = '10.7.0.1') => {
    const r = await t.request('POST', '/api/v1/users/passkeys/login-options', { headers: { 'x-forwarded-for': ip } })
    assert.equal(r.status, 200)
    return ((await r.json()) as Json).data.options as { rpId: string; challenge: string; allowCredentials?: unknown[] }
  }

  before(async () => (t = await createTestApp({ settings: { 'site.name': 'Lakeside' } })))
  after(() => t.close())

  it('adds a passkey after the password, lists it without its key, and signs in with it through the API', async () => {
    const ana = await t.register('ana')
    assert.equal((await api('POST', '/api/v1/users/me/passkeys/options', ana.token, { password: 'wrong password!' })).status, 400, 'the password is asked')
    const key = new SoftPasskey(ORIGIN)
    const opts = await api('POST', '/api/v1/users/me/passkeys/options', ana.token, { password: PASSWORD })
    const o = opts.body.data.options
    assert.equal(o.rp.id, 'hearth.test')
    assert.equal(o.rp.name, 'Lakeside')
    assert.equal(o.authenticatorSelection.residentKey, 'required', 'discoverable, for the login page’s autofill')
    assert.notEqual(Buffer.from(o.user.id, 'base64url').toString(), String(ana.id), 'the user handle is random, not the member id')
    const added = await api('POST', '/api/v1/users/me/passkeys', ana.token, { name: 'Laptop', credential: key.create(o) })
    assert.equal(added.status, 201, JSON.stringify(added.body))
    assert.equal(added.body.data.name, 'Laptop')
    const list = (await api('GET', '/api/v1/users/me/passkeys', ana.token)).body.data
    assert.equal(list.length, 1)
    assert.deepEqual(Object.keys(list[0]).sort(), ['created_at', 'id', 'last_used_at', 'name', 'synced', 'transports'])
    assert.equal(list[0].last_used_at, null)
    assert.equal(sql('select id from audit_log where action = ? and target_id = ?', 'user.passkey.add', String(ana.id)).length, 1)

    const lo = await loginOptions()
    assert.equal(lo.rpId, 'hearth.test')
    assert.equal(lo.allowCredentials?.length ?? 0, 0, 'a sign-in names no credential: the browser offers its own')
    const signed = await api('POST', '/api/v1/users/passkeys/login', undefined, { credential: key.get(lo) })
    assert.equal(signed.status, 200, JSON.stringify(signed.body))
    assert.equal(signed.body.data.user.username, 'ana')
    assert.equal((await api('GET', '/api/v1/users/me', signed.body.data.token)).body.data.username, 'ana')
    assert.ok((await api('GET', '/api/v1/users/me/passkeys', ana.token)).body.data[0].last_used_at, 'last used is recorded')
  })

  it('uses a challenge once, refuses an expired one, a counter that went back, another origin and another RP ID', async () => {
    const ben = await t.register('ben')
    const key = new SoftPasskey(ORIGIN)
    await add(ben.token, key)
    const lo = await loginOptions()
    const answer = key.get(lo)
    assert.equal((await api('POST', '/api/v1/users/passkeys/login', undefined, { credential: answer })).status, 200)
    const replay = await api('POST', '/api/v1/users/passkeys/login', undefined, { credential: answer })
    assert.equal(replay.status, 401, 'the same response again is refused')
    assert.match(replay.body.error!.message, /expired or was already used/)

    const stale = await loginOptions()
    sql('update passkey_challenges set expires_at = ? where challenge = ?', new Date(Date.now() - 1000).toISOString(), stale.challenge)
    assert.equal((await api('POST', '/api/v1/users/passkeys/login', undefined, { credential: key.get(stale) })).status, 401, 'an expired challenge')

    // A cloned authenticator shows itself by a counter at or below the last one seen.
    const cloned = await api('POST', '/api/v1/users/passkeys/login', undefined, { credential: key.get(await loginOptions(), { counter: 1 }) })
    assert.equal(cloned.status, 401)
    const stored = sql<{ counter: number }>('select counter from passkeys where user_id = ?', ben.id)[0]!.counter
    assert.equal(stored, 1, 'the counter stays at the highest accepted')

    assert.equal((await api('POST', '/api/v1/users/passkeys/login', undefined, { credential: key.get(await loginOptions(), { origin: 'https://evil.example' }) })).status, 401, 'another origin')
    // Another's user handle for this credential is refused too.
    assert.equal((await api('POST', '/api/v1/users/passkeys/login', undefined, { credential: key.get(await loginOptions(), { userHandle: Buffer.from('someone else').toString('base64url') }) })).status, 401)

    const opts = (await api('POST', '/api/v1/users/me/passkeys/options', ben.token, { password: PASSWORD })).body.data.options
    const elsewhere = await api('POST', '/api/v1/users/me/passkeys', ben.token, { name: 'x', credential: new SoftPasskey(ORIGIN).create(opts, { rpId: 'evil.example' }) })
    assert.equal(elsewhere.status, 400, 'a credential made for another RP ID')
    // A registration challenge is its member's: another member cannot answer it.
    const opts2 = (await api('POST', '/api/v1/users/me/passkeys/options', ben.token, { password: PASSWORD })).body.data.options
    const cal = await t.register('cal')
    assert.equal((await api('POST', '/api/v1/users/me/passkeys', cal.token, { name: 'x', credential: new SoftPasskey(ORIGIN).create(opts2) })).status, 401)
    // Malformed input is the API's error envelope, before any verification.
    const bad = await api('POST', '/api/v1/users/passkeys/login', undefined, { credential: { id: 'x', rawId: 'x', type: 'public-key', response: { clientDataJSON: '!!' } } })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error!.code, 'VALIDATION_FAILED')
  })

  it('counts a user-verified passkey as both factors of a 2FA account; one without verification needs the code', async () => {
    const dee = await t.register('dee')
    const setup = (await api('POST', '/api/v1/users/me/2fa/setup', dee.token)).body.data
    assert.equal((await api('POST', '/api/v1/users/me/2fa/enable', dee.token, { code: currentTotpCode(setup.secret), password: PASSWORD })).status, 200)
    sql('update users set totp_last_step = null where id = ?', dee.id)
    const key = new SoftPasskey(ORIGIN, true)
    // With 2FA on, adding a passkey asks for a code too.
    const noCode = await api('POST', '/api/v1/users/me/passkeys/options', dee.token, { password: PASSWORD })
    assert.equal(noCode.status, 400)
    assert.ok(noCode.body.error!.details.fields.code)
    await add(dee.token, key, { code: currentTotpCode(setup.secret) })

    const verified = await api('POST', '/api/v1/users/passkeys/login', undefined, { credential: key.get(await loginOptions()) })
    assert.equal(verified.status, 200, 'a PIN or biometric on the device is the second factor')

    key.userVerified = false
    const presence = await api('POST', '/api/v1/users/passkeys/login', undefined, { credential: key.get(await loginOptions()) })
    assert.equal(presence.status, 401)
    assert.equal(presence.body.error!.code, 'TWO_FACTOR_REQUIRED')

    // On the pages: to the code step, where a passkey (presence is enough after the password) finishes the login.
    const a = t.agent('10.7.1.1')
    await a.get('/login')
    const page = async (path: string, json: unknown) => {
      const res = await a.fetch('POST', path, { json })
      return { status: res.status, body: (await res.json()) as any }
    }
    const web = await page('/login/passkey', { credential: key.get((await page('/login/passkey/options', {})).body.options) })
    assert.equal(web.status, 200, JSON.stringify(web.body))
    assert.equal(web.body.redirect, '/login/2fa')
    assert.ok(a.cookies.has('hearth_2fa'))
    assert.ok(!a.cookies.has('hearth_session'))
    const second = (await page('/login/passkey/options', { second_factor: true })).body.options
    assert.equal(second.allowCredentials.length, 1, 'the code step names the member’s own passkeys')
    const done = await page('/login/passkey', { credential: key.get(second), second_factor: true })
    assert.equal(done.status, 200, JSON.stringify(done.body))
    assert.equal(done.body.redirect, '/')
    assert.ok(a.cookies.has('hearth_session'))
    assert.match(await a.text('/settings/security'), /Laptop/)

    // A passkey of another member cannot stand as this login's second factor.
    const other = new SoftPasskey(ORIGIN)
    const eve = await t.register('eve')
    await add(eve.token, other)
    const b = t.agent('10.7.1.2')
    const pw = await b.loginViaForm('dee')
    assert.equal(pw.headers.get('location'), '/login/2fa')
    const bOpts = (await b.fetch('POST', '/login/passkey/options', { json: { second_factor: true } }).then((r) => r.json())) as any
    const wrong = await b.fetch('POST', '/login/passkey', { json: { credential: other.get(bOpts.options), second_factor: true } })
    assert.equal(wrong.status, 401)
    assert.ok(!b.cookies.has('hearth_session'))
  })

  it('removes a passkey with the password from the settings page, and staff’s 2FA reset removes them all (audited)', async () => {
    const fay = await t.register('fay')
    const key = new SoftPasskey(ORIGIN)
    const added = await add(fay.token, key)
    const a = t.agent('10.7.2.1')
    await a.loginViaForm('fay')
    const html = await a.text('/settings/security')
    assert.match(html, /<script src="\/static\/passkeys.js" defer>/)
    assert.match(html, /data-passkey-add/)
    const wrong = await a.post(`/settings/security/passkeys/${added.id}/remove`, { password: 'not it at all' })
    assert.equal(wrong.status, 400)
    assert.match(await wrong.text(), /Your password is not right/)
    assert.equal((await a.post(`/settings/security/passkeys/${added.id}/remove`, { password: PASSWORD })).status, 303)
    assert.equal(sql('select id from passkeys where user_id = ?', fay.id).length, 0)
    assert.equal((await api('POST', '/api/v1/users/passkeys/login', undefined, { credential: key.get(await loginOptions()) })).status, 401, 'a removed passkey signs nobody in')
    // Someone else's passkey answers like a missing one.
    const gil = await t.register('gil')
    const gils = await add(gil.token, new SoftPasskey(ORIGIN))
    assert.equal((await api('DELETE', `/api/v1/users/me/passkeys/${gils.id}`, fay.token, { password: PASSWORD })).status, 404)

    await add(fay.token, new SoftPasskey(ORIGIN))
    await add(fay.token, new SoftPasskey(ORIGIN))
    // A member with passkeys and no authenticator app: staff see them and may reset (the console and the API).
    await t.h.users.setRole(gil.id, 'admin', null)
    const profile = (await api('GET', `/api/v1/admin/users/${fay.id}`, gil.token)).body.data
    assert.equal(profile.figures.passkeys, 2)
    const boss = t.agent('10.7.2.2')
    await boss.loginViaForm('gil')
    assert.match(await boss.text(`/admin/users/${fay.id}`), /Reset two-factor and passkeys/)
    const reset = await api('POST', `/api/v1/admin/users/${fay.id}/reset-2fa`, gil.token)
    assert.equal(reset.status, 200, JSON.stringify(reset.body))
    assert.equal(reset.body.data.passkeys_removed, 2)
    assert.equal(sql('select id from passkeys where user_id = ?', fay.id).length, 0)
    const row = sql<{ details: string }>('select details from audit_log where action = ? and target_id = ?', 'user.2fa.reset', String(fay.id))[0]!
    assert.equal(JSON.parse(row.details).passkeys_removed, 2)
  })

  it('limits passkey sign-ins per address like password logins', async () => {
    await t.h.settings.updateCore({ 'auth.login.ip_limit': 2 }, null)
    try {
      const from = (ip: string) => async () => (await t.request('POST', '/api/v1/users/passkeys/login', { json: { credential: new SoftPasskey(ORIGIN).get(await loginOptions(ip)) }, headers: { 'x-forwarded-for': ip } })).status
      const attempt = from('10.7.9.9')
      assert.deepEqual([await attempt(), await attempt(), await attempt()], [401, 401, 429])
      assert.equal(await from('10.7.9.10')(), 401, 'another address has its own allowance')
    } finally {
      await t.h.settings.updateCore({ 'auth.login.ip_limit': 30 }, null)
    }
  })

  it('lists passkeys (never keys) in the data export, and deletion removes them', async () => {
    const hal = await t.register('hal')
    await add(hal.token, new SoftPasskey(ORIGIN))
    assert.equal((await api('POST', '/api/v1/users/me/export', hal.token)).status, 201)
    await t.h.queue.drain()
    const latest = (await api('GET', '/api/v1/users/me/export', hal.token)).body.data
    const zip = Buffer.from(await (await t.request('GET', latest.download_url, { token: hal.token })).arrayBuffer())
    const listed = zipJson(readZip(zip), 'passkeys.json')
    assert.deepEqual(listed.map((p: any) => Object.keys(p).sort()), [['added', 'last_used', 'name', 'synced']])
    assert.equal(listed[0].name, 'Laptop')
    await t.h.account.erase(hal.id, null)
    assert.equal(sql('select id from passkeys where user_id = ?', hal.id).length, 0)
    assert.equal(sql('select user_id from passkey_handles where user_id = ?', hal.id).length, 0)
  })
})
