// Announcements and re-engagement rules against a real SMTP server (smtp-server, parsed by mailparser) and a push
// service in the test whose pushes are decrypted with the browser's own keys (RFC 8291). The boundary: no message
// leaves this machine, and no browser shows the push.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { headerLine, recipient as to, startSmtp, type ParsedMail } from '../../test/smtp.js'
import { browserKeys, decrypt, startPushService } from '../../test/push.js'
import { reachServices } from './module.js'

type Json = { data: any; error?: { code: string; message: string; details?: any } }

describe('announcements and re-engagement', () => {
  let t: TestApp
  let smtp: Awaited<ReturnType<typeof startSmtp>>
  let pushService: Awaited<ReturnType<typeof startPushService>>
  let admin: { id: number; token: string }
  const drain = async () => {
    const mails = smtp.received.length
    const pushes = pushService.received.length
    await t.h.queue.drain()
    return { mails: smtp.received.slice(mails), pushes: pushService.received.slice(pushes) }
  }
  const api = async (method: string, path: string, token: string, json?: unknown) => {
    const res = await t.request(method, path, { token, json })
    return { status: res.status, body: (await res.json()) as Json }
  }
  const subscribe = async (token: string, path: string) => {
    const keys = browserKeys()
    const res = await t.request('POST', '/api/v1/push/subscriptions', { token, json: { endpoint: `${pushService.base}${path}`, keys: keys.json } })
    assert.equal(res.status, 201)
    return keys
  }

  before(async () => {
    smtp = await startSmtp()
    pushService = await startPushService()
    t = await createTestApp({
      settings: { 'mail.host': '127.0.0.1', 'mail.port': smtp.port, 'mail.security': 'none', 'mail.from': 'team@lakeside.test', 'site.name': 'Lakeside', 'push.services': '127.0.0.1', 'registration.email_confirmation': 'off' },
    })
    admin = await t.register('boss')
    await t.h.users.setRole(admin.id, 'admin', null)
    await drain()
  })
  after(async () => {
    await t.close()
    await smtp.close()
    await pushService.close()
  })

  it('counts the audience before sending: everyone, active in N days, a role, creators; never a suspended account', async () => {
    const ana = await t.register('ana')
    const bo = await t.register('bob')
    const cy = await t.register('cyd')
    await t.h.users.setRole(bo.id, 'moderator', null)
    await t.h.db.updateTable('users').set({ account_type: 'creator' }).where('id', '=', cy.id).execute()
    await t.h.db.deleteFrom('member_days').execute()
    await t.h.db.insertInto('member_days').values({ day: new Date().toISOString().slice(0, 10), user_id: ana.id }).execute()
    const preview = async (audience: unknown) => (await api('POST', '/api/v1/admin/announcements/preview', admin.token, { title: 'Hi', body: 'Hello', channels: ['banner'], audience })).body.data.count
    assert.equal(await preview({ kind: 'everyone' }), 4)
    assert.equal(await preview({ kind: 'active', days: 7 }), 1)
    assert.equal(await preview({ kind: 'role', role: 'moderator' }), 1)
    assert.equal(await preview({ kind: 'role', role: 'staff' }), 2)
    assert.equal(await preview({ kind: 'creators' }), 1)
    await t.h.users.suspend(cy.id, 'spam', null)
    assert.equal(await preview({ kind: 'everyone' }), 3, 'a suspended member is left out')
    await t.h.users.unsuspend(cy.id, null)

    const bad = await api('POST', '/api/v1/admin/announcements/preview', admin.token, { title: 'Hi', body: 'Hello', channels: [], audience: { kind: 'role', role: 'x' } })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error?.code, 'VALIDATION_FAILED')
    assert.match(bad.body.error!.details.fields.channels, /at least one channel/)
    const role = await api('POST', '/api/v1/admin/announcements/preview', admin.token, { title: 'Hi', body: 'Hello', channels: ['banner'], audience: { kind: 'role', role: 'nobody-has-this' } })
    assert.equal(role.status, 400)
    assert.match(role.body.error!.message, /no role “nobody-has-this”/)
    assert.equal((await api('POST', '/api/v1/admin/announcements/preview', ana.token, { title: 'Hi' })).status, 403, 'a member may not')
  })

  it('sends on every channel in batches, each member once, with progress in the API; email and push respect the member’s choices', async () => {
    const { announcements } = reachServices(t.h)
    const ana = (await t.h.users.findRow('ana'))!
    const bo = (await t.h.users.findRow('bob'))!
    const anaToken = (await t.register('ana_two')).token // a fifth member who has push on
    const keys = await subscribe(anaToken, '/push/ana_two')
    await subscribe((await t.register('cyd_push')).token, '/push/cyd_push')
    // bo unsubscribed from announcement emails; cyd_push turned announcements off in their notification settings.
    await t.h.emails.set(bo.id, { announcements: false })
    const cyPush = (await t.h.users.findRow('cyd_push'))!
    await t.h.notifications.setPreferences(cyPush.id, { announcement: false })
    await drain()

    const body = 'We move to a **new server** on Sunday. Read [the notes](https://lakeside.example/notes).\n\n<script>alert(1)</script>'
    const sent = await api('POST', '/api/v1/admin/announcements', admin.token, { title: 'Maintenance on Sunday', body, channels: ['banner', 'notification', 'email', 'push'], audience: { kind: 'everyone' } })
    assert.equal(sent.status, 201)
    const id = sent.body.data.id as number
    assert.equal(sent.body.data.total, 6)
    assert.equal(sent.body.data.status, 'sending')

    // One batch of two by hand, as the job does it: the progress shows, and what is left goes out once.
    await announcements.runBatch(id, 2)
    const mid = await api('GET', `/api/v1/admin/announcements/${id}`, admin.token)
    assert.equal(mid.body.data.reached, 2)
    assert.equal(mid.body.data.status, 'sending')
    const { mails, pushes } = await drain()
    const done = await api('GET', `/api/v1/admin/announcements/${id}`, admin.token)
    assert.equal(done.body.data.status, 'sent')
    assert.equal(done.body.data.reached, 6)
    const recipients = await t.h.db.selectFrom('announcement_recipients').select('user_id').where('announcement_id', '=', id).execute()
    assert.equal(recipients.length, 6, 'one row per member')

    const addresses = mails.map(to).sort()
    assert.deepEqual(addresses, ['ana@example.org', 'ana_two@example.org', 'boss@example.org', 'cyd@example.org', 'cyd_push@example.org'], 'everyone but bo, who unsubscribed, once each')
    const mail = mails.find((m) => to(m) === 'ana@example.org')!
    assert.equal(mail.subject, 'Maintenance on Sunday')
    assert.match(mail.text ?? '', /We move to a new server on Sunday\. Read the notes \(https:\/\/lakeside\.example\/notes\)\./)
    assert.ok(!String(mail.html).includes('<script>'), 'the HTML version escapes what the operator typed')
    const unsubscribe = headerLine(mail, 'list-unsubscribe').replace(/^<|>$/g, '')
    assert.match(unsubscribe, /\/email\/unsubscribe\?u=\d+&k=announcements&s=/)
    assert.equal(headerLine(mail, 'list-unsubscribe-post'), 'List-Unsubscribe=One-Click')
    const one = await t.request('POST', new URL(unsubscribe).pathname + new URL(unsubscribe).search, { body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    assert.ok(one.status < 400, `one-click unsubscribe answered ${one.status}`)
    assert.equal((await t.h.emails.get(ana.id)).announcements, false)

    assert.deepEqual(pushes.map((p) => p.path), ['/push/ana_two'], 'a push only where push is on and announcements are not turned off')
    const payload = JSON.parse(decrypt(pushes[0]!.body, keys)) as Record<string, unknown>
    assert.equal(payload.title, 'Lakeside: Maintenance on Sunday')
    assert.match(String(payload.body), /We move to a new server on Sunday/)
    assert.equal(payload.url, `/announcements/${id}`)
    assert.equal(payload.unread, 1, 'the badge counts the announcement’s own notification')

    // The in-app notification, for those who keep the type on.
    const list = await api('GET', '/api/v1/notifications', anaToken)
    assert.ok(list.body.data.some((n: { text: string }) => n.text === 'Announcement: Maintenance on Sunday'))
  })

  it('shows the banner on every page until the member dismisses it, rendered safely; nobody else sees it', async () => {
    const a = t.agent('10.7.0.1')
    await a.loginViaForm('ana_two')
    const home = await a.text('/')
    assert.match(home, /data-banner="\d+"/)
    assert.match(home, /<strong>new server<\/strong>/)
    assert.match(home, /<a href="https:\/\/lakeside\.example\/notes" rel="nofollow noopener" target="_blank">the notes<\/a>/)
    assert.ok(!home.includes('<script>alert(1)</script>'))
    assert.match(home, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/)
    const id = Number(/data-banner="(\d+)"/.exec(home)![1])
    const page = await a.get(`/announcements/${id}`)
    assert.equal(page.status, 200)
    const dismissed = await a.post(`/announcements/${id}/dismiss`, { next: '/explore' })
    assert.equal(dismissed.status, 303)
    assert.equal(dismissed.headers.get('location'), '/explore')
    assert.doesNotMatch(await a.text('/'), /data-banner=/)

    // A member who joined after it was sent never got it: no banner, and its page is missing to them.
    const late = await t.register('latecomer')
    assert.equal((await api('GET', `/api/v1/announcements/${id}`, late.token)).status, 404)
    assert.equal((await api('POST', `/api/v1/announcements/${id}/dismiss`, late.token)).status, 404)
    assert.equal((await api('GET', '/api/v1/announcements', late.token)).body.data.length, 0)
  })

  it('sends from the console without JavaScript: preview with the count, send, progress, take the banner down', async () => {
    const a = t.agent('10.7.0.2')
    await a.loginViaForm('boss')
    const form = { title: 'Welcome, moderators', body: 'Read the *new* guide.', 'channel.banner': 'on', audience: 'role', role: 'moderator', days: '30' }
    const preview = await a.post('/admin/announcements', { ...form, intent: 'preview' })
    assert.equal(preview.status, 200)
    const html = await preview.text()
    assert.match(html, /data-count="1"/)
    assert.match(html, /Read the <em>new<\/em> guide\./)
    const sent = await a.post('/admin/announcements', { ...form, intent: 'send' })
    assert.equal(sent.status, 303)
    await drain()
    const list = await a.text('/admin/announcements')
    assert.match(list, /Welcome, moderators/)
    assert.match(list, /Sent: 1 of 1/)
    const id = Number(/data-announcement="(\d+)"/.exec(list)![1])
    const bo = t.agent('10.7.0.3')
    await bo.loginViaForm('bob')
    assert.match(await bo.text('/'), new RegExp(`data-banner="${id}"`))
    assert.equal((await a.post(`/admin/announcements/${id}/cancel`, {})).status, 303)
    assert.doesNotMatch(await bo.text('/'), new RegExp(`data-banner="${id}"`), 'the banner is down for everyone')

    const none = await a.post('/admin/announcements', { title: 'x', body: 'y', audience: 'everyone', intent: 'send' })
    assert.equal(none.status, 400)
    assert.match(await none.text(), /Choose at least one channel/)
  })

  it('reaches verified members only: counted by the preview (API and console), delivered to exactly them', async () => {
    // Fresh members: the earlier tests' members stay unverified, so the audience is exactly these two.
    const vera = await t.register('vera')
    const vic = await t.register('vic')
    const gone = await t.register('vern')
    await t.register('unverified_una')
    for (const m of [vera, vic, gone]) await t.h.verification.grant(m.id, admin.id)
    await t.h.users.suspend(gone.id, 'spam', null)
    const message = { title: 'For verified members', body: 'Your badge, your rules.', channels: ['banner', 'notification'], audience: { kind: 'verified' } }
    const preview = await api('POST', '/api/v1/admin/announcements/preview', admin.token, message)
    assert.equal(preview.status, 200)
    assert.equal(preview.body.data.count, 2, 'the verified ones, not the suspended one')
    assert.equal(preview.body.data.audience, 'Verified members')

    const a = t.agent('10.7.0.9')
    await a.loginViaForm('boss')
    const html = await (await a.post('/admin/announcements', { title: message.title, body: message.body, 'channel.banner': 'on', audience: 'verified', days: '30', intent: 'preview' })).text()
    assert.match(html, /data-count="2"/)
    assert.match(html, /value="verified" checked/)

    const sent = await api('POST', '/api/v1/admin/announcements', admin.token, message)
    assert.equal(sent.status, 201)
    assert.equal(sent.body.data.total, 2)
    assert.deepEqual(sent.body.data.audience, { kind: 'verified' })
    // Revoked after it was written but before its batch ran: they are no longer in it.
    await t.h.verification.revoke(vic.id, admin.id)
    await drain()
    const id = sent.body.data.id as number
    const recipients = await t.h.db.selectFrom('announcement_recipients').select('user_id').where('announcement_id', '=', id).execute()
    assert.deepEqual(recipients.map((r) => r.user_id), [vera.id])
    const done = await api('GET', `/api/v1/admin/announcements/${id}`, admin.token)
    assert.equal(done.body.data.status, 'sent')
    assert.equal(done.body.data.reached, 1)
    const notes = await t.h.db.selectFrom('notifications').select('user_id').where('type', '=', 'announcement').where('user_id', 'in', [vera.id, vic.id, gone.id]).execute()
    assert.deepEqual(notes.map((n) => n.user_id), [vera.id], 'the notification went to the verified member alone')
  })

  it('reaches members away for N days once per period by rule, logged, by email or push as their choices allow', async () => {
    const { reengage } = reachServices(t.h)
    const away = await t.register('away')
    const pusher = await t.register('away_push')
    const keys = await subscribe(pusher.token, '/push/away')
    const longAgo = new Date(Date.now() - 40 * 86_400_000).toISOString()
    await t.h.db.deleteFrom('member_days').execute()
    // Everyone else was seen today; these two joined 40 days ago and have not been back (time moved, not waited).
    const everyone = await t.h.db.selectFrom('users').select('id').execute()
    const today = new Date().toISOString().slice(0, 10)
    for (const u of everyone) if (u.id !== away.id && u.id !== pusher.id) await t.h.db.insertInto('member_days').values({ day: today, user_id: u.id }).execute()
    await t.h.db.updateTable('users').set({ created_at: longAgo } as never).where('id', 'in', [away.id, pusher.id]).execute()
    await t.h.emails.set(pusher.id, { announcements: false })
    await drain()

    const bad = await api('POST', '/api/v1/admin/reengagement', admin.token, { name: 'x', inactive_days: 0, action: 'email' })
    assert.equal(bad.status, 400)
    assert.ok(bad.body.error!.details.fields.inactive_days)
    const noMessage = await api('POST', '/api/v1/admin/reengagement', admin.token, { name: 'x', inactive_days: 30, action: 'push' })
    assert.match(noMessage.body.error!.details.fields.message, /Write the message/)

    const email = await api('POST', '/api/v1/admin/reengagement', admin.token, { name: 'We miss you', inactive_days: 30, action: 'email', message: 'A lot happened at [Lakeside](/explore).', period_days: 14 })
    assert.equal(email.status, 201)
    const push = await api('POST', '/api/v1/admin/reengagement', admin.token, { name: 'Nudge', inactive_days: 30, action: 'push', message: 'Come and see' })
    assert.equal((await api('GET', `/api/v1/admin/reengagement/${email.body.data.id}`, admin.token)).body.data.would_reach, 2)

    assert.equal(await reengage.run(), 4, 'two rules, two members each')
    const { mails, pushes } = await drain()
    assert.deepEqual(mails.map(to), ['away@example.org'], 'away_push unsubscribed from these emails')
    assert.match(mails[0]!.subject ?? '', /We miss you · Lakeside/)
    assert.match(mails[0]!.text ?? '', /A lot happened at Lakeside \(\/explore\)/)
    assert.deepEqual(pushes.map((p) => p.path), ['/push/away'])
    assert.equal(JSON.parse(decrypt(pushes[0]!.body, keys)).body, 'Come and see')

    const log = await api('GET', `/api/v1/admin/reengagement/${email.body.data.id}/log`, admin.token)
    assert.deepEqual(log.body.data.map((l: { username: string; outcome: string }) => `${l.username}:${l.outcome}`).sort(), ['away:sent', 'away_push:skipped'])

    assert.equal(await reengage.run(), 0, 'once per rule per period')
    await t.h.db.updateTable('reengage_log').set({ sent_at: new Date(Date.now() - 15 * 86_400_000).toISOString() }).where('rule_id', '=', email.body.data.id).execute()
    assert.equal(await reengage.run(), 2, 'the email rule’s 14-day period passed; the push rule’s (30 days, the default) has not')
    await drain()
    await t.h.db.insertInto('member_days').values({ day: today, user_id: away.id }).execute()
    await t.h.db.updateTable('reengage_log').set({ sent_at: new Date(Date.now() - 15 * 86_400_000).toISOString() }).where('rule_id', '=', email.body.data.id).execute()
    assert.equal(await reengage.run(), 1, 'a member who came back is not away any more')
    await drain()

    const page = await (await t.request('GET', '/admin/reengagement', { token: admin.token })).text()
    assert.match(page, /We miss you/)
    assert.equal((await api('DELETE', `/api/v1/admin/reengagement/${push.body.data.id}`, admin.token)).status, 200)
  })
})
