// Post scopes (a plugin's spaces, such as groups): their posts follow the scope's rules on every path.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { ROOT } from '../paths.js'
import { createScopesService } from './scopes.js'

type Envelope = { data: any; error: { code: string; message: string } }

describe('post scopes', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  const id: Record<string, number> = {}
  let secret: number
  let open: number
  before(async () => {
    t = await createTestApp({ pluginDirs: [join(ROOT, 'test/fixtures/plugins')], enable: ['alpha'] })
    for (const n of ['insider', 'outsider', 'poster']) {
      const r = await t.register(n)
      tok[n] = r.token
      id[n] = r.id
    }
    await t.request('POST', '/api/v1/users/poster/follow', { token: tok.outsider })
    await t.request('POST', '/api/v1/users/poster/follow', { token: tok.insider })
    const scopes = createScopesService(t.h.db)
    await scopes.define('alpha', 'alpha:private-room', { public: false })
    await scopes.define('alpha', 'alpha:open-room', { public: true })
    for (const who of ['insider', 'poster']) await scopes.setMember('alpha:private-room', id[who]!, true)
    secret = (await t.h.posts.create(id.poster!, { text: 'members only #roomtalk' }, { scope: 'alpha:private-room' })).id
    open = (await t.h.posts.create(id.poster!, { text: 'anyone may read #roomtalk' }, { scope: 'alpha:open-room' })).id
    await t.h.queue.drain()
  })
  after(() => t.close())
  const call = (who: string | null, path: string) => t.request('GET', path, { token: who ? tok[who] : undefined })

  it('keeps a members-only scope’s post from non-members on every path', async () => {
    const paths = [`/api/v1/posts/${secret}`, '/api/v1/feed/home', '/api/v1/feed/explore', '/api/v1/hashtags/roomtalk/posts', '/api/v1/feed/user/poster', '/api/v1/search/posts?q=members']
    for (const who of ['outsider', null]) {
      for (const path of paths) {
        if (who === null && path.endsWith('home')) continue
        const text = await (await call(who, path)).text()
        assert.ok(!text.includes('members only'), `${who ?? 'guest'} saw it at ${path}`)
      }
    }
    assert.equal((await call('outsider', `/api/v1/posts/${secret}`)).status, 404)
    assert.equal((await call('insider', `/api/v1/posts/${secret}`)).status, 200)
    assert.ok(((await (await call('insider', '/api/v1/feed/home')).json()) as Envelope).data.some((p: any) => p.id === secret), 'a member following the author has it in the feed')
    assert.equal((((await (await call('insider', `/api/v1/posts/${secret}`)).json()) as Envelope).data.scope), 'alpha:private-room')
  })

  it('lets a scope decide, not the author’s followers: a private account’s post reaches the scope’s members', async () => {
    const { token, id: shyId } = await t.register('shy_member')
    tok.shy = token
    await t.request('PUT', '/api/v1/users/me', { token, json: { is_private: true } })
    await createScopesService(t.h.db).setMember('alpha:private-room', shyId, true)
    const p = (await t.h.posts.create(shyId, { text: 'from a private account, to the room' }, { scope: 'alpha:private-room' })).id
    assert.equal((await call('insider', `/api/v1/posts/${p}`)).status, 200, 'a member who does not follow them reads it')
    assert.equal((await call('outsider', `/api/v1/posts/${p}`)).status, 404)
    const mine = (await t.h.posts.create(shyId, { text: 'only me in the room', visibility: 'only_me' }, { scope: 'alpha:private-room' })).id
    assert.equal((await call('insider', `/api/v1/posts/${mine}`)).status, 404, 'only-me stays the author’s')
  })

  it('shows a public scope’s post to anyone who may see the post', async () => {
    assert.equal((await call(null, `/api/v1/posts/${open}`)).status, 200)
    assert.ok((await (await call('outsider', '/api/v1/hashtags/roomtalk/posts')).text()).includes('anyone may read'))
  })

  it('keeps plugins to their own scopes', async () => {
    const res = await t.request('POST', '/api/v1/alpha/scoped', { token: tok.insider })
    const b = (await res.json()) as Envelope
    assert.equal(res.status, 200)
    assert.match(b.data.foreign, /posts only into its own "alpha:\*" scopes/)
    assert.equal(b.data.own.scope, 'alpha:chat')
    assert.equal((await call('outsider', `/api/v1/posts/${b.data.own.id}`)).status, 404)
    assert.equal((await call('insider', `/api/v1/posts/${b.data.own.id}`)).status, 200)
  })
})
