// Verification: a member asks for the badge (reason and links, validated; one open request; a cool-down after a
// rejection), staff approve, reject with a note the member alone reads, grant and revoke (audited, notified); the
// badge beside names in pages and `verified` in the API; verified members first in member search; data rights.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Body = { data: any; error?: { code: string; message: string; details: { fields?: Record<string, string>; next_request_at?: string } } }

describe('verification', () => {
  let t: TestApp
  const u: Record<string, { id: number; token: string }> = {}
  const call = async (who: string | null, method: string, path: string, json?: unknown) => {
    const res = await t.request(method, path, { token: who ? u[who]!.token : undefined, json })
    return { status: res.status, body: (await res.json()) as Body }
  }
  const reason = 'I run the town’s bakery; people copy my account.'
  const notes = async (who: string) => ((await call(who, 'GET', '/api/v1/notifications')).body.data as { type: string; text: string }[]).filter((n) => n.type === 'verification').map((n) => n.text)
  const audits = (action: string, target: number) => t.h.store.sqlite.prepare('select details from audit_log where action = ? and target_id = ?').all(action, String(target)) as { details: string }[]

  before(async () => {
    t = await createTestApp({ settings: { 'verification.terms': 'Public figures and **businesses** only.' } })
    for (const name of ['ana', 'ben', 'cat', 'dan', 'boss', 'mod']) u[name] = await t.register(name)
    await t.h.users.setRole(u.boss!.id, 'admin', null)
    await t.h.users.setRole(u.mod!.id, 'moderator', null)
  })
  after(() => t.close())

  it('refuses bad requests with a message per field, before anything is stored', async () => {
    const cases: [unknown, string][] = [
      [{}, 'reason'],
      [{ reason: 'too short' }, 'reason'],
      [{ reason: 'x'.repeat(2001) }, 'reason'],
      [{ reason, links: ['javascript:alert(1)'] }, 'links.0'],
      [{ reason, links: ['https://a.example/' + 'x'.repeat(300)] }, 'links.0'],
      [{ reason, links: ['https://1.example', 'https://2.example', 'https://3.example', 'https://4.example', 'https://5.example', 'https://6.example'] }, 'links'],
      [{ reason, links: 'not a list' }, 'links.0'],
      [{ reason, links: [42] }, 'links.0'],
    ]
    for (const [json, field] of cases) {
      const r = await call('ana', 'POST', '/api/v1/verification', json)
      assert.equal(r.status, 400, JSON.stringify(json).slice(0, 80))
      assert.equal(r.body.error!.code, 'VALIDATION_FAILED')
      assert.ok(r.body.error!.details.fields![field], `${field} in ${JSON.stringify(r.body.error!.details.fields)}`)
    }
    assert.equal((await t.request('POST', '/api/v1/verification', { token: u.ana!.token, body: 'reason=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } })).status, 400)
    assert.equal((await call(null, 'POST', '/api/v1/verification', { reason })).status, 401)
    assert.equal((t.h.store.sqlite.prepare('select count(*) as n from verification_requests').get() as { n: number }).n, 0)
  })

  it('takes one open request at a time, shows its status and the operator’s terms', async () => {
    const r = await call('ana', 'POST', '/api/v1/verification', { reason, links: ['https://bakery.example', 'https://bakery.example', ' https://press.example/ana '] })
    assert.equal(r.status, 201)
    assert.deepEqual(r.body.data.links, ['https://bakery.example', 'https://press.example/ana'], 'trimmed, duplicates dropped')
    assert.equal(r.body.data.status, 'pending')
    const again = await call('ana', 'POST', '/api/v1/verification', { reason })
    assert.equal(again.status, 409)
    assert.equal(again.body.error!.code, 'CONFLICT')
    const st = (await call('ana', 'GET', '/api/v1/verification')).body.data
    assert.equal(st.verified, false)
    assert.equal(st.can_request, false)
    assert.equal(st.requests.length, 1)
    assert.equal(st.terms, 'Public figures and **businesses** only.')
    const page = await t.agent('10.7.0.1')
    await page.loginViaForm('ana')
    const html = await page.text('/settings/verification')
    assert.match(html, /Public figures and <strong>businesses<\/strong> only\./)
    assert.match(html, /Your request is waiting for the staff/)
    assert.match(html, /href="\/settings\/verification"[^>]*aria-current="page"/, 'a page of Settings, in its navigation')
  })

  it('keeps what the member typed when the form is refused, with the reason on the page', async () => {
    const a = t.agent('10.7.0.2')
    await a.loginViaForm('ben')
    const bad = await a.post('/settings/verification/request', { reason: 'I am me, really truly', links: 'ftp://nope.example' })
    assert.equal(bad.status, 400)
    const html = await bad.text()
    assert.match(html, /Links must be web addresses/)
    assert.match(html, /I am me, really truly/)
    assert.match(html, /ftp:\/\/nope\.example/)
    const good = await a.post('/settings/verification/request', { reason: 'I write the local paper’s column every week.', links: 'https://paper.example/ben\n\nhttps://ben.example' })
    assert.equal(good.status, 303)
    const mine = (await call('ben', 'GET', '/api/v1/verification')).body.data.requests[0]
    assert.deepEqual(mine.links, ['https://paper.example/ben', 'https://ben.example'])
    // Withdrawn: no cool-down, and nothing left to withdraw.
    assert.equal((await a.post('/settings/verification/withdraw', {})).status, 303)
    assert.equal((await call('ben', 'DELETE', '/api/v1/verification')).status, 404)
    assert.equal((await call('ben', 'GET', '/api/v1/verification')).body.data.can_request, true)
  })

  it('keeps the console’s list and decisions to staff who manage members', async () => {
    for (const who of ['ana', 'mod']) {
      assert.equal((await call(who, 'GET', '/api/v1/admin/verification')).status, 403, who)
      assert.equal((await call(who, 'POST', '/api/v1/admin/verification/1/decision', { decision: 'approve' })).status, 403, who)
      assert.equal((await call(who, 'PUT', '/api/v1/admin/verification/members/ana')).status, 403, who)
    }
    assert.equal((await call(null, 'GET', '/api/v1/admin/verification')).status, 401)
    const list = (await call('boss', 'GET', '/api/v1/admin/verification')).body.data
    assert.equal(list.items[0].member.username, 'ana', 'waiting first')
    assert.equal(list.items[0].status, 'pending')
    assert.deepEqual((await call('boss', 'GET', '/api/v1/admin/verification?status=withdrawn')).body.data.items.map((r: any) => r.member.username), ['ben'])
    const q = await call('boss', 'GET', '/api/v1/admin/verification?q=be')
    assert.deepEqual(q.body.data.items.map((r: any) => r.member.username), ['ben'], JSON.stringify(q.body))
  })

  it('rejects with a note the member alone reads, then holds a new request until the cool-down ends', async () => {
    const id = (await call('ana', 'GET', '/api/v1/verification')).body.data.requests[0].id
    const noNote = await call('boss', 'POST', `/api/v1/admin/verification/${id}/decision`, { decision: 'reject', note: '  ' })
    assert.equal(noNote.status, 400)
    assert.ok(noNote.body.error!.details.fields!.note)
    assert.equal((await call('boss', 'POST', `/api/v1/admin/verification/${id}/decision`, { decision: 'maybe' })).status, 400)
    assert.equal((await call('boss', 'POST', '/api/v1/admin/verification/999999/decision', { decision: 'approve' })).status, 404)
    const r = await call('boss', 'POST', `/api/v1/admin/verification/${id}/decision`, { decision: 'reject', note: 'Link a page that names you as the owner.' })
    assert.equal(r.status, 200)
    assert.equal(r.body.data.status, 'rejected')
    assert.equal((await call('boss', 'POST', `/api/v1/admin/verification/${id}/decision`, { decision: 'approve' })).status, 409, 'decided once')
    assert.deepEqual(await notes('ana'), ['Your verification request was turned down. “Link a page that names you as the owner.”'])
    assert.equal((await call('ana', 'GET', '/api/v1/verification')).body.data.requests[0].staff_note, 'Link a page that names you as the owner.')
    assert.equal(audits('verification.reject', u.ana!.id).length, 1)
    // Nobody else reads it: not another member's status, not the public profile, not their notifications.
    const others = JSON.stringify([(await call('cat', 'GET', '/api/v1/verification')).body, (await call('cat', 'GET', '/api/v1/users/ana')).body, (await call(null, 'GET', '/api/v1/users/ana')).body, await notes('cat')])
    assert.ok(!others.includes('names you as the owner'))
    const profile = await (await t.request('GET', '/u/ana')).text()
    assert.ok(!profile.includes('names you as the owner'))

    const soon = await call('ana', 'POST', '/api/v1/verification', { reason })
    assert.equal(soon.status, 409)
    assert.equal(soon.body.error!.code, 'TOO_SOON')
    assert.ok(Date.parse(soon.body.error!.details.next_request_at!) > Date.now() + 29 * 86_400_000)
    await t.h.settings.set('verification.cooldown_days', 0)
    assert.equal((await call('ana', 'POST', '/api/v1/verification', { reason, links: ['https://bakery.example/about'] })).status, 201)
  })

  it('approves: the member is told, the badge shows beside their name on the profile, posts and comments, and in the API', async () => {
    const post = (await call('ana', 'POST', '/api/v1/posts', { text: 'Fresh bread', visibility: 'public' })).body.data
    assert.equal(post.author.verified, false)
    const id = (await call('ana', 'GET', '/api/v1/verification')).body.data.requests[0].id
    const staff = t.agent('10.7.0.3')
    await staff.loginViaForm('boss')
    const listHtml = await staff.text('/admin/verification')
    assert.match(listHtml, new RegExp(`data-staff-request="${id}"`))
    assert.match(listHtml, /bakery\.example\/about/)
    assert.equal((await staff.post(`/admin/verification/${id}/approve`, { note: '' })).status, 303)
    assert.deepEqual((await notes('ana'))[0], 'Your account is verified: the badge now shows next to your name.')
    assert.equal(audits('verification.approve', u.ana!.id).length, 1)

    assert.equal((await call(null, 'GET', '/api/v1/users/ana')).body.data.verified, true)
    assert.equal((await call('ana', 'GET', '/api/v1/users/me')).body.data.verified, true)
    assert.equal((await call('cat', 'GET', `/api/v1/posts/${post.id}`)).body.data.author.verified, true)
    await call('cat', 'POST', `/api/v1/posts/${post.id}/comments`, { text: 'Lovely' })
    await call('ana', 'POST', `/api/v1/posts/${post.id}/comments`, { text: 'Thank you' })
    const comments = (await call('cat', 'GET', `/api/v1/posts/${post.id}/comments`)).body.data as { author: { username: string; verified: boolean } }[]
    assert.deepEqual(comments.map((c) => [c.author.username, c.author.verified]), [['cat', false], ['ana', true]])
    const badge = /<span class="verified-badge" data-verified="true" title="Verified"><svg[^>]*role="img" aria-label="Verified"/
    assert.match(await (await t.request('GET', '/u/ana')).text(), badge)
    const postPage = await (await t.request('GET', `/p/${post.id}`)).text()
    assert.match(postPage, badge)
    assert.equal(postPage.match(/data-verified="true"/g)!.length >= 2, true, 'the author of the post and of a comment')
    assert.doesNotMatch(await (await t.request('GET', '/u/cat')).text(), /data-verified="true"/)

    const already = await call('ana', 'POST', '/api/v1/verification', { reason })
    assert.equal(already.status, 409)
    assert.equal(already.body.error!.code, 'ALREADY_VERIFIED')
  })

  it('grants from a member’s console page and revokes with a note, each audited and told', async () => {
    await call('cat', 'POST', '/api/v1/verification', { reason: 'I am the mayor of this town, truly.' })
    const staff = t.agent('10.7.0.4')
    await staff.loginViaForm('boss')
    const memberPage = await staff.text(`/admin/users/${u.cat!.id}`)
    assert.match(memberPage, /data-member-verification/)
    assert.match(memberPage, /A request waits/)
    const res = await staff.post('/admin/verification/grant', { username: 'cat', next: `/admin/users/${u.cat!.id}` })
    assert.equal(res.status, 303)
    assert.equal(res.headers.get('location'), `/admin/users/${u.cat!.id}`)
    const st = (await call('cat', 'GET', '/api/v1/verification')).body.data
    assert.equal(st.verified, true)
    assert.equal(st.requests[0].status, 'approved', 'the waiting request is approved with it')
    assert.equal((await call('boss', 'PUT', '/api/v1/admin/verification/members/cat')).status, 409)
    assert.equal((await call('boss', 'PUT', '/api/v1/admin/verification/members/nobody')).status, 404)
    const members = (await call('boss', 'GET', '/api/v1/admin/verification/members')).body.data.items.map((m: any) => m.username)
    assert.deepEqual(members.sort(), ['ana', 'cat'])

    const gone = await t.request('DELETE', '/api/v1/admin/verification/members/cat', { token: u.boss!.token, json: { note: 'The term ended.' } })
    assert.equal(gone.status, 200)
    assert.equal((await call(null, 'GET', '/api/v1/users/cat')).body.data.verified, false)
    assert.deepEqual((await notes('cat')).slice(0, 2), ['The staff removed the verified badge from your account. “The term ended.”', 'The staff verified your account: the badge now shows next to your name.'])
    assert.equal((await call('boss', 'DELETE', '/api/v1/admin/verification/members/cat')).status, 409)
    assert.equal(audits('verification.grant', u.cat!.id).length, 1)
    assert.deepEqual(JSON.parse(audits('verification.revoke', u.cat!.id)[0]!.details), { note: 'The term ended.' })
    assert.equal((await call('boss', 'PUT', '/api/v1/admin/verification/members/cat', { note: 42 })).status, 400)
  })

  it('stops taking requests when the operator closes them, while staff may still grant', async () => {
    await t.h.settings.set('verification.open', false)
    try {
      const r = await call('dan', 'POST', '/api/v1/verification', { reason: 'I am the town’s football coach.' })
      assert.equal(r.status, 403)
      assert.equal(r.body.error!.code, 'VERIFICATION_CLOSED')
    } finally {
      await t.h.settings.set('verification.open', true)
    }
  })

  it('ranks verified members first among equal matches in member search, paging without repeats', async () => {
    for (const name of ['sam_old', 'sam_mid', 'sam_new']) u[name] = await t.register(name)
    await t.h.verification.grant('sam_new', null)
    const names = async (q: string) => ((await call(null, 'GET', `/api/v1/search/users?q=${q}`)).body.data as { username: string }[]).map((m) => m.username)
    assert.deepEqual(await names('sam'), ['sam_new', 'sam_old', 'sam_mid'])
    assert.deepEqual(await names('sam_mid'), ['sam_mid'], 'an exact username still comes first')
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res = await call(null, 'GET', `/api/v1/search/users?q=sam&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
      seen.push(...(res.body.data as { username: string }[]).map((m) => m.username))
      cursor = (res.body as any).pagination.next_cursor
    } while (cursor && seen.length < 10)
    assert.deepEqual(seen, ['sam_new', 'sam_old', 'sam_mid'])
    assert.deepEqual([...(await t.h.verification.verifiedIds([u.sam_new!.id, u.sam_old!.id, 1.5, u.sam_new!.id]))], [u.sam_new!.id])
  })

  it('puts the requests in the member’s export, and removes them and the badge with the account', async () => {
    const parts = await t.h.hooks.apply('filter:user.export', { sections: {}, files: [] }, { userId: u.ana!.id })
    const v = parts.sections.verification as { verified: boolean; requests: { status: string; staff_note: string }[] }
    assert.equal(v.verified, true)
    assert.deepEqual(v.requests.map((r) => r.status), ['approved', 'rejected'])
    assert.equal(v.requests[1]!.staff_note, 'Link a page that names you as the owner.')
    await t.h.account.runDeletion({ userId: u.ana!.id, actorId: u.boss!.id })
    assert.equal((t.h.store.sqlite.prepare('select count(*) as n from verification_requests where user_id = ?').get(u.ana!.id) as { n: number }).n, 0)
    assert.equal((t.h.store.sqlite.prepare('select verified_at from users where id = ?').get(u.ana!.id) as { verified_at: string | null }).verified_at, null)
    assert.ok(!(await call('boss', 'GET', '/api/v1/admin/verification/members')).body.data.items.some((m: any) => m.id === u.ana!.id))
  })
})
