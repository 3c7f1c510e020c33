// Stories in the moderation queue, through the plugin API's reportable kinds: a member reports a story they can see
// (one they cannot is missing), staff see it as reported and remove it; the report page works without JavaScript.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

describe('reporting stories', () => {
  let t: TestApp
  const u: Record<string, { id: number; token: string }> = {}
  before(async () => {
    t = await createTestApp({ enable: ['stories'] })
    for (const name of ['sr_ana', 'sr_bob', 'sr_cyd', 'sr_mod']) u[name] = await t.register(name)
    await t.h.users.setRole(u.sr_mod!.id, 'moderator', null)
    assert.equal((await t.request('POST', '/api/v1/users/sr_ana/follow', { token: u.sr_bob!.token })).status, 200)
  })
  after(() => t.close())

  const story = async (audience: string, text: string) => {
    const res = await t.request('POST', '/api/v1/stories', { token: u.sr_ana!.token, json: { kind: 'text', text, background: 'ocean', audience } })
    assert.equal(res.status, 201, await res.clone().text())
    return ((await res.json()) as { data: { id: number } }).data.id
  }
  const report = (who: string, id: unknown) => t.request('POST', '/api/v1/reports', { token: u[who]!.token, json: { target_type: 'stories.story', target_id: id, reason: 'harassment' } })

  it('files a report on a story the reporter can see; one they cannot see, or none, answers as missing', async () => {
    const id = await story('followers', 'for followers only')
    const filed = await report('sr_bob', id)
    assert.equal(filed.status, 201)
    const hidden = await report('sr_cyd', id)
    const missing = await report('sr_cyd', 99999999)
    assert.deepEqual([hidden.status, missing.status], [404, 404])
    const err = async (r: Response) => ((await r.json()) as { error: unknown }).error
    assert.deepEqual(await err(hidden), await err(missing))
    assert.equal((await report('sr_bob', 'not-an-id')).status, 404)
    assert.equal((await t.request('POST', '/api/v1/reports', { token: u.sr_bob!.token, json: { target_type: 'nosuch.thing', target_id: 1, reason: 'spam' } })).status, 400)
    assert.equal((await t.request('POST', '/api/v1/reports', { token: u.sr_ana!.token, json: { target_type: 'stories.story', target_id: id, reason: 'spam' } })).status, 409, 'not one’s own')

    const reportId = ((await filed.json()) as { data: { id: number } }).data.id
    const inspected = ((await (await t.request('GET', `/api/v1/admin/reports/${reportId}`, { token: u.sr_mod!.token })).json()) as { data: { report: { snapshot: { text: string; audience: string } }; current: { text: string } | null; removable: boolean } }).data
    assert.deepEqual([inspected.report.snapshot.text, inspected.report.snapshot.audience, inspected.current?.text, inspected.removable], ['for followers only', 'followers', 'for followers only', true])
    assert.equal((await t.request('POST', `/api/v1/admin/reports/${reportId}/resolve`, { token: u.sr_mod!.token, json: { outcome: 'remove' } })).status, 200)
    assert.equal((t.h.store.sqlite.prepare('select count(*) n from stories_items where id = ?').get(id) as { n: number }).n, 0, 'removed')
  })

  it('offers the report page for a story without JavaScript, and a readable page for one’s own', async () => {
    const id = await story('public', 'public words')
    const bob = t.agent('10.7.0.1')
    await bob.loginViaForm('sr_bob')
    const form = await (await bob.get(`/report?type=stories.story&id=${id}`)).text()
    assert.match(form, /Report a story by @sr_ana/)
    assert.equal((await bob.post('/report', { type: 'stories.story', id: String(id), reason: 'spam', note: '' })).status, 303)
    const ana = t.agent('10.7.0.2')
    await ana.loginViaForm('sr_ana')
    const own = await ana.get(`/report?type=stories.story&id=${id}`)
    assert.equal(own.status, 409)
    assert.match(await own.text(), /You cannot report your own story/)
  })
})
