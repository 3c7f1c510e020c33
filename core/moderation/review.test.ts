// Reviewing a report: staff see the reported files whatever their audience (audited), a warning reaches the
// member, and members meet no dead ends (no Report on their own things, a readable page if they try).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { createTestApp, type Agent, type TestApp } from '../../test/harness.js'

describe('reviewing reports', () => {
  let t: TestApp
  let author: Agent
  let follower: Agent
  let mod: Agent
  let ids: Record<string, number>
  let tokens: Record<string, string>

  before(async () => {
    t = await createTestApp()
    ids = {}
    tokens = {}
    for (const name of ['rv_author', 'rv_follower', 'rv_mod']) {
      const r = await t.register(name)
      ids[name] = r.id
      tokens[name] = r.token
    }
    await t.h.users.setRole(ids.rv_mod!, 'moderator', null)
    author = t.agent('10.8.0.1')
    follower = t.agent('10.8.0.2')
    mod = t.agent('10.8.0.3')
    await author.loginViaForm('rv_author')
    await follower.loginViaForm('rv_follower')
    await mod.loginViaForm('rv_mod')
    assert.equal((await t.request('POST', '/api/v1/users/rv_author/follow', { token: tokens.rv_follower })).status, 200)
  })
  after(() => t.close())

  async function upload(token: string): Promise<number> {
    const jpeg = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#e11d48' } }).jpeg().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'photo.jpg')
    const res = await t.request('POST', '/api/v1/media', { token, body: form })
    assert.equal(res.status, 201)
    await t.h.queue.drain()
    return ((await res.json()) as { data: { id: number } }).data.id
  }
  const audits = () => t.h.db.selectFrom('audit_log').selectAll().where('action', '=', 'report.review-hidden').execute()

  it('shows staff the reported photo of a followers-only post, once per grant, and audits each look', async () => {
    const mediaId = await upload(tokens.rv_author!)
    const created = await t.request('POST', '/api/v1/posts', { token: tokens.rv_author, json: { text: 'for followers', media_ids: [mediaId], visibility: 'followers' } })
    const postId = ((await created.json()) as { data: { id: number } }).data.id
    const filed = await t.request('POST', '/api/v1/reports', { token: tokens.rv_follower, json: { target_type: 'post', target_id: postId, reason: 'spam' } })
    const reportId = ((await filed.json()) as { data: { id: number } }).data.id

    assert.equal((await mod.get(`/media/${mediaId}/640`)).status, 404, 'the moderator does not follow the author: no plain access')
    const page = await mod.text(`/admin/reports/${reportId}`)
    assert.doesNotMatch(page, /Media: #/, 'the file itself, not its number')
    const src = page.match(new RegExp(`<img data-media="${mediaId}" src="([^"]+)"`))?.[1]?.replace(/&amp;/g, '&')
    assert.ok(src, 'the photo is drawn on the inspect page')
    assert.match(src, /\?grant=/)
    assert.equal((await t.agent('10.8.0.9').get(src)).status, 404, 'the grant is the moderator’s alone')
    const image = await mod.get(src)
    assert.equal(image.status, 200)
    assert.equal(image.headers.get('content-type'), 'image/webp')
    assert.equal((await mod.get(src)).status, 404, 'one load per grant')
    let rows = await audits()
    assert.equal(rows.length, 1)
    assert.equal(rows[0]!.actor_id, ids.rv_mod)
    assert.equal(rows[0]!.target_id, String(postId))
    assert.deepEqual(JSON.parse(rows[0]!.details), { report_id: reportId, hidden_target: true, media_ids: [mediaId] })
    await mod.text(`/admin/reports/${reportId}`)
    rows = await audits()
    assert.equal(rows.length, 2, 'a row per look at hidden content')
  })

  it('writes no audit row when staff look at what they could see anyway', async () => {
    const created = await t.request('POST', '/api/v1/posts', { token: tokens.rv_author, json: { text: 'public words', visibility: 'public' } })
    const postId = ((await created.json()) as { data: { id: number } }).data.id
    const filed = await t.request('POST', '/api/v1/reports', { token: tokens.rv_follower, json: { target_type: 'post', target_id: postId, reason: 'spam' } })
    const before = (await audits()).length
    await mod.text(`/admin/reports/${((await filed.json()) as { data: { id: number } }).data.id}`)
    assert.equal((await audits()).length, before)
  })

  it('tells a warned member, with the moderator’s words, on their notifications page; the warning is no setting', async () => {
    const created = await t.request('POST', '/api/v1/posts', { token: tokens.rv_author, json: { text: 'rude words', visibility: 'public' } })
    const postId = ((await created.json()) as { data: { id: number } }).data.id
    const filed = await t.request('POST', '/api/v1/reports', { token: tokens.rv_follower, json: { target_type: 'post', target_id: postId, reason: 'harassment' } })
    const reportId = ((await filed.json()) as { data: { id: number } }).data.id
    const res = await mod.post(`/admin/reports/${reportId}/resolve`, { outcome: 'warn', note: 'Please keep it civil.' })
    assert.equal(res.status, 303)
    const list = (await t.h.notifications.list(ids.rv_author!)).items
    assert.equal(list[0]?.type, 'warning')
    assert.equal(list[0]?.text, 'The moderators warned you after a report of harassment or bullying: “Please keep it civil.”')
    assert.deepEqual(list[0]?.actors, [], 'the moderator is not named')
    // Their next visit leads first to the warning, until they say they read it (core/admin/warnings.tsx).
    const first = await author.get('/notifications')
    assert.equal(first.status, 303)
    assert.equal(first.headers.get('location'), '/warnings?next=%2Fnotifications')
    assert.match(await author.text('/warnings'), /After a report of harassment or bullying[\s\S]*Please keep it civil\./)
    assert.equal((await author.post('/warnings/ack', { next: '/notifications' })).headers.get('location'), '/notifications')
    assert.match(await author.text('/notifications'), /The moderators warned you after a report of harassment or bullying: “Please keep it civil\.”/)
    const settings = await author.text('/settings/notifications')
    assert.doesNotMatch(settings, /Warnings from the moderators/, 'a member cannot turn warnings off')
    const off = await t.request('PUT', '/api/v1/notifications/preferences', { token: tokens.rv_author, json: { warning: false } })
    assert.ok(off.status === 400 || off.status === 404, `turning warnings off is refused (${off.status})`)
  })

  it('offers no Report on one’s own post, and the report page says so readably instead of an error page', async () => {
    const own = (await author.post('/compose', { text: 'mine', visibility: 'public' })).headers.get('location')!
    const id = own.split('/').pop()!
    assert.doesNotMatch(await author.text(own), /\/report\?type=post/)
    assert.match(await follower.text(own), new RegExp(`/report\\?type=post&amp;id=${id}|/report\\?type=post&id=${id}`), 'others still may')
    for (const res of [await author.get(`/report?type=post&id=${id}`), await author.post('/report', { type: 'post', id, reason: 'spam' }), await author.get(`/report?type=user&id=${ids.rv_author}`)]) {
      const html = await res.text()
      assert.equal(res.status, 409)
      assert.match(html, /data-own-content/)
      assert.match(html, /You cannot report (your own post|yourself)\./)
      assert.doesNotMatch(html, /Error 409/)
    }
  })
})
