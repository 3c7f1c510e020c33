// Profiles and the social graph: follows, requests of private accounts, exact counts, lists, suggestions.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Envelope = { status: string; data: any; pagination?: { next_cursor: string | null; has_more: boolean }; error: { code: string; message: string; details: any } }
const body = async (res: Response) => (await res.json()) as Envelope

describe('profiles and follows', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}
  before(async () => {
    t = await createTestApp()
    for (const n of ['ana', 'bob', 'cyd', 'dia', 'eve']) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
  })
  after(() => t.close())
  const call = (who: string | null, method: string, path: string, json?: unknown) => t.request(method, path, { token: who ? tok[who] : undefined, json })

  it('follows and unfollows with exact counts, and is harmless twice', async () => {
    assert.equal((await body(await call('bob', 'POST', '/api/v1/users/ana/follow'))).data.state, 'following')
    assert.equal((await body(await call('bob', 'POST', '/api/v1/users/ana/follow'))).data.state, 'following')
    await call('cyd', 'POST', `/api/v1/users/${id.ana}/follow`)
    let ana = (await body(await call(null, 'GET', '/api/v1/users/ana'))).data
    assert.deepEqual([ana.followers_count, ana.following_count], [2, 0])
    assert.equal((await body(await call('bob', 'GET', '/api/v1/users/bob'))).data.following_count, 1)
    await call('bob', 'DELETE', '/api/v1/users/ana/follow')
    await call('bob', 'DELETE', '/api/v1/users/ana/follow')
    ana = (await body(await call(null, 'GET', '/api/v1/users/ana'))).data
    assert.equal(ana.followers_count, 1)
    const self = await call('ana', 'POST', '/api/v1/users/ana/follow')
    assert.equal(self.status, 409)
    assert.equal((await call('ana', 'POST', '/api/v1/users/nobody/follow')).status, 404)
    assert.equal((await call(null, 'POST', '/api/v1/users/ana/follow')).status, 401)
  })

  it('turns follows of a private account into requests the owner accepts or rejects', async () => {
    const upd = await call('dia', 'PUT', '/api/v1/users/me', { is_private: true })
    assert.equal((await body(upd)).data.is_private, true)
    assert.equal((await body(await call('ana', 'POST', '/api/v1/users/dia/follow'))).data.state, 'requested')
    assert.equal((await body(await call('eve', 'POST', '/api/v1/users/dia/follow'))).data.state, 'requested')
    assert.equal((await body(await call('ana', 'GET', '/api/v1/users/dia'))).data.relationship, 'requested')
    const reqs = await body(await call('dia', 'GET', '/api/v1/users/me/follow-requests'))
    assert.deepEqual(reqs.data.map((r: any) => r.username).sort(), ['ana', 'eve'])
    assert.equal((await call('dia', 'POST', '/api/v1/users/me/follow-requests/ana/accept')).status, 200)
    assert.equal((await call('dia', 'POST', '/api/v1/users/me/follow-requests/eve/reject')).status, 200)
    assert.equal((await call('dia', 'POST', '/api/v1/users/me/follow-requests/eve/accept')).status, 404, 'already answered')
    const di = (await body(await call('ana', 'GET', '/api/v1/users/dia'))).data
    assert.deepEqual([di.relationship, di.followers_count, di.can_see_content], ['following', 1, true])
    assert.equal((await body(await call('eve', 'GET', '/api/v1/users/dia'))).data.can_see_content, false)
  })

  it('keeps a private account’s lists to its followers', async () => {
    assert.equal((await call('eve', 'GET', '/api/v1/users/dia/followers')).status, 403)
    assert.equal((await call(null, 'GET', '/api/v1/users/dia/following')).status, 403)
    assert.deepEqual((await body(await call('ana', 'GET', '/api/v1/users/dia/followers'))).data.map((u: any) => u.username), ['ana'])
  })

  it('accepts pending requests when an account goes public', async () => {
    await call('eve', 'POST', '/api/v1/users/dia/follow')
    await call('dia', 'PUT', '/api/v1/users/me', { is_private: false })
    assert.equal((await body(await call('eve', 'GET', '/api/v1/users/dia'))).data.relationship, 'following')
  })

  it('pages follower lists with cursors, newest first', async () => {
    for (const n of ['bob', 'cyd', 'dia', 'eve']) await call(n, 'POST', '/api/v1/users/ana/follow')
    const seen: string[] = []
    let cursor: string | null = null
    do {
      const res: Envelope = await body(await call(null, 'GET', `/api/v1/users/ana/followers?limit=2${cursor ? `&cursor=${cursor}` : ''}`))
      seen.push(...res.data.map((u: any) => u.username))
      cursor = res.pagination!.next_cursor
    } while (cursor)
    assert.deepEqual([...seen].sort(), ['bob', 'cyd', 'dia', 'eve'])
    assert.equal(seen[0], 'eve', 'newest follower first')
    assert.equal((await call(null, 'GET', '/api/v1/users/ana/followers?cursor=nope')).status, 400)
  })

  it('suggests people followed by people you follow, never yourself or those you follow', async () => {
    // eve follows ana and di; ana follows cy; di follows bo and cy.
    await call('ana', 'POST', '/api/v1/users/cyd/follow')
    await call('dia', 'POST', '/api/v1/users/cyd/follow')
    await call('dia', 'POST', '/api/v1/users/bob/follow')
    await call('dia', 'POST', '/api/v1/users/eve/follow')
    const s = (await body(await call('eve', 'GET', '/api/v1/users/me/suggestions'))).data
    assert.deepEqual(s.map((x: any) => x.username), ['cyd', 'bob'])
    assert.equal(s[0].mutuals, 2)
    assert.deepEqual(s[0].followed_by.sort(), ['ana', 'dia'])
    await call('eve', 'POST', '/api/v1/users/cyd/follow')
    assert.deepEqual((await body(await call('eve', 'GET', '/api/v1/users/me/suggestions'))).data.map((x: any) => x.username), ['bob'])
  })

  it('never suggests a member blocked either way, requested, or followed since the ranking was made', async () => {
    for (const n of ['fay', 'gus', 'hal', 'ivy', 'jon', 'kit']) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
    await call('fay', 'POST', '/api/v1/users/gus/follow')
    await call('fay', 'POST', '/api/v1/users/kit/follow')
    for (const n of ['hal', 'ivy', 'jon', 'kit']) await call('gus', 'POST', `/api/v1/users/${n}/follow`)
    await call('kit', 'POST', '/api/v1/users/jon/follow')
    const names = async () => (await body(await call('fay', 'GET', '/api/v1/users/me/suggestions'))).data.map((x: any) => [x.username, x.mutuals, [...x.followed_by].sort()])
    assert.deepEqual(await names(), [['jon', 2, ['gus', 'kit']], ['ivy', 1, ['gus']], ['hal', 1, ['gus']]])
    await call('hal', 'POST', '/api/v1/users/fay/block')
    await call('fay', 'POST', '/api/v1/users/ivy/block')
    assert.deepEqual(await names(), [['jon', 2, ['gus', 'kit']]])
    await call('jon', 'PUT', '/api/v1/users/me', { is_private: true })
    assert.deepEqual(await names(), [['jon', 2, ['gus', 'kit']]], 'a private account is suggested until asked')
    await t.h.users.suspend(id.jon!, 'spam', null)
    assert.deepEqual(await names(), [], 'nobody suspended')
    await t.h.users.unsuspend(id.jon!, null)
    assert.equal((await body(await call('fay', 'POST', '/api/v1/users/jon/follow'))).data.state, 'requested')
    assert.deepEqual(await names(), [])
  })

  it('edits a profile and refuses bad values field by field', async () => {
    const good = await body(await call('bob', 'PUT', '/api/v1/users/me', { display_name: 'Bo B', bio: 'Runner. #fitness', links: [{ label: 'site', url: 'https://bo.example' }], account_type: 'creator' }))
    assert.deepEqual([good.data.display_name, good.data.bio, good.data.account_type, good.data.links[0].url], ['Bo B', 'Runner. #fitness', 'creator', 'https://bo.example'])
    const bad = async (json: unknown, field: string, msg: RegExp) => {
      const res = await call('bob', 'PUT', '/api/v1/users/me', json)
      assert.equal(res.status, 400, JSON.stringify(json))
      assert.match((await body(res)).error.details.fields[field], msg)
    }
    await bad({ bio: 'x'.repeat(301) }, 'bio', /at most 300/)
    await bad({ links: [{ url: 'javascript:alert(1)' }] }, 'links.0.url', /https:\/\//)
    await bad({ account_type: 'king' }, 'account_type', /personal, creator or business/)
    await bad({ avatar_media_id: 999 }, 'avatar_media_id', /Choose a picture you uploaded/)
    await bad({ avatar_visibility: 'custom', avatar_audience: ['ghost'] }, 'avatar_audience', /No member named @ghost/)
    assert.equal((await call('bob', 'PUT', '/api/v1/users/ana', { bio: 'hacked' })).status, 403)
  })
})
