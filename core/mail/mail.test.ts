// Email against a real SMTP server started in the test (smtp-server), its messages parsed as a mail program
// would (mailparser): confirmation at sign-up, forgotten passwords, changing the address, the test email, the
// "required" gate, and a server that is down (the job tries again). The boundary: no message leaves this machine.
import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestApp, PASSWORD, type TestApp } from '../../test/harness.js'
import { headerLine, linkIn, recipient as to, startSmtp, type ParsedMail } from '../../test/smtp.js'
import { SEND_JOB } from './service.js'
import { DIGEST_JOB } from './digests.js'

describe('email', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>
  let t: TestApp
  /** Run the queue and return the messages it sent. */
  const sent = async () => {
    const before = smtp.received.length
    await t.h.queue.drain()
    return smtp.received.slice(before)
  }

  before(async () => {
    smtp = await startSmtp()
    t = await createTestApp({ settings: { 'mail.host': '127.0.0.1', 'mail.port': smtp.port, 'mail.security': 'none', 'mail.from': 'hello@hearth.test', 'site.name': 'Lakeside' } })
  })
  after(async () => {
    await t.close()
    await smtp.close()
  })
  beforeEach(() => {
    smtp.state.refuse = null
  })

  it('emails a confirmation link at sign-up, in text and HTML from the site, and the link confirms the address once', async () => {
    const a = t.agent('10.9.0.1')
    assert.equal((await a.registerViaForm('ana')).status, 303)
    const [mail, ...more] = await sent()
    assert.equal(more.length, 0)
    assert.equal(to(mail!), 'ana@example.org')
    assert.equal(mail!.from?.value[0]?.address, 'hello@hearth.test')
    assert.equal(mail!.from?.value[0]?.name, 'Lakeside')
    assert.match(mail!.subject ?? '', /Confirm your email address for Lakeside/)
    const { token } = linkIn(mail!, '/email/confirm')
    assert.ok(String(mail!.html).includes(`/email/confirm?token=${token}`), 'the HTML version carries the same link')
    assert.match(await a.text('/settings/account'), /Not confirmed/)
    const res = await a.get(`/email/confirm?token=${token}`)
    assert.equal(res.status, 200)
    assert.match(await res.text(), /Your address is confirmed/)
    assert.match(await a.text('/settings/account'), /Confirmed/)
    assert.equal((await a.get(`/email/confirm?token=${token}`)).status, 400, 'a used link does nothing')
    const me = (await (await a.get('/api/v1/users/me')).json()) as { data: { email_verified: boolean } }
    assert.equal(me.data.email_verified, true)
  })

  it('resets a forgotten password by the emailed link: same answer for unknown accounts, one use, sessions ended, the member told', async () => {
    const bob = await t.register('bob')
    await sent()
    const guest = t.agent('10.9.0.2')
    assert.match(await guest.text('/login'), /href="\/password\/forgot"/)
    const unknown = await guest.post('/password/forgot', { login: 'nobody@example.org' })
    const known = await guest.post('/password/forgot', { login: 'BOB@example.org' })
    const [a, b] = [await unknown.text(), await known.text()]
    assert.equal(unknown.status, known.status)
    assert.match(a, /Check your email/)
    assert.match(b, /Check your email/)
    const mails = await sent()
    assert.deepEqual(mails.map(to), ['bob@example.org'], 'only the existing account gets a link')
    const { token } = linkIn(mails[0]!, '/password/reset')

    assert.equal((await guest.get('/password/reset?token=nonsense')).status, 400)
    assert.match(await guest.text(`/password/reset?token=${token}`), /Choose a new password/)
    const weak = await guest.post('/password/reset', { token, password: 'short' })
    assert.equal(weak.status, 400)
    assert.match(await weak.text(), /at least 10/i)
    const done = await guest.post('/password/reset', { token, password: 'a whole new passphrase' })
    assert.equal(done.status, 303)
    assert.equal(done.headers.get('location'), '/login')
    assert.equal((await t.request('GET', '/api/v1/users/me', { token: bob.token })).status, 401, 'every session ended')
    assert.equal((await guest.post('/password/reset', { token, password: 'yet another passphrase' })).status, 400, 'the link works once')
    assert.equal((await guest.loginViaForm('bob', 'a whole new passphrase')).status, 303)
    const notice = await sent()
    assert.deepEqual(notice.map((m) => m.subject), ['Your password on Lakeside was changed'])
    assert.equal((await t.h.users.findRow('bob'))!.email_verified_at !== null, true, 'reading the link proved the address')
  })

  it('limits reset requests per address, whether or not it exists, and says so', async () => {
    const guest = t.agent('10.9.0.3')
    for (let i = 0; i < 3; i++) assert.equal((await guest.post('/password/forgot', { login: 'ghost@example.org' })).status, 200)
    const limited = await guest.post('/password/forgot', { login: 'ghost@example.org' })
    assert.equal(limited.status, 429)
    assert.match(await limited.text(), /Too many|try again/i)
    const api = await t.request('POST', '/api/v1/users/password/forgot', { json: { login: '' } })
    assert.equal(api.status, 400)
    assert.equal(((await api.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED')
  })

  it('changes the address only through the link sent to the new one, tells the old one, and a password change cancels it', async () => {
    const cyd = await t.register('cyd')
    await sent()
    const wrong = await t.request('PUT', '/api/v1/users/me/email', { token: cyd.token, json: { email: 'cy@new.example', password: 'not it at all' } })
    assert.equal(wrong.status, 400)
    const taken = await t.request('PUT', '/api/v1/users/me/email', { token: cyd.token, json: { email: 'ANA@example.org', password: PASSWORD } })
    assert.equal(taken.status, 400)
    assert.match(JSON.stringify(await taken.json()), /Another account uses/)
    const asked = await t.request('PUT', '/api/v1/users/me/email', { token: cyd.token, json: { email: 'cy@new.example', password: PASSWORD } })
    assert.equal(asked.status, 200)
    const mails = await sent()
    assert.deepEqual(mails.map(to).sort(), ['cy@new.example', 'cyd@example.org'])
    assert.equal((await t.h.users.findRow('cyd'))!.email, 'cyd@example.org', 'nothing changes before the link is used')
    const { token } = linkIn(mails.find((m) => to(m) === 'cy@new.example')!, '/email/change')
    const page = await t.agent('10.9.0.4').get(`/email/change?token=${token}`)
    assert.match(await page.text(), /Use this address/)
    assert.equal((await t.h.users.findRow('cyd'))!.email, 'cyd@example.org', 'opening the link (a scanner) changes nothing')
    const ok = await t.request('POST', '/api/v1/users/email/change', { json: { token } })
    assert.equal(ok.status, 200)
    const row = (await t.h.users.findRow('cyd'))!
    assert.equal(row.email, 'cy@new.example')
    assert.ok(row.email_verified_at)

    // A second request, then the password changes: the pending link stops working.
    await t.request('PUT', '/api/v1/users/me/email', { token: cyd.token, json: { email: 'cy@third.example', password: PASSWORD } })
    const second = linkIn((await sent()).find((m) => to(m) === 'cy@third.example')!, '/email/change')
    await t.request('PUT', '/api/v1/users/me/password', { token: cyd.token, json: { current_password: PASSWORD, new_password: 'changed passphrase here' } })
    assert.equal((await t.request('POST', '/api/v1/users/email/change', { json: { token: second.token } })).status, 400)
    assert.equal((await t.h.users.findRow('cyd'))!.email, 'cy@new.example')
  })

  it('with confirmation required, an unconfirmed member can read but not write until they use the link', async () => {
    await t.h.settings.updateCore({ 'registration.email_confirmation': 'required' }, null)
    try {
      const dee = await t.register('dee')
      const [mail] = await sent()
      assert.equal((await t.request('GET', '/api/v1/feed/home', { token: dee.token })).status, 200)
      const refused = await t.request('POST', '/api/v1/posts', { token: dee.token, json: { text: 'hello' } })
      assert.equal(refused.status, 403)
      const body = (await refused.json()) as { error: { code: string; message: string } }
      assert.equal(body.error.code, 'EMAIL_UNCONFIRMED')
      assert.match(body.error.message, /dee@example.org/)
      assert.equal((await t.request('POST', '/api/v1/users/me/email/confirmation', { token: dee.token })).status, 200, 'asking for a new link is allowed')
      const [again] = await sent()
      const { token } = linkIn(mail!, '/email/confirm')
      assert.equal((await t.request('POST', '/api/v1/users/email/confirm', { json: { token } })).status, 400, 'a newer link replaced it')
      const latest = linkIn(again!, '/email/confirm')
      assert.equal((await t.request('POST', '/api/v1/users/email/confirm', { json: { token: latest.token } })).status, 200)
      assert.equal((await t.request('POST', '/api/v1/posts', { token: dee.token, json: { text: 'hello' } })).status, 201)
    } finally {
      await t.h.settings.updateCore({ 'registration.email_confirmation': 'ask' }, null)
    }
  })
  it('reminds an unconfirmed member on every page, with what waits for the link and a button for a new one, until they use it', async () => {
    const a = t.agent('10.9.0.6')
    await a.registerViaForm('fay')
    await sent()
    const home = await a.text('/')
    assert.match(home, /data-confirm-email/)
    assert.match(home, /use the link we sent to fay@example\.org/)
    assert.match(home, /It lets us help you if you forget your password/, 'asked, not required: nothing waits for it')
    assert.match(home, /action="\/email\/resend"/)
    assert.doesNotMatch(await a.text('/settings/account'), /data-confirm-email/, 'the account page says it itself')
    await t.h.settings.updateCore({ 'registration.email_confirmation': 'required' }, null)
    try {
      assert.match(await a.text('/explore'), /Until then you can look around, but not post, comment or send messages/)
      const resent = await a.post('/email/resend', {})
      assert.equal(resent.status, 303, 'the banner’s button works while writes wait')
      const [again] = await sent()
      assert.equal(to(again!), 'fay@example.org')
      assert.equal((await a.get(`/email/confirm?token=${linkIn(again!, '/email/confirm').token}`)).status, 200)
      assert.doesNotMatch(await a.text('/'), /data-confirm-email/, 'gone once confirmed')
    } finally {
      await t.h.settings.updateCore({ 'registration.email_confirmation': 'ask' }, null)
    }
    const b = t.agent('10.9.0.7')
    await t.h.settings.updateCore({ 'registration.email_confirmation': 'off' }, null)
    try {
      await b.registerViaForm('gil')
      assert.doesNotMatch(await b.text('/'), /data-confirm-email/, 'no link is sent, so no reminder')
    } finally {
      await t.h.settings.updateCore({ 'registration.email_confirmation': 'ask' }, null)
    }
  })

  it('sends the operator’s test email now and reports a refusal; a refused recipient is not retried', async () => {
    const admin = await t.h.users.create({ username: 'opsadmin', email: 'opsadmin@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
    const login = (await (await t.request('POST', '/api/v1/users/login', { json: { login: 'opsadmin', password: PASSWORD } })).json()) as { data: { token: string } }
    const res = await t.request('POST', '/api/v1/admin/mail/test', { token: login.data.token, json: { to: 'ops@example.org' } })
    assert.equal(res.status, 200)
    assert.equal(to(smtp.received.at(-1)!), 'ops@example.org')
    assert.equal(admin.username, 'opsadmin')
    const member = await t.register('eve')
    await sent()
    assert.equal((await t.request('POST', '/api/v1/admin/mail/test', { token: member.token, json: { to: 'ops@example.org' } })).status, 403)
    smtp.state.refuse = 'ops@example.org'
    const refused = await t.request('POST', '/api/v1/admin/mail/test', { token: login.data.token, json: { to: 'ops@example.org' } })
    assert.equal(refused.status, 503)
    assert.match(JSON.stringify(await refused.json()), /No such mailbox/)

    smtp.state.refuse = 'eve@example.org'
    await t.request('POST', '/api/v1/users/me/email/confirmation', { token: member.token })
    await t.h.queue.drain()
    const job = await t.h.db.selectFrom('jobs').selectAll().where('kind', '=', SEND_JOB).orderBy('id', 'desc').executeTakeFirstOrThrow()
    assert.deepEqual([job.status, job.attempts], ['failed', 1])
  })

  /** A member with a confirmed address, registered from a Firefox on Linux. */
  const confirmedMember = async (name: string) => {
    const a = t.agent('10.9.1.1')
    await a.get('/')
    await a.fetch('POST', '/register', { form: { username: name, email: `${name}@example.org`, password: PASSWORD }, headers: { 'user-agent': FIREFOX } })
    const [mail] = await sent()
    assert.equal((await t.request('POST', '/api/v1/users/email/confirm', { json: { token: linkIn(mail!, '/email/confirm').token } })).status, 200)
    return (await t.h.users.findRow(name))!
  }
  const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0'
  const CHROME_ANDROID = 'Mozilla/5.0 (Linux; Android 15) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0 Mobile Safari/537.36'
  const loginFrom = async (name: string, ua: string, ip: string) => {
    const a = t.agent(ip)
    await a.get('/')
    return a.fetch('POST', '/login', { form: { login: name, password: PASSWORD }, headers: { 'user-agent': ua } })
  }

  it('alerts a member to a login from a new device only, with a one-click unsubscribe that needs no session', async () => {
    await confirmedMember('gus')
    assert.equal((await loginFrom('gus', FIREFOX, '10.9.1.2')).status, 303)
    assert.deepEqual(await sent(), [], 'the device they signed up on is known')
    assert.equal((await loginFrom('gus', CHROME_ANDROID, '10.9.1.3')).status, 303)
    const [alert, ...more] = await sent()
    assert.equal(more.length, 0)
    assert.equal(alert!.subject, 'New login to your account on Lakeside')
    assert.match(alert!.text ?? '', /Chrome on Android, from the address 10\.9\.1\.3/)
    const header = headerLine(alert!, 'list-unsubscribe')
    const url = header.match(/<(https?:\/\/[^>]+)>/)![1]!
    assert.equal(headerLine(alert!, 'list-unsubscribe-post'), 'List-Unsubscribe=One-Click')
    assert.equal((await loginFrom('gus', CHROME_ANDROID, '10.9.1.4')).status, 303)
    assert.deepEqual(await sent(), [], 'a device seen before does not alert again')

    const path = new URL(url).pathname + new URL(url).search
    const forged = path.replace(/s=[^&]+/, 's=' + 'A'.repeat(43))
    assert.equal((await t.request('POST', forged, { body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status, 400)
    const oneClick = await t.request('POST', path, { body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    assert.equal(oneClick.status, 204, 'a mail program’s one-click POST, with no session and no CSRF token')
    const me = await t.h.users.findRow('gus')
    assert.equal((await t.h.emails.get(me!.id)).login_alerts, false)
    assert.equal((await loginFrom('gus', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15', '10.9.1.5')).status, 303)
    assert.deepEqual(await sent(), [], 'no alert once unsubscribed')
  })

  it('emails a digest of unread notifications when it is due, as the member may see them now, and not again until the next one', async () => {
    const hal = await confirmedMember('hal')
    const ivy = await t.register('ivy')
    const jon = await t.register('jon')
    await sent()
    const halToken = ((await (await t.request('POST', '/api/v1/users/login', { json: { login: 'hal', password: PASSWORD } })).json()) as { data: { token: string } }).data.token
    await sent()
    assert.equal((await t.request('POST', '/api/v1/users/hal/follow', { token: ivy.token })).status, 200)
    assert.equal((await t.request('POST', '/api/v1/users/hal/follow', { token: jon.token })).status, 200)
    assert.equal((await t.request('POST', '/api/v1/users/jon/block', { token: halToken })).status, 200)
    const origin = 'https://lakeside.example'
    assert.equal(await t.h.emails.queueDueDigests(origin), 0, 'a week has not passed since hal joined')
    await t.h.db.updateTable('users').set({ created_at: new Date(Date.now() - 8 * 86_400_000).toISOString() as never }).where('id', '=', hal.id).execute()
    await t.h.db.updateTable('notifications').set({ created_at: new Date(Date.now() - 2 * 86_400_000).toISOString() as never }).where('user_id', '=', hal.id).execute()
    assert.equal(await t.h.emails.queueDueDigests(origin), 1)
    const [digest, ...more] = await sent()
    assert.equal(more.length, 0)
    assert.equal(to(digest!), 'hal@example.org')
    assert.equal(digest!.subject, '1 new notification on Lakeside')
    assert.match(digest!.text ?? '', /ivy/)
    assert.doesNotMatch(digest!.text ?? '', /jon/, 'a blocked member is not in it')
    assert.match(digest!.text ?? '', /https:\/\/lakeside\.example\/notifications/)
    assert.match(headerLine(digest!, 'list-unsubscribe'), /^<https:\/\/lakeside\.example\/email\/unsubscribe\?u=\d+&k=digest&s=/)
    assert.equal(await t.h.emails.queueDueDigests(origin), 0, 'not again within the week')

    // Daily: due a day after the last one, and only for what came since.
    await t.request('PUT', '/api/v1/users/me/email-preferences', { token: halToken, json: { digest: 'daily' } })
    const kim = await t.register('kim')
    await sent()
    await t.request('POST', '/api/v1/users/hal/follow', { token: kim.token })
    await t.h.db.updateTable('user_preferences').set({ value: JSON.stringify(new Date(Date.now() - 25 * 3_600_000).toISOString()) }).where('user_id', '=', hal.id).where('key', '=', 'email.digest_sent_at').execute()
    assert.equal(await t.h.emails.queueDueDigests(origin), 1)
    const [daily] = await sent()
    assert.match(daily!.text ?? '', /kim/)
    assert.doesNotMatch(daily!.text ?? '', /ivy/, 'what the last digest listed is not repeated')
    const bad = await t.request('PUT', '/api/v1/users/me/email-preferences', { token: halToken, json: { digest: 'hourly' } })
    assert.equal(bad.status, 400)
    assert.equal((await t.h.db.selectFrom('jobs').select('status').where('kind', '=', DIGEST_JOB).orderBy('id', 'desc').executeTakeFirstOrThrow()).status, 'done')
  })

  it('lets a member choose their emails on Settings → Email, without JavaScript', async () => {
    const a = t.agent('10.9.2.1')
    await a.registerViaForm('lou')
    await sent()
    const page = await a.text('/settings/emails')
    assert.match(page, /<input type="radio" name="digest" value="weekly" checked/)
    assert.match(page, /name="login_alerts" value="on" checked/)
    const saved = await a.post('/settings/emails', { digest: 'daily' })
    assert.equal(saved.status, 303)
    const id = (await t.h.users.findRow('lou'))!.id
    assert.deepEqual(await t.h.emails.get(id), { digest: 'daily', login_alerts: false, announcements: false })
    const bad = await a.post('/settings/emails', { digest: 'hourly', login_alerts: 'on' })
    assert.equal(bad.status, 400)
    assert.match(await bad.text(), /Choose one of off, daily, weekly/)
    assert.deepEqual(await t.h.emails.get(id), { digest: 'daily', login_alerts: false, announcements: false }, 'nothing of a refused form is saved')
  })

  it('keeps an email in the queue while the server is down and sends it when it is back', async () => {
    const fin = await t.register('fin')
    await sent()
    await smtp.close()
    await t.request('POST', '/api/v1/users/me/email/confirmation', { token: fin.token })
    await t.h.queue.drain()
    const job = await t.h.db.selectFrom('jobs').selectAll().where('kind', '=', SEND_JOB).orderBy('id', 'desc').executeTakeFirstOrThrow()
    assert.equal(job.status, 'pending', 'a connection refused is tried again later')
    assert.equal(job.attempts, 1)
    assert.match(job.last_error ?? '', /ECONNREFUSED/)
    // The server is back (on another port, which the operator sets); the retry is made due now instead of after its backoff.
    smtp = await startSmtp()
    await t.h.settings.updateCore({ 'mail.port': smtp.port }, null)
    await t.h.db.updateTable('jobs').set({ run_at: new Date(0).toISOString() }).where('id', '=', job.id).execute()
    const mails = await sent()
    assert.deepEqual(mails.map(to), ['fin@example.org'])
    assert.equal((await t.h.db.selectFrom('jobs').select('status').where('id', '=', job.id).executeTakeFirstOrThrow()).status, 'done')
  })
})
