// The report form and the moderation pages, as a browser without JavaScript uses them.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type Agent, type TestApp } from '../../test/harness.js'

describe('report and moderation pages', () => {
  let t: TestApp
  let author: Agent
  let reporter: Agent
  let mod: Agent
  let postUrl: string
  let postId: number

  before(async () => {
    t = await createTestApp()
    author = t.agent('10.7.0.1')
    reporter = t.agent('10.7.0.2')
    mod = t.agent('10.7.0.3')
    await author.registerViaForm('page_author')
    await reporter.registerViaForm('page_reporter')
    await mod.registerViaForm('page_mod')
    await t.h.users.setRole((await t.h.users.findRow('page_mod'))!.id, 'moderator', null)
    postUrl = (await author.post('/compose', { text: 'Spammy <b>words</b>\nsecond line', visibility: 'public' })).headers.get('location')!
    postId = Number(postUrl.split('/').pop())
  })
  after(() => t.close())

  it('shows the report form for a post and files the report without JavaScript', async () => {
    const form = await reporter.text(`/report?type=post&id=${postId}`)
    assert.match(form, /Report a post by @page_author/)
    assert.match(form, /<form method="post" action="\/report"/)
    assert.match(form, /name="_csrf"/)
    assert.match(form, /value="self-harm"/)
    assert.doesNotMatch(form, /<b>words<\/b>/, 'the excerpt is escaped')
    const bad = await reporter.post('/report', { type: 'post', id: String(postId), reason: 'boring' })
    assert.equal(bad.status, 400)
    assert.match(await bad.text(), /Choose a reason/)
    const res = await reporter.post('/report', { type: 'post', id: String(postId), reason: 'spam', note: 'Every day the same.' })
    assert.equal(res.status, 303)
    assert.equal(res.headers.get('location'), postUrl)
    assert.match(await reporter.text(postUrl), /The moderators will look at your report/)
    const again = await reporter.post('/report', { type: 'post', id: String(postId), reason: 'spam' })
    assert.equal(again.status, 303)
    assert.match(await reporter.text(postUrl), /You reported this already/)
  })

  it('answers 404 for what the reporter may not see, and refuses forms without the CSRF token', async () => {
    const hidden = (await author.post('/compose', { text: 'just me', visibility: 'only_me' })).headers.get('location')!
    assert.equal((await reporter.get(`/report?type=post&id=${hidden.split('/').pop()}`)).status, 404)
    assert.equal((await reporter.get('/report?type=post&id=999999')).status, 404)
    assert.equal((await reporter.post('/report', { type: 'post', id: '999999', reason: 'spam' })).status, 404)
    assert.equal((await reporter.post('/report', { type: 'post', id: String(postId), reason: 'spam' }, { csrf: false })).status, 403)
    assert.equal((await t.agent('10.7.0.9').get(`/report?type=post&id=${postId}`)).status, 302, 'guests are sent to log in')
  })

  it('reports a member from their profile id', async () => {
    const authorId = (await t.h.users.findRow('page_author'))!.id
    assert.match(await reporter.text(`/report?type=user&id=${authorId}`), /Report @page_author/)
    const res = await reporter.post('/report', { type: 'user', id: String(authorId), reason: 'harassment' })
    assert.equal(res.headers.get('location'), '/u/page_author')
  })

  it('keeps members out of the queue and lets moderators work it', async () => {
    assert.equal((await reporter.get('/admin/reports')).status, 403)
    assert.equal((await author.get('/admin/reports/1')).status, 403)
    const queue = await mod.text('/admin/reports')
    assert.match(queue, /Post \d+ by @page_author/)
    assert.match(queue, /Member @page_author/)
    assert.match(await mod.text('/admin/reports?sort=most'), /data-queue/)
  })

  it('inspects a report: snapshot, note, reporter, current state, and resolves it from the form', async () => {
    const [r] = (await t.h.moderation.list({ status: 'open' })).items.filter((x) => x.target_type === 'post' && x.target_id === String(postId))
    await author.post(`${postUrl}/edit`, { text: 'Cleaned up', visibility: 'public' })
    const page = await mod.text(`/admin/reports/${r!.id}`)
    assert.match(page, /Spammy &lt;b>words&lt;\/b><br\/>second line|Spammy &lt;b&gt;words&lt;\/b&gt;<br\/>second line/)
    assert.match(page, /Every day the same\./)
    assert.match(page, /Reported by @page_reporter/)
    assert.match(page, /data-current="changed"/)
    assert.match(page, /Cleaned up/)
    assert.match(page, /action="\/admin\/reports\/\d+\/resolve"/)
    const res = await mod.post(`/admin/reports/${r!.id}/resolve`, { outcome: 'warn', note: 'Told to stop.', reason: '' })
    assert.equal(res.status, 303)
    assert.equal(res.headers.get('location'), '/admin/reports')
    assert.match(await mod.text('/admin/reports'), /Resolved: warn/)
    const after = await mod.text(`/admin/reports/${r!.id}`)
    assert.match(after, /Warnings \(1\)/)
    assert.match(after, /Told to stop\./)
    assert.doesNotMatch(after, /action="\/admin\/reports\/\d+\/resolve"/, 'no form on a resolved report')
    assert.match(await mod.text('/admin/reports/history'), /warn/)
    // A failed decision comes back as a message on the report.
    const again = await mod.post(`/admin/reports/${r!.id}/resolve`, { outcome: 'dismiss' })
    assert.equal(again.headers.get('location'), `/admin/reports/${r!.id}`)
    assert.match(await mod.text(`/admin/reports/${r!.id}`), /already resolved/)
    assert.equal((await mod.get('/admin/reports/nope')).status, 404)
  })
})
