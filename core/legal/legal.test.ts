// Rules and legal pages: versions published by the operator, rendered safely at public URLs and in the footer,
// accepted at sign-up and again on the next visit after a change, and the rules' reminder before posting or reporting.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestApp, PASSWORD, type TestApp } from '../../test/harness.js'

describe('rules and legal pages', () => {
  let t: TestApp
  let admin: { id: number; token: string }
  const publish = async (kind: string, json: Record<string, unknown>) => {
    const res = await t.request('POST', `/api/v1/admin/legal/${kind}`, { token: admin.token, json })
    return { status: res.status, body: (await res.json()) as { data: any; error?: any } }
  }

  before(async () => {
    t = await createTestApp({ settings: { 'site.rules': 'Be kind\nNo spam' } })
    admin = await t.register('boss')
    await t.h.users.setRole(admin.id, 'admin', null)
  })
  after(() => t.close())

  it('shows the older one-line-a-rule setting at /rules until the operator writes rules, and nothing at unwritten pages', async () => {
    const res = await t.request('GET', '/rules')
    assert.equal(res.status, 200)
    assert.match(await res.text(), /<li>Be kind<\/li><li>No spam<\/li>/)
    assert.equal((await t.request('GET', '/terms')).status, 404)
    assert.equal((await t.request('GET', '/api/v1/legal/terms')).status, 404)
    assert.equal((await t.request('GET', '/api/v1/legal/nonsense')).status, 404)
  })

  it('publishes versions rendered safely (HTML escaped, only safe links), with history, in the footer', async () => {
    const bad = await publish('terms', { body: '   ' })
    assert.equal(bad.status, 400)
    assert.equal(bad.body.error.details.fields.body, 'Write the document.')
    const v1 = await publish('terms', { body: '# Terms\nUse it **well**. See [privacy](/privacy) and [this](javascript:alert(1)).\n\n<img src=x onerror=alert(1)>', note: 'First version' })
    assert.equal(v1.status, 201)
    assert.equal(v1.body.data.version, 1)
    const page = await (await t.request('GET', '/terms')).text()
    assert.match(page, /<h2>Terms<\/h2>/)
    assert.match(page, /Use it <strong>well<\/strong>\. See <a href="\/privacy">privacy<\/a> and \[this\]\(javascript:alert\(1\)\)\./)
    assert.match(page, /&lt;img src=x onerror=alert\(1\)&gt;/)
    assert.ok(!page.includes('<img src=x'))
    assert.match(page, /<nav class="legal-links" aria-label="Rules and legal"><a href="\/terms">Terms of service<\/a><\/nav>/)
    const v2 = await publish('terms', { body: 'Use it well, version two.', note: 'Shorter', requires_acceptance: false })
    assert.equal(v2.body.data.version, 2)
    const now = await (await t.request('GET', '/terms')).text()
    assert.match(now, /version two/)
    assert.match(now, /href="\/terms\?version=1"/)
    assert.match(await (await t.request('GET', '/terms?version=1')).text(), /Use it <strong>well<\/strong>/)
    assert.equal((await t.request('GET', '/terms?version=9')).status, 404)
    assert.equal((await t.request('GET', '/terms?version=x')).status, 404)
    const audit = await t.h.db.selectFrom('audit_log').select('action').where('action', '=', 'legal.publish').execute()
    assert.equal(audit.length, 2)
  })

  it('asks for acceptance at sign-up with a checkbox, and records it', async () => {
    await publish('privacy', { body: 'We keep little.' })
    const a = t.agent('10.8.0.1')
    const form = await a.text('/register')
    assert.match(form, /name="accept_terms"/)
    assert.match(form, /<a href="\/terms" target="_blank">terms of service<\/a> and the <a href="\/privacy" target="_blank">privacy policy<\/a>/)
    const refused = await a.post('/register', { username: 'newbie', email: 'newbie@example.org', password: PASSWORD })
    assert.equal(refused.status, 400)
    assert.match(await refused.text(), /Accept the terms and the community rules to join/)
    const ok = await a.post('/register', { username: 'newbie', email: 'newbie@example.org', password: PASSWORD, accept_terms: 'on' })
    assert.equal(ok.status, 303)
    const id = (await t.h.users.findRow('newbie'))!.id
    const accepted = await t.h.legal.acceptedBy(id)
    assert.deepEqual(accepted.map((r) => `${r.kind}:${r.version}`).sort(), ['privacy:1', 'terms:2'])
    assert.equal((await a.get('/explore')).status, 200, 'no interstitial for what was just accepted')
    const api = await t.request('POST', '/api/v1/users/register', { json: { username: 'apinewbie', email: 'apinewbie@example.org', password: PASSWORD } })
    assert.equal(api.status, 400)
    assert.equal(((await api.json()) as { error: { details: { fields: Record<string, string> } } }).error.details.fields.accept_terms, 'Accept the terms and the community rules to join.')
    assert.equal((await t.request('POST', '/api/v1/users/register', { json: { username: 'apinewbie', email: 'apinewbie@example.org', password: PASSWORD, accept_terms: true } })).status, 201)
  })

  it('asks members again on their next visit after a change that needs it, and lets them read the documents meanwhile', async () => {
    const a = t.agent('10.8.0.2')
    await a.loginViaForm('newbie')
    await publish('privacy', { body: 'We keep a little more now.', note: 'We now keep login addresses for 30 days.' })
    const visit = await a.get('/explore?tab=new')
    assert.equal(visit.status, 303)
    assert.equal(visit.headers.get('location'), '/legal/accept?next=%2Fexplore%3Ftab%3Dnew')
    assert.equal((await a.get('/privacy')).status, 200, 'the document itself opens')
    const ask = await a.text('/legal/accept?next=%2Fexplore%3Ftab%3Dnew')
    assert.match(ask, /We updated our privacy policy/)
    assert.match(ask, /We now keep login addresses for 30 days\./)
    const me = await t.h.users.findRow('newbie')
    const pending = (await (await a.get('/api/v1/legal')).json()) as { data: { pending: string[] } }
    assert.deepEqual(pending.data.pending, ['privacy'], 'the API lists what waits, and does not redirect')
    const done = await a.post('/legal/accept', { next: '/explore?tab=new' })
    assert.equal(done.status, 303)
    assert.equal(done.headers.get('location'), '/explore?tab=new')
    assert.equal((await a.get('/explore')).status, 200)
    assert.ok((await t.h.legal.acceptedBy(me!.id)).some((r) => r.kind === 'privacy' && r.version === 2))
    // A fix that does not ask for acceptance asks nobody.
    await publish('privacy', { body: 'We keep a little more now (typo fixed).', requires_acceptance: false })
    assert.equal((await a.get('/explore')).status, 200)
  })

  it('reminds a member of the community rules before posting and reporting, until they dismiss it or the rules change', async () => {
    await publish('rules', { body: '- Be kind.\n- No spam.\n\nLonger text about **everything** else.' })
    await t.register('writer')
    const a = t.agent('10.8.0.3')
    await a.loginViaForm('writer')
    const compose = await a.text('/compose')
    assert.match(compose, /data-guidelines="1"/)
    assert.match(compose, /<ul><li>Be kind\.<\/li><li>No spam\.<\/li><\/ul>/)
    assert.ok(!compose.includes('Longer text'), 'a short reminder, with a link to the rest')
    assert.match(compose, /href="\/rules"/)
    assert.match(await a.text('/report?type=post&id=1'), /data-guidelines="1"/)
    assert.doesNotMatch(await a.text('/explore'), /data-guidelines/)
    const dismissed = await a.post('/legal/guidelines/dismiss', { next: '/compose' })
    assert.equal(dismissed.status, 303)
    assert.doesNotMatch(await a.text('/compose'), /data-guidelines/)
    await publish('rules', { body: '- Be kind.\n- No spam.\n- No ads.', requires_acceptance: false })
    assert.match(await a.text('/compose'), /data-guidelines="2"/, 'new rules are shown again')
  })

  it('keeps publishing to staff who manage settings', async () => {
    const mod = await t.register('moddy')
    await t.h.users.setRole(mod.id, 'moderator', null)
    assert.equal((await t.request('POST', '/api/v1/admin/legal/terms', { token: mod.token, json: { body: 'x' } })).status, 403)
    assert.equal((await t.request('POST', '/api/v1/admin/legal/contract', { token: admin.token, json: { body: 'x' } })).status, 404)
    assert.equal((await t.request('GET', '/admin/legal', { token: admin.token })).status, 303, 'staff accept too')
    await t.request('POST', '/api/v1/legal/accept', { token: admin.token })
    const page = await (await t.request('GET', '/admin/legal', { token: admin.token })).text()
    assert.match(page, /data-legal-kind="about"/)
  })
})
