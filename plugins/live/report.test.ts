// Live streams in the moderation queue (the plugin API's reportable kinds): reported by a viewer who may watch,
// missing to one who may not; staff see the streamer, title and the chat around it, and "remove" ends the stream.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

describe('reporting live streams', () => {
  let t: TestApp
  const u: Record<string, { id: number; token: string }> = {}
  before(async () => {
    t = await createTestApp({ enable: ['live'] })
    for (const name of ['lr_ana', 'lr_ben', 'lr_cleo', 'lr_mod']) u[name] = await t.register(name)
    await t.h.users.setRole(u.lr_mod!.id, 'moderator', null)
    await t.h.social.follow(u.lr_ben!.id, 'lr_ana')
  })
  after(() => t.close())
  const call = (who: string, method: string, path: string, json?: unknown) => t.request(method, path, { token: u[who]!.token, json })

  it('files, inspects and ends a followers-only stream from the queue; a stranger’s report answers as missing', async () => {
    const created = await call('lr_ana', 'POST', '/api/v1/live/streams', { title: 'late night', audience: 'followers' })
    assert.equal(created.status, 201, await created.clone().text())
    const id = ((await created.json()) as { data: { id: number } }).data.id
    const report = (who: string, target: unknown) => call(who, 'POST', '/api/v1/reports', { target_type: 'live.stream', target_id: target, reason: 'violence' })
    const stranger = await report('lr_cleo', id)
    const missing = await report('lr_cleo', 99999999)
    assert.deepEqual([stranger.status, missing.status], [404, 404])
    const filed = await report('lr_ben', id)
    assert.equal(filed.status, 201)
    const reportId = ((await filed.json()) as { data: { id: number } }).data.id
    const i = ((await (await call('lr_mod', 'GET', `/api/v1/admin/reports/${reportId}`)).json()) as { data: { report: { snapshot: { text: string; audience: string; status: string } }; removable: boolean; member: { username: string } } }).data
    assert.deepEqual([i.report.snapshot.text, i.report.snapshot.audience, i.report.snapshot.status, i.removable, i.member.username], ['late night', 'followers', 'live', true, 'lr_ana'])
    assert.equal((await call('lr_mod', 'POST', `/api/v1/admin/reports/${reportId}/resolve`, { outcome: 'remove' })).status, 200)
    assert.equal((t.h.store.sqlite.prepare('select status from live_streams where id = ?').get(id) as { status: string }).status, 'ended')
  })
})
