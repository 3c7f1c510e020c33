// Operators and discovery: the staff page (every stream, ending any, bans from going live that end a stream live
// now, members verified for live), the site's rules (who may go live, streams at once, the longest stream), and the
// "Live" rings at the front of the stories tray (followees live now that the viewer may watch; hidden is missing).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import type { LiveTables } from './tables.js'
import { until } from './testing.js'

type Users = Record<string, { id: number; token: string }>

async function setup(enable: string[], names: string[]) {
  const t = await createTestApp({ enable })
  await t.h.plugins.loaded.get('live')!.settings.set('rtmp_port', 0)
  const users: Users = {}
  for (const name of names) users[name] = await t.register(name)
  const api = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? users[who]!.token : undefined, json })
  const goLive = async (who: string, input: Record<string, unknown> = {}) => {
    const res = await api(who, 'POST', '/api/v1/live/streams', { title: `${who} live`, ...input })
    assert.equal(res.status, 201, await res.clone().text())
    return ((await res.json()) as { data: { id: number } }).data.id
  }
  const statusOf = async (id: number) => (await t.h.db.withTables<LiveTables>().selectFrom('live_streams').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status
  return { t, users, api, goLive, statusOf }
}

describe('live: staff and the go-live rules', () => {
  let s: Awaited<ReturnType<typeof setup>>
  before(async () => {
    s = await setup(['live'], ['ana', 'ben', 'mod', 'owner'])
    await s.t.h.users.setRole(s.users.mod!.id, 'moderator', null)
    await s.t.h.users.setRole(s.users.owner!.id, 'admin', null)
  })
  after(() => s.t.close())
  const settings = () => s.t.h.plugins.loaded.get('live')!.settings

  it('shows staff every live stream, whatever its audience, and lets them end it; members may not open it', async () => {
    const id = await s.goLive('ana', { audience: 'followers' })
    assert.equal((await s.api('ben', 'GET', '/live/staff')).status, 403)
    assert.equal((await s.api('ben', 'POST', `/api/v1/live/staff/streams/${id}/end`)).status, 403)
    const m = s.t.agent()
    await m.loginViaForm('mod')
    const page = await m.text('/live/staff')
    assert.match(page, new RegExp(`data-staff-stream="${id}"`))
    assert.match(page, /ana live/)
    const r = s.t.agent()
    await r.loginViaForm('owner')
    assert.match(await r.text('/admin'), /1 live stream now/, 'the admin overview says how many')
    assert.equal((await m.post(`/live/staff/streams/${id}/end`, {})).status, 303)
    assert.equal(await s.statusOf(id), 'ended')
    const again = await m.post(`/live/staff/streams/${id}/end`, {})
    assert.equal(again.status, 404)
    assert.match(await again.text(), /does not exist or has ended/)
  })

  it('bans a member from going live for a period (ending their stream), and lifts it', async () => {
    const id = await s.goLive('ben')
    const m = s.t.agent()
    await m.loginViaForm('mod')
    assert.equal((await m.post('/live/staff/bans', { username: 'ben', hours: '0', reason: '' })).status, 400, 'at least an hour')
    assert.equal((await m.post('/live/staff/bans', { username: 'nobody', hours: '2', reason: '' })).status, 404)
    assert.equal((await m.post('/live/staff/bans', { username: 'mod', hours: '2', reason: '' })).status, 400, 'not staff')
    assert.equal((await m.post('/live/staff/bans', { username: 'ben', hours: '48', reason: 'copyright' })).status, 303)
    assert.equal(await s.statusOf(id), 'ended', 'the stream live now ends')
    assert.match(await m.text('/live/staff'), /@ben until [\d-]+ [\d:]+ UTC: copyright/)
    const refused = await s.api('ben', 'POST', '/api/v1/live/streams', { title: 'again' })
    assert.equal(refused.status, 403)
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /may not go live until .*copyright/)
    assert.equal((await s.api('ben', 'POST', '/api/v1/live/events', { title: 'later', starts_at: new Date(Date.now() + 3_600_000).toISOString() })).status, 403, 'nor schedule')
    assert.equal((await s.api('ben', 'POST', '/api/v1/live/key')).status, 403, 'nor make a stream key')
    assert.equal((await m.post('/live/staff/bans/ben/lift', {})).status, 303)
    const back = await s.goLive('ben')
    await s.api('ben', 'POST', `/api/v1/live/streams/${back}/end`)
  })

  it('keeps going live to staff, or to verified members, as the operator chooses', async () => {
    await settings().set('who_may_go_live', 'staff')
    assert.equal((await s.api('ana', 'POST', '/api/v1/live/streams', { title: 'x' })).status, 403)
    const modStream = await s.goLive('mod')
    await s.api('mod', 'POST', `/api/v1/live/streams/${modStream}/end`)
    await settings().set('who_may_go_live', 'verified')
    const no = await s.api('ana', 'POST', '/api/v1/live/streams', { title: 'x' })
    assert.equal(no.status, 403)
    assert.match(((await no.json()) as { error: { message: string } }).error.message, /verified for live/)
    assert.equal((await s.api('mod', 'PUT', '/api/v1/live/staff/verified/ana')).status, 200)
    const id = await s.goLive('ana')
    await s.api('ana', 'POST', `/api/v1/live/streams/${id}/end`)
    assert.equal((await s.api('mod', 'DELETE', '/api/v1/live/staff/verified/ana')).status, 200)
    assert.equal((await s.api('ana', 'POST', '/api/v1/live/streams', { title: 'x' })).status, 403)
    // The site's verified badge (core's) lets a member go live too.
    await s.t.h.verification.grant('ana', null)
    const badged = await s.goLive('ana')
    await s.api('ana', 'POST', `/api/v1/live/streams/${badged}/end`)
    await s.t.h.verification.revoke('ana', null)
    assert.equal((await s.api('ana', 'POST', '/api/v1/live/streams', { title: 'x' })).status, 403)
    await settings().set('who_may_go_live', 'everyone')
  })

  it('caps the streams at once and ends a stream that reaches the longest allowed', async () => {
    await settings().set('max_concurrent', 1)
    const first = await s.goLive('ana')
    const full = await s.api('ben', 'POST', '/api/v1/live/streams', { title: 'x' })
    assert.equal(full.status, 409)
    assert.match(((await full.json()) as { error: { message: string } }).error.message, /at most 1 live streams/)
    await settings().set('max_concurrent', 0)

    // The stream went live two hours ago (as stored); the limit is one hour: the watchdog ends it.
    await settings().set('max_duration_minutes', 60)
    await s.t.h.db.withTables<LiveTables>().updateTable('live_streams').set({ created_at: new Date(Date.now() - 2 * 3_600_000).toISOString() } as never).where('id', '=', first).execute()
    await until('ended by the duration limit', () => s.statusOf(first), (st) => st === 'ended', 10_000)
    await settings().set('max_duration_minutes', 480)
  })
})

describe('live: Live rings in the stories tray', () => {
  let s: Awaited<ReturnType<typeof setup>>
  before(async () => {
    s = await setup(['live', 'stories'], ['ana', 'ben', 'cleo', 'dan'])
    for (const f of ['ben', 'dan']) await s.t.h.social.follow(s.users[f]!.id, 'ana')
    await s.t.h.safety.block(s.users.ana!.id, 'dan')
  })
  after(() => s.t.close())

  const home = async (who: string) => {
    const a = s.t.agent()
    await a.loginViaForm(who)
    return a.text('/')
  }

  it('puts followees live now first in the tray, linking to the stream, only for those who may watch', async () => {
    const id = await s.goLive('ana', { audience: 'followers' })
    const bens = await home('ben')
    assert.match(bens, new RegExp(`<a href="/live/${id}"[^>]*data-tray-ring="ana"`))
    assert.ok(bens.indexOf('data-tray-ring="ana"') < bens.indexOf('story-add'), 'before the stories')
    assert.doesNotMatch(await home('cleo'), /data-tray-ring/, 'not a followee')
    assert.doesNotMatch(await home('dan'), /data-tray-ring/, 'blocked: like no stream at all')
    await s.api('ana', 'POST', `/api/v1/live/streams/${id}/end`)
    assert.doesNotMatch(await home('ben'), /data-tray-ring/, 'gone when the stream ends')
  })
})

describe('live: Live rings without the stories plugin', () => {
  let s: Awaited<ReturnType<typeof setup>>
  before(async () => {
    s = await setup(['live'], ['ana', 'ben'])
    await s.t.h.social.follow(s.users.ben!.id, 'ana')
  })
  after(() => s.t.close())

  it('draws its own row of live followees on the home page', async () => {
    const id = await s.goLive('ana')
    const a = s.t.agent()
    await a.loginViaForm('ben')
    assert.match(await a.text('/'), new RegExp(`data-live-tray[\\s\\S]*href="/live/${id}" data-tray-ring="ana"`))
    await s.api('ana', 'POST', `/api/v1/live/streams/${id}/end`)
  })
})
