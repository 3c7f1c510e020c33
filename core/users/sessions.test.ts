// Sessions: a token finds its session and member in one read; expired ones are refused and deleted; last seen is
// touched at most once a minute.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { createSession, findSession } from './sessions.js'

describe('sessions', () => {
  let t: TestApp
  let member: { id: number; token: string }
  before(async () => {
    t = await createTestApp()
    member = await t.register('sessioned')
  })
  after(() => t.close())
  const make = async (kind: 'web' | 'api') => {
    const { token } = await createSession(t.h.db, member.id, kind, { ip: '10.0.0.9', userAgent: 'probe', days: 1 })
    return { token, id: (await findSession(t.h.db, token))!.session.id }
  }

  it('finds the session and its member, each with its own columns only', async () => {
    const { token } = await createSession(t.h.db, member.id, 'api', { ip: '10.0.0.9', userAgent: 'agent-1', days: 1 })
    const found = await findSession(t.h.db, token)
    assert.ok(found)
    assert.deepEqual([found.session.user_id, found.session.kind, found.session.ip, found.session.user_agent], [member.id, 'api', '10.0.0.9', 'agent-1'])
    const users = await t.h.db.selectFrom('users').selectAll().where('id', '=', member.id).executeTakeFirstOrThrow()
    assert.deepEqual(found.user, users, 'the member’s row, nothing of the session mixed in')
    assert.equal(await findSession(t.h.db, 'no-such-token'), null)
  })

  it('refuses an expired token, deletes its session, and clears an expired cookie', async () => {
    const api = await make('api')
    const web = await make('web')
    const past = new Date(Date.now() - 1000).toISOString()
    await t.h.db.updateTable('sessions').set({ expires_at: past }).where('id', 'in', [api.id, web.id]).execute()
    const res = await t.request('GET', '/api/v1/users/me', { token: api.token })
    assert.equal(res.status, 401)
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'UNAUTHENTICATED')
    const page = await t.request('GET', '/settings/account', { headers: { cookie: `hearth_session=${web.token}` } })
    assert.equal(page.status, 302, 'a guest is sent to log in')
    assert.ok(page.headers.getSetCookie().some((c) => c.startsWith('hearth_session=;')), 'the cookie is cleared')
    assert.deepEqual(await t.h.db.selectFrom('sessions').select('id').where('id', 'in', [api.id, web.id]).execute(), [], 'both sessions deleted')
  })

  it('touches last seen at most once a minute', async () => {
    const api = await make('api')
    const seen = async () => (await t.h.db.selectFrom('sessions').select('last_seen_at').where('id', '=', api.id).executeTakeFirstOrThrow()).last_seen_at
    const recent = new Date(Date.now() - 30_000).toISOString()
    await t.h.db.updateTable('sessions').set({ last_seen_at: recent }).where('id', '=', api.id).execute()
    assert.equal((await t.request('GET', '/api/v1/users/me', { token: api.token })).status, 200)
    assert.equal(await seen(), recent, 'seen 30 s ago: left alone')
    const old = new Date(Date.now() - 120_000).toISOString()
    await t.h.db.updateTable('sessions').set({ last_seen_at: old }).where('id', '=', api.id).execute()
    assert.equal((await t.request('GET', '/api/v1/users/me', { token: api.token })).status, 200)
    assert.ok(Date.parse(await seen()) > Date.now() - 5_000, 'seen two minutes ago: touched')
  })
})
