// Accounts: register, log in and out, rate limits, CSRF, two-factor, suspension and password changes; pages and API.
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, PASSWORD, tempDir, type TestApp } from '../../test/harness.js'
import { createSetupToken } from './setup-token.js'
import { checkTotp, currentTotpCode } from './two-factor.js'

type Envelope = { status: string; data: any; error: { code: string; message: string; details: any }; meta: { timestamp: string; request_id?: string } }
const body = async (res: Response) => (await res.json()) as Envelope

describe('registration', () => {
  let t: TestApp
  before(async () => (t = await createTestApp()))
  after(() => t.close())

  it('registers through the form, logs in and greets the member', async () => {
    const a = t.agent()
    const res = await a.registerViaForm('ana')
    assert.equal(res.status, 303)
    assert.equal(res.headers.get('location'), '/')
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('hearth_session='))!
    assert.match(cookie, /HttpOnly/)
    assert.match(cookie, /SameSite=Lax/)
    const home = await a.text('/')
    assert.match(home, /Welcome home, ana/)
    assert.match(home, /Welcome, @ana!/, 'flash message shown once')
    assert.doesNotMatch(await a.text('/'), /Welcome, @ana!/)
    const row = await t.h.users.findRow('ana')
    assert.match(row!.password_hash, /^scrypt\$32768\$8\$1\$/)
    assert.ok(!row!.password_hash.includes(PASSWORD))
  })

  it('refuses a duplicate username or email, case-insensitively, on the page and the API', async () => {
    const page = await t.agent('10.0.1.1').post('/register', { username: 'ANA', email: 'other@example.org', password: PASSWORD })
    assert.equal(page.status, 409)
    const html = await page.text()
    assert.match(html, /That username is taken\./)
    assert.match(html, /value="ANA"/, 'the typed username is kept')
    const api = await t.request('POST', '/api/v1/users/register', { json: { username: 'bob', email: 'ANA@example.org', password: PASSWORD } })
    assert.equal(api.status, 409)
    const b = await body(api)
    assert.equal(b.error.code, 'CONFLICT')
    assert.equal(b.error.details.fields.email, 'An account with that email already exists.')
  })

  it('explains each bad field', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ username: 'bo', email: 'bo@example.org', password: PASSWORD }, 'username', /3 to 30 characters/],
      [{ username: 'bad name', email: 'b@example.org', password: PASSWORD }, 'username', /letters, digits and underscores/],
      [{ username: 'admin', email: 'b@example.org', password: PASSWORD }, 'username', /reserved/],
      [{ username: 'bob', email: 'not-an-email', password: PASSWORD }, 'email', /valid email/],
      [{ username: 'bob', email: 'bob@example.org', password: 'short' }, 'password', /at least 10 characters/],
      [{ username: 'bob', email: 'bob@example.org', password: 'password123' }, 'password', /most common/],
      [{ username: 'bobbyjones', email: 'bob@example.org', password: 'bobbyjones-rules' }, 'password', /must not contain your username/],
      [{ email: 'bob@example.org', password: PASSWORD }, 'username', /Choose a username/],
    ]
    for (const [json, field, message] of cases) {
      const res = await t.request('POST', '/api/v1/users/register', { json })
      const b = await body(res)
      assert.equal(res.status, 400, JSON.stringify(json))
      assert.equal(b.error.code, 'VALIDATION_FAILED')
      assert.match(b.error.details.fields[field], message)
    }
    const page = await t.agent('10.0.1.2').post('/register', { username: 'carla', email: 'carla@example.org', password: 'short' })
    assert.equal(page.status, 400)
    const html = await page.text()
    assert.match(html, /id="f-password-error">Use at least 10 characters/)
    assert.match(html, /value="carla"/)
    assert.equal(await t.h.users.findRow('carla'), undefined, 'nothing was created')
  })

  it('rate limits registrations per IP with the time to wait', async () => {
    await t.h.settings.set('auth.register.ip_limit', 2)
    const ip = { 'x-forwarded-for': '10.77.0.1' }
    for (const n of [1, 2]) {
      const r = await t.request('POST', '/api/v1/users/register', { json: { username: `burst${n}`, email: `burst${n}@example.org`, password: PASSWORD }, headers: ip })
      assert.equal(r.status, 201)
    }
    const third = await t.request('POST', '/api/v1/users/register', { json: { username: 'burst3', email: 'burst3@example.org', password: PASSWORD }, headers: ip })
    assert.equal(third.status, 429)
    const b = await body(third)
    assert.equal(b.error.code, 'RATE_LIMITED')
    assert.match(b.error.message, /Try again in \d+ s\./)
    assert.ok(Number(third.headers.get('retry-after')) > 0)
    await t.h.settings.set('auth.register.ip_limit', 10)
  })

  it('refuses registration when it is closed or a plugin filter says no', async () => {
    await t.h.settings.set('registration.open', false)
    const closed = await t.request('POST', '/api/v1/users/register', { json: { username: 'late', email: 'late@example.org', password: PASSWORD }, headers: { 'x-forwarded-for': '10.78.0.1' } })
    assert.equal(closed.status, 403)
    assert.match(await t.agent('10.0.1.3').text('/register'), /Registration is closed/)
    await t.h.settings.set('registration.open', true)
    const off = t.h.hooks.on('filter:user.registration.allowed', (ok, { email }) => ok && !email.endsWith('@spam.test'), {}, 'antispam')
    const spam = await t.request('POST', '/api/v1/users/register', { json: { username: 'spammer', email: 'x@spam.test', password: PASSWORD }, headers: { 'x-forwarded-for': '10.78.0.2' } })
    assert.equal(spam.status, 403)
    off()
  })
})

describe('logging in and out', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await t.register('dora')
  })
  after(() => t.close())

  it('logs in with username or email through the API and returns a bearer token', async () => {
    for (const login of ['dora', 'DORA@example.org']) {
      const res = await t.request('POST', '/api/v1/users/login', { json: { login, password: PASSWORD } })
      assert.equal(res.status, 200)
      const b = await body(res)
      assert.equal(b.data.token_type, 'Bearer')
      const me = await body(await t.request('GET', '/api/v1/users/me', { token: b.data.token }))
      assert.equal(me.data.username, 'dora')
      assert.equal(me.data.email, 'dora@example.org')
      assert.equal(me.data.password_hash, undefined)
    }
  })

  it('gives one answer for a wrong password and an unknown login', async () => {
    const wrong = await body(await t.request('POST', '/api/v1/users/login', { json: { login: 'dora', password: 'not the password' } }))
    const nobody = await body(await t.request('POST', '/api/v1/users/login', { json: { login: 'nobody', password: 'not the password' } }))
    assert.equal(wrong.error.code, 'UNAUTHENTICATED')
    assert.equal(wrong.error.message, nobody.error.message)
    const page = await t.agent('10.0.2.1').loginViaForm('dora', 'nope nope nope')
    assert.equal(page.status, 401)
    assert.match(await page.text(), /That username or email and password do not match\./)
  })

  it('locks an account after repeated failures, even for the right password, and says for how long', async () => {
    await t.h.settings.set('auth.login.account_limit', 3)
    await t.register('erin')
    for (let i = 0; i < 3; i++) {
      const r = await t.request('POST', '/api/v1/users/login', { json: { login: 'erin', password: 'wrong password!' }, headers: { 'x-forwarded-for': `10.50.0.${i}` } })
      assert.equal(r.status, 401)
    }
    const locked = await t.request('POST', '/api/v1/users/login', { json: { login: 'erin', password: PASSWORD }, headers: { 'x-forwarded-for': '10.50.1.1' } })
    assert.equal(locked.status, 429)
    assert.match((await body(locked)).error.message, /Try again in \d+ s/)
    const page = await t.agent('10.50.2.2').loginViaForm('erin')
    assert.equal(page.status, 429)
    assert.match(await page.text(), /Too many attempts\. Try again in \d+ s\./)
    const other = await t.request('POST', '/api/v1/users/login', { json: { login: 'dora', password: PASSWORD }, headers: { 'x-forwarded-for': '10.50.1.1' } })
    assert.equal(other.status, 200, 'other accounts are not affected')
  })

  it('limits login attempts per IP', async () => {
    await t.h.settings.set('auth.login.ip_limit', 4)
    const ip = { 'x-forwarded-for': '10.60.0.1' }
    for (let i = 0; i < 4; i++) await t.request('POST', '/api/v1/users/login', { json: { login: `someone${i}`, password: 'x' }, headers: ip })
    const blocked = await t.request('POST', '/api/v1/users/login', { json: { login: 'dora', password: PASSWORD }, headers: ip })
    assert.equal(blocked.status, 429)
    const spoofed = await t.request('POST', '/api/v1/users/login', { json: { login: 'dora', password: PASSWORD }, headers: { 'x-forwarded-for': '203.0.113.9, 10.60.0.1' } })
    assert.equal(spoofed.status, 429, 'an address the client prepends is not trusted: the proxy’s last hop is')
    const elsewhere = await t.request('POST', '/api/v1/users/login', { json: { login: 'dora', password: PASSWORD }, headers: { 'x-forwarded-for': '10.60.0.2' } })
    assert.equal(elsewhere.status, 200)
    await t.h.settings.set('auth.login.ip_limit', 30)
  })

  it('logs out: the token stops working and the page session ends', async () => {
    const { token } = await t.register('finn')
    const out = await t.request('POST', '/api/v1/users/logout', { token })
    assert.equal(out.status, 200)
    const after = await t.request('GET', '/api/v1/users/me', { token })
    assert.equal(after.status, 401)
    assert.equal((await body(after)).error.code, 'UNAUTHENTICATED')
    const a = t.agent('10.0.2.3')
    await a.loginViaForm('finn')
    assert.match(await a.text('/'), /Log out/)
    const res = await a.post('/logout', {})
    assert.equal(res.status, 303)
    const home = await a.text('/')
    assert.doesNotMatch(home, /Log out/)
    assert.match(home, /You are logged out\./)
  })

  it('sends guests to the login page and brings them back', async () => {
    const a = t.agent('10.0.2.4')
    const res = await a.get('/settings/account')
    assert.equal(res.status, 302)
    assert.equal(res.headers.get('location'), '/login?next=%2Fsettings%2Faccount')
    const login = await a.fetch('POST', '/login?next=%2Fsettings%2Faccount', { form: { login: 'dora', password: PASSWORD, _csrf: a.cookies.get('hearth_csrf') ?? '' } })
    assert.equal(login.headers.get('location'), '/settings/account')
    const evil = t.agent('10.0.2.5')
    await evil.get('/')
    const r = await evil.fetch('POST', '/login?next=//evil.example', { form: { login: 'dora', password: PASSWORD } })
    assert.equal(r.headers.get('location'), '/', 'never redirects off-site')
  })

  it('marks every cookie Secure behind https', async () => {
    const res = await t.request('GET', '/', { headers: { 'x-forwarded-proto': 'https' } })
    assert.match(res.headers.getSetCookie().join('\n'), /hearth_csrf=[^;]+;.*Secure/)
    const a = t.agent('10.0.2.9')
    await a.get('/')
    const login = await a.fetch('POST', '/login', { form: { login: 'dora', password: PASSWORD }, headers: { 'x-forwarded-proto': 'https' } })
    const cookies = login.headers.getSetCookie()
    assert.ok(cookies.length >= 2)
    for (const name of ['hearth_session', 'hearth_flash']) assert.match(cookies.find((c) => c.startsWith(`${name}=`))!, /Secure/, name)
    const plain = await t.agent('10.0.2.10').loginViaForm('dora')
    assert.doesNotMatch(plain.headers.getSetCookie().join('\n'), /Secure/, 'not over plain http')
  })
})

describe('CSRF protection', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    await t.register('gus')
  })
  after(() => t.close())

  it('refuses a form post without the token, or with a wrong one, and loses nothing', async () => {
    const a = t.agent('10.0.3.1')
    await a.get('/')
    const missing = await a.post('/register', { username: 'mallory', email: 'm@example.org', password: PASSWORD }, { csrf: false })
    assert.equal(missing.status, 403)
    assert.match(await missing.text(), /This form has expired or was not sent from Hearth/)
    const wrong = await a.post('/register', { username: 'mallory', email: 'm@example.org', password: PASSWORD, _csrf: 'x'.repeat(32) })
    assert.equal(wrong.status, 403)
    assert.equal(await t.h.users.findRow('mallory'), undefined)
    const noCookie = await t.request('POST', '/login', { body: 'login=gus&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    assert.equal(noCookie.status, 403)
  })

  it('requires the header on API calls made with the session cookie, not with a bearer token', async () => {
    const a = t.agent('10.0.3.2')
    await a.loginViaForm('gus')
    const noHeader = await a.fetch('PUT', '/api/v1/users/me/password', { json: { current_password: PASSWORD, new_password: 'another fine passphrase' }, csrf: false })
    assert.equal(noHeader.status, 403)
    assert.equal(((await noHeader.json()) as Envelope).error.code, 'CSRF_FAILED')
    const withHeader = await a.fetch('POST', '/api/v1/users/logout', { json: {} })
    assert.equal(withHeader.status, 200)
    const { token } = await t.register('hana')
    const bearer = await t.request('POST', '/api/v1/users/logout', { token })
    assert.equal(bearer.status, 200)
  })

  it('gives every new browser its own random token, and keeps a returning one’s', async () => {
    const tokens = new Set<string>()
    for (let i = 0; i < 300; i++) {
      const cookie = (await t.request('GET', '/')).headers.getSetCookie().find((c) => c.startsWith('hearth_csrf='))!
      tokens.add(/^hearth_csrf=([^;]+)/.exec(cookie)![1]!)
    }
    assert.equal(tokens.size, 300, 'no token given twice (the pool of random bytes is refilled, never reused)')
    for (const token of tokens) assert.match(token, /^[A-Za-z0-9_-]{32}$/)
    const back = await t.request('GET', '/', { headers: { cookie: `hearth_csrf=${[...tokens][0]}` } })
    assert.equal(back.headers.getSetCookie().filter((c) => c.startsWith('hearth_csrf=')).length, 0)
  })

  it('refuses requests from another origin', async () => {
    const a = t.agent('10.0.3.3')
    await a.get('/')
    const res = await a.fetch('POST', '/login', { form: { login: 'gus', password: PASSWORD }, headers: { origin: 'https://evil.example' } })
    assert.equal(res.status, 403)
  })
})

describe('two-factor authentication', () => {
  let t: TestApp
  before(async () => (t = await createTestApp()))
  after(() => t.close())

  it('turns on through the API, then requires a code at login, once per code', async () => {
    const { token } = await t.register('iris')
    const setup = await body(await t.request('POST', '/api/v1/users/me/2fa/setup', { token }))
    const secret: string = setup.data.secret
    assert.match(setup.data.otpauth_url, /^otpauth:\/\/totp\/Hearth:iris\?/)
    const noPassword = await body(await t.request('POST', '/api/v1/users/me/2fa/enable', { token, json: { code: currentTotpCode(secret) } }))
    assert.equal(noPassword.error.details.fields.password, 'Your password is not right.', 'a stolen token alone cannot turn 2FA on')
    const bad = await t.request('POST', '/api/v1/users/me/2fa/enable', { token, json: { code: '000000', password: PASSWORD } })
    assert.equal(bad.status, 400)
    const malformed = await body(await t.request('POST', '/api/v1/users/me/2fa/enable', { token, json: { code: '12ab' } }))
    assert.match(malformed.error.details.fields.code, /6-digit code/)
    const enabled = await body(await t.request('POST', '/api/v1/users/me/2fa/enable', { token, json: { code: currentTotpCode(secret), password: PASSWORD } }))
    assert.equal(enabled.data.recovery_codes.length, 10)

    const noCode = await t.request('POST', '/api/v1/users/login', { json: { login: 'iris', password: PASSWORD } })
    assert.equal(noCode.status, 401)
    assert.equal((await body(noCode)).error.code, 'TWO_FACTOR_REQUIRED')
    const wrongCode = await body(await t.request('POST', '/api/v1/users/login', { json: { login: 'iris', password: PASSWORD, totp_code: '123456' } }))
    assert.equal(wrongCode.error.code, 'UNAUTHENTICATED')
    const next = currentTotpCode(secret, Date.now() + 30_000)
    const good = await t.request('POST', '/api/v1/users/login', { json: { login: 'iris', password: PASSWORD, totp_code: next } })
    assert.equal(good.status, 200)
    const replay = await t.request('POST', '/api/v1/users/login', { json: { login: 'iris', password: PASSWORD, totp_code: next } })
    assert.equal(replay.status, 401, 'a used code does not work twice')

    const recovery: string = enabled.data.recovery_codes[0]
    const viaRecovery = await t.request('POST', '/api/v1/users/login', { json: { login: 'iris', password: PASSWORD, recovery_code: recovery.toUpperCase() } })
    assert.equal(viaRecovery.status, 200)
    const again = await t.request('POST', '/api/v1/users/login', { json: { login: 'iris', password: PASSWORD, recovery_code: recovery } })
    assert.equal(again.status, 401, 'a recovery code works once')
  })

  it('turns on and is used through the pages', async () => {
    const a = t.agent('10.0.4.1')
    await a.registerViaForm('jade')
    const start = await a.post('/settings/security/2fa/start', {})
    const html = await start.text()
    assert.match(html, /<svg/, 'a QR code is shown')
    const secret = html.match(/data-totp-secret="true">([A-Z2-7]+)</)![1]!
    const wrong = await a.post('/settings/security/2fa/confirm', { code: '000000', password: PASSWORD })
    assert.equal(wrong.status, 400)
    assert.match(await wrong.text(), /That code is not right/)
    const noPassword = await a.post('/settings/security/2fa/confirm', { code: currentTotpCode(secret) })
    assert.match(await noPassword.text(), /id="f-password-error">Your password is not right\./)
    const ok = await a.post('/settings/security/2fa/confirm', { code: currentTotpCode(secret), password: PASSWORD })
    const codes = [...(await ok.text()).matchAll(/<li>([a-z0-9]{5}-[a-z0-9]{5})<\/li>/g)].map((m) => m[1])
    assert.equal(codes.length, 10)
    assert.match(await a.text('/settings/security'), /You have 10 unused recovery codes/)
    await a.post('/logout', {})

    const b = t.agent('10.0.4.2')
    const step1 = await b.loginViaForm('jade')
    assert.equal(step1.status, 303)
    assert.equal(step1.headers.get('location'), '/login/2fa')
    assert.doesNotMatch(await b.text('/'), /Log out/, 'not logged in before the second factor')
    const badCode = await b.post('/login/2fa', { code: '111111' })
    assert.equal(badCode.status, 400)
    assert.match(await badCode.text(), /That code is not right/)
    const done = await b.post('/login/2fa', { code: currentTotpCode(secret, Date.now() + 30_000) })
    assert.equal(done.status, 303)
    assert.match(await b.text('/'), /Welcome home, jade/)

    const off = await b.post('/settings/security/2fa/disable', { password: PASSWORD, code: '' })
    assert.equal(off.status, 400)
    const off2 = await b.post('/settings/security/2fa/disable', { password: PASSWORD, recovery_code: codes[0]! })
    assert.equal(off2.status, 303)
    assert.match(await b.text('/settings/security'), /Set up two-factor/)
  })

  it('drops a login challenge after too many wrong codes', async () => {
    await t.h.settings.set('auth.two_factor.attempt_limit', 2)
    const { token } = await t.register('kai')
    const { data } = await body(await t.request('POST', '/api/v1/users/me/2fa/setup', { token }))
    await t.request('POST', '/api/v1/users/me/2fa/enable', { token, json: { code: currentTotpCode(data.secret), password: PASSWORD } })
    const a = t.agent('10.0.4.3')
    await a.loginViaForm('kai')
    assert.equal((await a.post('/login/2fa', { code: '111111' })).status, 400)
    const second = await a.post('/login/2fa', { code: '222222' })
    assert.equal(second.headers.get('location'), '/login')
    assert.match(await a.text('/login'), /Too many wrong codes/)
    const after = await a.get('/login/2fa')
    assert.equal(after.headers.get('location'), '/login', 'the challenge is gone')
  })
})

describe('suspension and password changes', () => {
  let t: TestApp
  before(async () => (t = await createTestApp()))
  after(() => t.close())

  it('logs a suspended member out everywhere and tells them why when they try again', async () => {
    const { id, token } = await t.register('lou')
    const a = t.agent('10.0.5.1')
    await a.loginViaForm('lou')
    await t.h.users.suspend(id, 'Spam in the forums', null)
    assert.equal((await t.request('GET', '/api/v1/users/me', { token })).status, 401)
    assert.doesNotMatch(await a.text('/'), /Log out/)
    const api = await t.request('POST', '/api/v1/users/login', { json: { login: 'lou', password: PASSWORD } })
    assert.equal(api.status, 403)
    const b = await body(api)
    assert.equal(b.error.code, 'ACCOUNT_SUSPENDED')
    assert.equal(b.error.message, 'Your account is suspended: Spam in the forums.')
    const page = await t.agent('10.0.5.2').loginViaForm('lou')
    assert.equal(page.status, 403)
    assert.match(await page.text(), /Your account is suspended: Spam in the forums\./)
    const wrongPw = await t.request('POST', '/api/v1/users/login', { json: { login: 'lou', password: 'wrong password' } })
    assert.equal((await body(wrongPw)).error.code, 'UNAUTHENTICATED', 'the reason is only shown with the right password')
    await t.h.users.unsuspend(id, null)
    assert.equal((await t.request('POST', '/api/v1/users/login', { json: { login: 'lou', password: PASSWORD } })).status, 200)
  })

  it('changes the password, ending other sessions but not this one', async () => {
    const { token: other } = await t.register('mia')
    const a = t.agent('10.0.5.3')
    await a.loginViaForm('mia')
    const wrong = await a.post('/settings/password', { current_password: 'not it at all', new_password: 'a brand new passphrase' })
    assert.equal(wrong.status, 400)
    assert.match(await wrong.text(), /Your current password is not right/)
    const weak = await a.post('/settings/password', { current_password: PASSWORD, new_password: 'short' })
    assert.match(await weak.text(), /at least 10 characters/)
    const ok = await a.post('/settings/password', { current_password: PASSWORD, new_password: 'a brand new passphrase' })
    assert.equal(ok.status, 303)
    assert.match(await a.text('/settings/account'), /Your password is changed/)
    assert.equal((await t.request('GET', '/api/v1/users/me', { token: other })).status, 401)
    assert.equal((await t.request('POST', '/api/v1/users/login', { json: { login: 'mia', password: 'a brand new passphrase' } })).status, 200)
  })

  it('creates the first admin once through the setup link', async () => {
    const token = await createSetupToken(t.h.settings)
    assert.equal((await t.request('GET', '/setup?token=wrong')).status, 404)
    const a = t.agent('10.0.5.4')
    assert.match(await a.text(`/setup?token=${token}`), /Create the first admin/)
    const bad = await a.post('/setup', { token, username: 'root', email: 'root@example.org', password: PASSWORD })
    assert.equal(bad.status, 400)
    assert.match(await bad.text(), /reserved/)
    const ok = await a.post('/setup', { token, username: 'chief', email: 'chief@example.org', password: PASSWORD })
    assert.equal(ok.headers.get('location'), '/admin')
    assert.match(await a.text('/admin'), /members/)
    assert.equal((await t.h.users.find('chief'))!.role, 'admin')
    assert.equal((await t.agent('10.0.5.5').get(`/setup?token=${token}`)).status, 404, 'the link works once')
  })
})

describe('hardening', () => {
  let t: TestApp
  before(async () => (t = await createTestApp()))
  after(() => t.close())

  it('holds the account limit against parallel guesses, and counts username and email together', async () => {
    await t.h.settings.set('auth.login.account_limit', 4)
    await t.register('target')
    const guesses = await Promise.all(
      Array.from({ length: 16 }, (_, i) => t.request('POST', '/api/v1/users/login', { json: { login: i % 2 ? 'target' : 'target@example.org', password: `guess number ${i}` }, headers: { 'x-forwarded-for': `10.90.0.${i}` } })),
    )
    const statuses = guesses.map((r) => r.status)
    assert.equal(statuses.filter((s) => s === 401).length, 4, `only 4 passwords were checked: ${statuses.join(',')}`)
    assert.equal(statuses.filter((s) => s === 429).length, 12)
  })

  it('holds the two-factor attempt limit against parallel codes on one challenge', async () => {
    await t.h.settings.set('auth.two_factor.attempt_limit', 3)
    await t.h.settings.set('auth.login.account_limit', 100)
    const { token } = await t.register('codes')
    const { data } = await body(await t.request('POST', '/api/v1/users/me/2fa/setup', { token }))
    await t.request('POST', '/api/v1/users/me/2fa/enable', { token, json: { code: currentTotpCode(data.secret), password: PASSWORD } })
    const a = t.agent('10.91.0.1')
    await a.loginViaForm('codes')
    const tries = await Promise.all(Array.from({ length: 12 }, (_, i) => a.post('/login/2fa', { code: String(100000 + i) })))
    const checked = tries.filter((r) => r.status === 400).length
    assert.ok(checked < 3, `at most limit - 1 codes answered "wrong", the rest ended the challenge: ${tries.map((r) => r.status).join(',')}`)
    assert.equal((await a.get('/login/2fa')).headers.get('location'), '/login')
  })

  it('groups IPv6 clients by /64 network for rate limits', async () => {
    const { clientKey } = await import('./rate-limit.js')
    assert.equal(clientKey('2001:db8:1:2:3:4:5:6'), clientKey('2001:0db8:0001:0002::9'))
    assert.notEqual(clientKey('2001:db8:1:2::1'), clientKey('2001:db8:1:3::1'))
    assert.equal(clientKey('::ffff:192.0.2.7'), '192.0.2.7')
    assert.equal(clientKey('192.0.2.7'), '192.0.2.7')
  })

  it('never redirects off the site, however `next` is disguised', async () => {
    const { safeNext } = await import('../http/middleware.js')
    for (const evil of ['//evil.example', '/\t/evil.example/', '/\\evil.example', '/\n/evil.example', 'https://evil.example', '/%2F%2Fevil', '\\\\evil']) {
      const out = safeNext(evil)
      assert.ok(out.startsWith('/') && !out.startsWith('//') && !new URL(out, 'http://x').host.includes('evil'), `${JSON.stringify(evil)} -> ${out}`)
    }
    assert.equal(safeNext('/settings/account?tab=1#x'), '/settings/account?tab=1#x')
    const a = t.agent('10.92.0.1')
    await a.registerViaForm('roamer')
    const res = await a.get('/login?next=/%09/evil.example/')
    assert.equal(res.headers.get('location'), '/')
  })

  it('refuses all-digit usernames, which would read as ids', async () => {
    const res = await t.request('POST', '/api/v1/users/register', { json: { username: '12345678', email: 'n@example.org', password: PASSWORD }, headers: { 'x-forwarded-for': '10.93.0.1' } })
    assert.match((await body(res)).error.details.fields.username, /at least one letter/)
  })

  it('limits password checks by a logged-in member', async () => {
    const { token } = await t.register('checker')
    let last: Response | undefined
    for (let i = 0; i < 11; i++) last = await t.request('PUT', '/api/v1/users/me/password', { token, json: { current_password: `wrong ${i}`, new_password: 'a whole new passphrase' } })
    assert.equal(last!.status, 429)
    assert.equal((await body(last!)).error.code, 'RATE_LIMITED')
  })

  it('keeps one active admin: suspended admins do not count, and parallel demotions cannot all pass', async () => {
    const make = (n: string) => t.h.users.create({ username: n, email: `${n}@example.org`, password: PASSWORD }, { role: 'admin', actorId: null })
    const [a, b] = [await make('admin_a'), await make('admin_b')]
    await t.h.users.suspend(b.id, 'on leave', a.id)
    await assert.rejects(t.h.users.setRole(a.id, 'member', a.id), /last active admin/)
    await t.h.users.unsuspend(b.id, a.id)
    const c = await make('admin_c')
    const results = await Promise.allSettled([a, b, c].map((x) => t.h.users.setRole(x.id, 'member', x.id)))
    assert.ok(results.some((r) => r.status === 'rejected'))
    const admins = await t.h.db.selectFrom('users').select('id').where('role', '=', 'admin').where('suspended_at', 'is', null).execute()
    assert.ok(admins.length >= 1, 'an active admin remains')
  })

  it('lets the setup link make exactly one admin, even when used in parallel', async () => {
    const fresh = await createTestApp()
    try {
      const token = await createSetupToken(fresh.h.settings)
      const agents = [1, 2, 3].map((i) => fresh.agent(`10.94.0.${i}`))
      for (const ag of agents) await ag.get('/')
      const results = await Promise.all(agents.map((ag, i) => ag.post('/setup', { token, username: `chief${i}`, email: `chief${i}@example.org`, password: PASSWORD })))
      assert.equal(results.filter((r) => r.status === 303).length, 1, results.map((r) => r.status).join(','))
      assert.equal((await fresh.h.users.list({ role: 'admin' })).items.length, 1)
    } finally {
      await fresh.close()
    }
  })
})

describe('two-factor at the start', () => {
  let t: TestApp
  before(async () => (t = await createTestApp()))
  after(() => t.close())

  /** A member with 2FA turned on with the code their app shows now; returns the secret. */
  async function withTwoFactor(username: string): Promise<string> {
    const { token } = await t.register(username)
    const { data } = await body(await t.request('POST', '/api/v1/users/me/2fa/setup', { token }))
    const on = await t.request('POST', '/api/v1/users/me/2fa/enable', { token, json: { code: currentTotpCode(data.secret), password: PASSWORD } })
    assert.equal(on.status, 200)
    return data.secret
  }

  it('accepts at the first sign-in the code the app showed at set-up', async () => {
    const secret = await withTwoFactor('lena')
    const a = t.agent('10.0.5.1')
    assert.equal((await a.loginViaForm('lena')).headers.get('location'), '/login/2fa')
    const done = await a.post('/login/2fa', { code: currentTotpCode(secret) })
    assert.equal(done.status, 303, 'the code still on the phone works')
    assert.match(await a.text('/'), /Welcome home, lena/)
  })

  it('accepts a code one step either side of the server clock, at the window boundary, and no further', async () => {
    const secret = await withTwoFactor('milo')
    const boundary = Math.ceil(Date.now() / 30_000) * 30_000 + 30_000 // the first instant of a step
    const step = boundary / 30_000
    assert.equal(checkTotp(secret, currentTotpCode(secret, boundary - 1), null, boundary), step - 1, 'the code of the step that just ended')
    assert.equal(checkTotp(secret, currentTotpCode(secret, boundary + 30_000), null, boundary + 29_999), step + 1, 'a phone a little ahead')
    assert.equal(checkTotp(secret, currentTotpCode(secret, boundary - 30_001), null, boundary), null, 'two steps back is refused')
    assert.equal(checkTotp(secret, currentTotpCode(secret, boundary - 1), step - 1, boundary), null, 'a spent step is refused')
  })

  it('counts only real failures: two sign-ins and three wrong codes do not lock the account', async () => {
    await t.h.settings.set('auth.login.account_limit', 5)
    const secret = await withTwoFactor('nora')
    const a = t.agent('10.0.5.2')
    await a.loginViaForm('nora')
    for (const code of ['111111', '222222']) assert.equal((await a.post('/login/2fa', { code })).status, 400)
    await a.loginViaForm('nora')
    assert.equal((await a.post('/login/2fa', { code: '333333' })).status, 400)
    const api = await t.request('POST', '/api/v1/users/login', { json: { login: 'nora', password: PASSWORD }, headers: { 'x-forwarded-for': '10.0.5.3' } })
    assert.equal((await body(api)).error.code, 'TWO_FACTOR_REQUIRED', 'the right password without a code is not a failure either')
    assert.equal((await a.loginViaForm('nora')).headers.get('location'), '/login/2fa', 'not locked')
    const done = await a.post('/login/2fa', { code: currentTotpCode(secret) })
    assert.equal(done.status, 303)
  })

  it('still locks after enough wrong codes', async () => {
    await t.h.settings.set('auth.login.account_limit', 3)
    await withTwoFactor('otto')
    const a = t.agent('10.0.5.4')
    await a.loginViaForm('otto')
    for (const code of ['111111', '222222', '333333']) await a.post('/login/2fa', { code })
    const locked = await a.loginViaForm('otto')
    assert.equal(locked.status, 429)
  })
})

describe('the first admin from the setup link', () => {
  it('is audited as made by the setup link, and the log says the "no admin yet" warning is settled', async () => {
    const logFile = join(tempDir(), 'hearth.log')
    const t = await createTestApp({ logFile })
    try {
      const token = await createSetupToken(t.h.settings)
      const a = t.agent('10.0.6.1')
      await a.get(`/setup?token=${token}`)
      const made = await a.post('/setup', { token, username: 'chief', email: 'chief@example.org', password: PASSWORD })
      assert.equal(made.headers.get('location'), '/admin')
      const audit = await a.text('/admin/audit')
      assert.match(audit, /<td>Setup link<\/td>\s*<td>\s*user\.create/)
      assert.doesNotMatch(audit, /<td>CLI<\/td>/)
      t.h.log.flush()
      let log = ''
      for (let i = 0; i < 50 && !log.includes('setup link'); i++) {
        await new Promise((r) => setTimeout(r, 20))
        log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''
      }
      assert.match(log, /An admin \(@chief\) was created through the setup link; the \\"no admin yet\\" warning no longer applies/)
    } finally {
      await t.close()
    }
  })
})
