// The groups plugin: its rules and their bad inputs, privacy on every path, the pages without JavaScript, and
// the plugin disabled then enabled again.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Envelope = { status: string; data: any; error: { code: string; message: string; details: any }; pagination?: { next_cursor: string | null; has_more: boolean } }
type Who = { id: number; token: string }

/** Helpers over one app: JSON calls as a member (or a guest), and group creation. */
function client(t: () => TestApp) {
  const call = async (who: Who | null, method: string, path: string, json?: unknown) => {
    const res = await t().request(method, path, { token: who?.token, json })
    const text = await res.text()
    return { status: res.status, body: (text.startsWith('{') ? JSON.parse(text) : {}) as Envelope, text }
  }
  const group = async (who: Who, name: string, privacy: 'public' | 'private' | 'hidden', description = '') => {
    const r = await call(who, 'POST', '/api/v1/groups', { name, privacy, description })
    assert.equal(r.status, 201, r.text)
    return r.body.data.id as number
  }
  const post = async (who: Who, groupId: number, text: string, extra: Record<string, unknown> = {}) => {
    const r = await call(who, 'POST', `/api/v1/groups/${groupId}/posts`, { text, ...extra })
    assert.equal(r.status, 201, r.text)
    return r.body.data.id as number
  }
  const scopeMember = async (groupId: number, userId: number) =>
    !!(await t().h.db.selectFrom('post_scope_members').select('user_id').where('scope_id', '=', `groups:${groupId}`).where('user_id', '=', userId).executeTakeFirst())
  return { call, group, post, scopeMember }
}

describe('groups plugin', () => {
  let t: TestApp
  const { call, group, post, scopeMember } = client(() => t)
  const u: Record<string, Who> = {}

  before(async () => {
    t = await createTestApp({ enable: ['groups'] })
    for (const n of ['ana', 'ben', 'cleo', 'dan', 'eve', 'fay', 'gus', 'hal', 'rosa', 'milo']) u[n] = await t.register(n)
    await t.h.users.setRole(u.rosa!.id, 'admin', null)
    await t.h.users.setRole(u.milo!.id, 'moderator', null)
    // hal follows dan and ana but joins no group: the "follower of the author" on every path.
    for (const who of ['dan', 'ana']) assert.equal((await call(u.hal!, 'POST', `/api/v1/users/${who}/follow`)).status, 200)
  })
  after(() => t.close())

  it('loads with its tables, nav item and discovery page', async () => {
    assert.ok(t.h.plugins.loaded.has('groups'))
    assert.equal((await t.h.plugins.status()).find((p) => p.name === 'groups')!.error, null)
    assert.deepEqual(t.h.store.sqlite.prepare('select name from hearth_migrations_groups').all(), [{ name: '2026_11_21_1600_create_groups' }])
    const html = await (await t.request('GET', '/groups')).text()
    assert.match(html, /data-nav="groups"/)
    assert.match(html, /href="\/login\?next=\/groups"/)
    assert.equal((await t.request('GET', '/plugins/groups/groups.css')).status, 200)
  })

  it('creates a group through the API and refuses bad input', async () => {
    assert.equal((await call(null, 'POST', '/api/v1/groups', { name: 'Guests group' })).status, 401)
    const bad = [
      [{ name: 'ab' }, 'name'],
      [{ name: 'x'.repeat(81) }, 'name'],
      [{ name: '   ' }, 'name'],
      [{}, 'name'],
      [{ name: 'Fine name', privacy: 'secret' }, 'privacy'],
      [{ name: 'Fine name', description: 'd'.repeat(1001) }, 'description'],
      [{ name: 42 }, 'name'],
    ] as const
    for (const [json, field] of bad) {
      const r = await call(u.ana!, 'POST', '/api/v1/groups', json)
      assert.equal(r.status, 400, JSON.stringify(json))
      assert.equal(r.body.error.code, 'VALIDATION_FAILED')
      assert.ok(r.body.error.details.fields[field], `${JSON.stringify(json)} names ${field}`)
    }
    const notObject = await t.request('POST', '/api/v1/groups', { token: u.ana!.token, headers: { 'content-type': 'application/json' }, body: '[1,2]' })
    assert.equal(notObject.status, 400)
    const ok = await call(u.ana!, 'POST', '/api/v1/groups', { name: '  Seed swappers  ', description: 'Swap seeds in spring' })
    assert.equal(ok.status, 201)
    assert.equal(ok.body.data.name, 'Seed swappers')
    assert.equal(ok.body.data.privacy, 'public', 'public by default')
    assert.deepEqual(ok.body.data.membership, { state: 'member', role: 'owner' })
    assert.equal(ok.body.data.members_count, 1)
    assert.equal(ok.body.data.owner.username, 'ana')
    assert.ok(await scopeMember(ok.body.data.id, u.ana!.id), 'the owner is in the group’s scope')
    const scope = await t.h.db.selectFrom('post_scopes').selectAll().where('id', '=', `groups:${ok.body.data.id}`).executeTakeFirstOrThrow()
    assert.equal(scope.public, 1)
    assert.equal((await call(u.ana!, 'GET', '/api/v1/groups/abc')).status, 404)
    assert.equal((await call(u.ana!, 'GET', '/api/v1/groups/987654')).body.error.code, 'NOT_FOUND')
  })

  it('lets anyone read and join a public group; only members post; its posts are public everywhere', async () => {
    const g = await group(u.ana!, 'Open kitchen', 'public', 'Recipes for all')
    assert.equal((await call(null, 'GET', `/api/v1/groups/${g}`)).status, 200)
    assert.equal((await call(u.dan!, 'POST', `/api/v1/groups/${g}/posts`, { text: 'not yet a member' })).status, 403)
    assert.equal((await call(null, 'POST', `/api/v1/groups/${g}/members`)).status, 401)
    const join = await call(u.dan!, 'POST', `/api/v1/groups/${g}/members`)
    assert.deepEqual(join.body.data, { state: 'member' })
    assert.ok(await scopeMember(g, u.dan!.id))
    assert.equal((await call(u.dan!, 'POST', `/api/v1/groups/${g}/members`)).body.data.state, 'member', 'joining twice is harmless')
    const pid = await post(u.dan!, g, 'Soup for everyone #opensoup')
    assert.equal((await call(u.dan!, 'POST', `/api/v1/groups/${g}/posts`, { text: '' })).status, 400, 'an empty post')
    assert.equal((await call(u.dan!, 'POST', `/api/v1/groups/${g}/posts`, { text: 5 })).status, 400)
    assert.equal((await call(u.dan!, 'POST', `/api/v1/groups/${g}/posts`, { text: 'x'.repeat(5001) })).status, 400)
    assert.equal((await call(u.dan!, 'POST', `/api/v1/groups/${g}/posts`, { text: 'hi', media_ids: [999999] })).status, 400, 'someone else’s or no media')
    await t.h.queue.drain()
    const feed = await call(null, 'GET', `/api/v1/groups/${g}/posts`)
    assert.equal(feed.status, 200)
    assert.deepEqual(feed.body.data.map((p: any) => p.id), [pid])
    assert.equal(feed.body.data[0].scope, `groups:${g}`)
    assert.deepEqual(feed.body.pagination, { next_cursor: null, has_more: false })
    assert.equal((await call(null, 'GET', `/api/v1/posts/${pid}`)).status, 200)
    assert.ok((await call(null, 'GET', '/api/v1/hashtags/opensoup/posts')).text.includes('Soup for everyone'))
    // Listed pages say which group a post is in, and only for a group's posts.
    assert.equal((await call(u.dan!, 'POST', '/api/v1/posts', { text: 'Soup at home #opensoup' })).status, 201)
    const tagPage = (await call(null, 'GET', '/tags/opensoup')).text
    assert.ok(tagPage.includes('Soup at home'))
    assert.deepEqual([...tagPage.matchAll(/data-post-group="(\d+)"/g)].map((m) => Number(m[1])), [g])
    // Under the post, wherever core lists it: the group it is in.
    assert.match(await (await t.request('GET', `/p/${pid}`)).text(), new RegExp(`href="/groups/${g}"[^>]*>in Open kitchen<`))
    assert.equal((await call(u.dan!, 'GET', `/api/v1/groups/${g}/posts?limit=0`)).status, 400)
    assert.equal((await call(u.dan!, 'GET', `/api/v1/groups/${g}/posts?cursor=nonsense`)).status, 400)
    const members = await call(null, 'GET', `/api/v1/groups/${g}/members`)
    assert.deepEqual(members.body.data.map((m: any) => [m.user.username, m.role]), [['ana', 'owner'], ['dan', 'member']])
  })

  describe('a private group', () => {
    let g: number
    let secret: number
    let photo: { id: number; url: string }
    before(async () => {
      g = await group(u.ana!, 'Quiet allotment', 'private', 'Plot holders only')
      // cleo follows the author and joins: the control that every path below does carry the post to members.
      await call(u.cleo!, 'POST', '/api/v1/users/dan/follow')
      for (const who of ['ben', 'cleo', 'dan']) {
        assert.deepEqual((await call(u[who]!, 'POST', `/api/v1/groups/${g}/members`)).body.data, { state: 'requested' })
        assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${g}/requests/${u[who]!.id}/approve`)).status, 200)
      }
      const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3a7' } }).png().toBuffer()
      const form = new FormData()
      form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'plot.png')
      const up = (await (await t.request('POST', '/api/v1/media', { token: u.dan!.token, body: form })).json()) as Envelope
      await t.h.queue.drain()
      secret = await post(u.dan!, g, 'Members only: the gate code is 1234 #plotsecret', { media_ids: [up.data.id] })
      await t.h.queue.drain()
      const seen = (await call(u.ana!, 'GET', `/api/v1/posts/${secret}`)).body.data
      photo = { id: up.data.id, url: Object.values(seen.media[0].urls as Record<string, string>)[0]! }
    })

    it('is listed and its about is public, but its posts and members are for members', async () => {
      const about = await call(u.eve!, 'GET', `/api/v1/groups/${g}`)
      assert.equal(about.status, 200)
      assert.equal(about.body.data.members_count, 4)
      assert.deepEqual(about.body.data.membership, { state: 'none', role: null })
      assert.equal((await call(u.eve!, 'GET', `/api/v1/groups/${g}/posts`)).status, 403)
      assert.equal((await call(u.eve!, 'GET', `/api/v1/groups/${g}/members`)).status, 403)
      assert.equal((await call(null, 'GET', `/api/v1/groups/${g}/members`)).status, 403)
      assert.equal((await call(u.eve!, 'POST', `/api/v1/groups/${g}/posts`, { text: 'let me in' })).status, 403)
      const page = await (await t.request('GET', `/groups/${g}`, { token: u.eve!.token })).text()
      assert.match(page, /Quiet allotment/)
      assert.match(page, /only its members see its posts/)
      assert.doesNotMatch(page, /gate code/)
      assert.match(page, />Ask to join</)
    })

    it('keeps its post from non-members on every path, and shows it to members', async () => {
      const paths = [
        `/api/v1/posts/${secret}`,
        `/api/v1/groups/${g}/posts`,
        '/api/v1/feed/home',
        '/api/v1/feed/explore',
        '/api/v1/hashtags/plotsecret/posts',
        '/api/v1/search/posts?q=gate',
        '/api/v1/feed/user/dan',
        `/p/${secret}`,
        '/explore',
        '/tags/plotsecret',
        '/search?q=gate',
        '/u/dan?view=list',
        `/groups/${g}`,
        '/',
      ]
      // hal follows the author; eve is a stranger; guests have no account.
      for (const who of ['hal', 'eve', null] as const) {
        for (const path of paths) {
          if (who === null && path.endsWith('/home')) continue
          const res = await t.request('GET', path, { token: who ? u[who]!.token : undefined })
          assert.ok(!(await res.text()).includes('gate code'), `${who ?? 'a guest'} saw it at ${path}`)
        }
        assert.equal((await call(who ? u[who]! : null, 'GET', `/api/v1/posts/${secret}`)).status, 404)
        assert.equal((await t.request('GET', photo.url, { token: who ? u[who]!.token : undefined })).status, 404, 'its photo too')
      }
      // Members see it on those same paths (cleo follows the author, so it is in her home feed too).
      for (const path of [`/api/v1/posts/${secret}`, `/api/v1/groups/${g}/posts`, '/api/v1/feed/home', '/api/v1/hashtags/plotsecret/posts', '/api/v1/search/posts?q=gate', '/api/v1/feed/user/dan', `/p/${secret}`, '/tags/plotsecret', `/groups/${g}`]) {
        assert.ok((await t.request('GET', path, { token: u.cleo!.token }).then((r) => r.text())).includes('gate code'), `a member sees it at ${path}`)
      }
      assert.equal((await call(u.cleo!, 'GET', `/api/v1/posts/${secret}`)).status, 200)
      assert.equal((await t.request('GET', photo.url, { token: u.cleo!.token })).status, 200)
      // Comments are core's, with the post's rules: members comment and read them, others cannot reach them.
      assert.equal((await call(u.cleo!, 'POST', `/api/v1/posts/${secret}/comments`, { text: 'See you at the gate' })).status, 201)
      assert.equal((await call(u.hal!, 'POST', `/api/v1/posts/${secret}/comments`, { text: 'me too?' })).status, 404)
      assert.equal((await call(u.hal!, 'GET', `/api/v1/posts/${secret}/comments`)).status, 404)
      assert.ok((await call(u.ana!, 'GET', `/api/v1/posts/${secret}/comments`)).text.includes('See you at the gate'))
      assert.deepEqual((await call(u.cleo!, 'GET', `/api/v1/groups/${g}/posts`)).body.data.map((p: any) => p.id), [secret])
      assert.ok((await call(u.ben!, 'GET', '/api/v1/hashtags/plotsecret/posts')).text.includes('gate code'))
      assert.match(await (await t.request('GET', `/groups/${g}`, { token: u.cleo!.token })).text(), /gate code/)
    })

    it('takes requests: only owners and admins see and answer them; requests can be withdrawn or rejected', async () => {
      assert.deepEqual((await call(u.fay!, 'POST', `/api/v1/groups/${g}/members`)).body.data, { state: 'requested' })
      assert.deepEqual((await call(u.fay!, 'GET', `/api/v1/groups/${g}`)).body.data.membership, { state: 'requested', role: null })
      assert.ok(!(await scopeMember(g, u.fay!.id)), 'a request reads nothing')
      assert.equal((await call(u.fay!, 'GET', `/api/v1/posts/${secret}`)).status, 404)
      const ana = await t.h.notifications.list(u.ana!.id)
      assert.ok(ana.items.some((n) => n.type === 'groups.request' && /^fay and 3 others asked to join Quiet allotment$/.test(n.text) && n.url === `/groups/${g}/manage`))
      assert.match(await (await t.request('GET', '/groups', { token: u.ana!.token })).text(), /data-nav="groups">.*?<span class="nav-label">Groups \(1\)</, 'the nav counts waiting requests')
      for (const who of ['dan', 'cleo']) {
        assert.equal((await call(u[who]!, 'GET', `/api/v1/groups/${g}/requests`)).status, 403)
        assert.equal((await call(u[who]!, 'POST', `/api/v1/groups/${g}/requests/${u.fay!.id}/approve`)).status, 403)
      }
      assert.deepEqual((await call(u.ana!, 'GET', `/api/v1/groups/${g}/requests`)).body.data.map((r: any) => r.user.username), ['fay'])
      assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${g}/requests/${u.eve!.id}/approve`)).status, 404, 'no request, no approval')
      assert.deepEqual((await call(u.fay!, 'DELETE', `/api/v1/groups/${g}/members`)).body.data, { state: 'none' })
      assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${g}/requests/${u.fay!.id}/approve`)).status, 404, 'withdrawn')
      await call(u.fay!, 'POST', `/api/v1/groups/${g}/members`)
      assert.equal((await call(u.ana!, 'DELETE', `/api/v1/groups/${g}/requests/${u.fay!.id}`)).status, 200)
      assert.equal((await call(u.ana!, 'DELETE', `/api/v1/groups/${g}/requests/${u.fay!.id}`)).status, 404)
      assert.deepEqual((await call(u.fay!, 'GET', `/api/v1/groups/${g}`)).body.data.membership, { state: 'none', role: null })
      await call(u.fay!, 'POST', `/api/v1/groups/${g}/members`)
      assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${g}/requests/${u.fay!.id}/approve`)).status, 200)
      assert.ok(await scopeMember(g, u.fay!.id))
      assert.equal((await call(u.fay!, 'GET', `/api/v1/posts/${secret}`)).status, 200, 'approved members read it')
      assert.ok((await t.h.notifications.list(u.fay!.id)).items.some((n) => n.type === 'groups.approved' && n.url === `/groups/${g}`))
    })

    it('stays private when its privacy changes back and forth, and follows a change to public', async () => {
      assert.equal((await call(u.dan!, 'PUT', `/api/v1/groups/${g}`, { privacy: 'public' })).status, 403, 'members do not edit')
      assert.equal((await call(u.ana!, 'PUT', `/api/v1/groups/${g}`, {})).status, 400)
      assert.equal((await call(u.ana!, 'PUT', `/api/v1/groups/${g}`, { privacy: 'open' })).status, 400)
      assert.equal((await call(u.ana!, 'PUT', `/api/v1/groups/${g}`, { name: 'x' })).status, 400)
      const pub = await call(u.ana!, 'PUT', `/api/v1/groups/${g}`, { privacy: 'public', description: 'Now open' })
      assert.equal(pub.body.data.privacy, 'public')
      assert.equal((await call(u.eve!, 'GET', `/api/v1/posts/${secret}`)).status, 200)
      await call(u.ana!, 'PUT', `/api/v1/groups/${g}`, { privacy: 'private' })
      assert.equal((await call(u.eve!, 'GET', `/api/v1/posts/${secret}`)).status, 404)
      assert.equal((await call(u.ana!, 'GET', `/api/v1/groups/${g}`)).body.data.description, 'Now open')
    })
  })

  it('hides a hidden group from non-members exactly like a missing group', async () => {
    const g = await group(u.ana!, 'Surprise party planners', 'hidden', 'Shh, for Dan')
    const hpost = await post(u.ana!, g, 'Cake at eight #shhparty')
    const missing = await call(u.eve!, 'GET', '/api/v1/groups/987654')
    for (const [method, suffix] of [['GET', ''], ['GET', '/posts'], ['GET', '/members'], ['POST', '/members'], ['DELETE', '/members'], ['PUT', ''], ['DELETE', ''], ['GET', '/requests'], ['POST', '/invites'], ['POST', '/posts']] as const) {
      const hidden = await call(u.eve!, method, `/api/v1/groups/${g}${suffix}`, method === 'GET' || method === 'DELETE' ? undefined : { name: 'x y z', text: 'x' })
      const none = await call(u.eve!, method, `/api/v1/groups/987654${suffix}`, method === 'GET' || method === 'DELETE' ? undefined : { name: 'x y z', text: 'x' })
      assert.equal(hidden.status, 404, `${method} ${suffix}`)
      assert.deepEqual([hidden.status, hidden.body.error.code, hidden.body.error.message], [none.status, none.body.error.code, none.body.error.message], `${method} ${suffix}`)
    }
    assert.equal(missing.body.error.message, 'That group does not exist.')
    assert.equal((await call(null, 'GET', `/api/v1/groups/${g}`)).status, 404)
    assert.equal((await t.request('GET', `/groups/${g}`, { token: u.eve!.token })).status, 404)
    assert.equal((await t.request('GET', `/groups/${g}/members`)).status, 404)
    assert.ok(!(await call(u.eve!, 'GET', '/api/v1/groups?q=Surprise')).text.includes('Surprise'), 'not searchable')
    assert.ok(!(await call(u.eve!, 'GET', '/api/v1/groups')).text.includes('Surprise'), 'not listed')
    assert.doesNotMatch(await (await t.request('GET', '/groups?q=party', { token: u.eve!.token })).text(), /Surprise/)
    assert.equal((await call(u.eve!, 'GET', `/api/v1/posts/${hpost}`)).status, 404)
    assert.doesNotMatch(await (await t.request('GET', '/u/ana?tab=groups', { token: u.hal!.token })).text(), /Surprise/, 'not on the owner’s profile')
    // Its members see it, on their own profile tab too; a site admin may see it (to delete it) but not its posts.
    assert.equal((await call(u.ana!, 'GET', `/api/v1/groups/${g}`)).status, 200)
    assert.match(await (await t.request('GET', '/u/ana?tab=groups', { token: u.ana!.token })).text(), /Surprise party planners/)
    assert.ok((await call(u.ana!, 'GET', '/api/v1/groups/mine')).body.data.some((x: any) => x.id === g))
    assert.equal((await call(u.rosa!, 'GET', `/api/v1/groups/${g}`)).status, 200)
    assert.equal((await call(u.rosa!, 'GET', `/api/v1/groups/${g}/posts`)).status, 403)
    assert.equal((await call(u.rosa!, 'POST', `/api/v1/groups/${g}/members`)).status, 404, 'invite only, site admins too')
  })

  describe('roles', () => {
    let g: number
    before(async () => {
      g = await group(u.ana!, 'Tool library', 'public')
      for (const who of ['ben', 'cleo', 'dan', 'eve']) await call(u[who]!, 'POST', `/api/v1/groups/${g}/members`)
      assert.equal((await call(u.ana!, 'PUT', `/api/v1/groups/${g}/members/${u.ben!.id}`, { role: 'admin' })).status, 200)
      assert.equal((await call(u.ana!, 'PUT', `/api/v1/groups/${g}/members/${u.cleo!.id}`, { role: 'moderator' })).status, 200)
    })

    it('refuses a moderator who tries to remove, demote or ban the owner (or anyone)', async () => {
      for (const target of ['ana', 'dan']) {
        const r = await call(u.cleo!, 'DELETE', `/api/v1/groups/${g}/members/${u[target]!.id}`)
        assert.equal(r.status, 403, target)
        assert.equal(r.body.error.code, 'FORBIDDEN')
        assert.equal((await call(u.cleo!, 'PUT', `/api/v1/groups/${g}/members/${u[target]!.id}`, { role: 'member' })).status, 403)
        assert.equal((await call(u.cleo!, 'POST', `/api/v1/groups/${g}/bans`, { user: target })).status, 403)
      }
      assert.equal((await call(u.cleo!, 'GET', `/api/v1/groups/${g}/requests`)).status, 403)
      const members = (await call(u.cleo!, 'GET', `/api/v1/groups/${g}/members`)).body.data.map((m: any) => `${m.user.username}:${m.role}`)
      assert.deepEqual(members, ['ana:owner', 'ben:admin', 'cleo:moderator', 'dan:member', 'eve:member'])
    })

    it('lets nobody remove, demote or ban the owner, and admins act only below their rank', async () => {
      const owner = u.ana!.id
      const byAdmin = [
        await call(u.ben!, 'DELETE', `/api/v1/groups/${g}/members/${owner}`),
        await call(u.ben!, 'PUT', `/api/v1/groups/${g}/members/${owner}`, { role: 'member' }),
        await call(u.ben!, 'POST', `/api/v1/groups/${g}/bans`, { user: owner }),
      ]
      for (const r of byAdmin) assert.deepEqual([r.status, r.body.error.code], [403, 'FORBIDDEN'])
      assert.match(byAdmin[0]!.body.error.message, /Nobody can remove, demote or ban the group’s owner/)
      assert.equal((await call(u.ana!, 'PUT', `/api/v1/groups/${g}/members/${owner}`, { role: 'admin' })).status, 409, 'not even the owner themself')
      assert.equal((await call(u.ana!, 'DELETE', `/api/v1/groups/${g}/members`)).status, 409, 'the owner cannot just leave')
      assert.equal((await call(u.ana!, 'PUT', `/api/v1/groups/${g}/members/${u.dan!.id}`, { role: 'owner' })).status, 400, 'ownership moves by transfer')
      assert.equal((await call(u.ana!, 'PUT', `/api/v1/groups/${g}/members/${u.dan!.id}`, { role: 'king' })).status, 400)
      assert.equal((await call(u.ana!, 'PUT', `/api/v1/groups/${g}/members/${u.fay!.id}`, { role: 'member' })).status, 404, 'not a member')
      // An admin manages moderators and members, not other admins.
      assert.equal((await call(u.ana!, 'PUT', `/api/v1/groups/${g}/members/${u.dan!.id}`, { role: 'admin' })).status, 200)
      assert.equal((await call(u.ben!, 'PUT', `/api/v1/groups/${g}/members/${u.dan!.id}`, { role: 'member' })).status, 403)
      assert.equal((await call(u.ben!, 'DELETE', `/api/v1/groups/${g}/members/${u.dan!.id}`)).status, 403)
      assert.equal((await call(u.ben!, 'DELETE', `/api/v1/groups/${g}/members/${u.ben!.id}`)).status, 409, 'leave instead')
      assert.equal((await call(u.ana!, 'PUT', `/api/v1/groups/${g}/members/${u.dan!.id}`, { role: 'member' })).status, 200)
      assert.equal((await call(u.ben!, 'PUT', `/api/v1/groups/${g}/members/${u.cleo!.id}`, { role: 'member' })).status, 200)
      assert.equal((await call(u.ben!, 'PUT', `/api/v1/groups/${g}/members/${u.cleo!.id}`, { role: 'moderator' })).status, 200)
      // Removing takes the member out of the scope too; in a public group they may come back.
      assert.equal((await call(u.ben!, 'DELETE', `/api/v1/groups/${g}/members/${u.eve!.id}`)).status, 200)
      assert.ok(!(await scopeMember(g, u.eve!.id)))
      assert.equal((await call(u.ben!, 'DELETE', `/api/v1/groups/${g}/members/${u.eve!.id}`)).status, 404)
      assert.equal((await call(u.eve!, 'POST', `/api/v1/groups/${g}/members`)).body.data.state, 'member')
    })

    it('lets moderators remove posts in the group: through core for authors and site staff, through the moderation queue otherwise', async () => {
      const p1 = await post(u.dan!, g, 'Selling my drill, DM me')
      const p2 = await post(u.dan!, g, 'Another ad')
      const p3 = await post(u.eve!, g, 'Borrowed the ladder')
      const elsewhere = (await call(u.dan!, 'POST', '/api/v1/posts', { text: 'not in a group' })).body.data.id
      assert.equal((await call(u.eve!, 'DELETE', `/api/v1/groups/${g}/posts/${p1}`)).status, 403, 'a member, not the author')
      assert.equal((await call(u.cleo!, 'DELETE', `/api/v1/groups/${g}/posts/${elsewhere}`)).status, 404, 'not in this group')
      assert.equal((await call(u.cleo!, 'DELETE', `/api/v1/groups/${g}/posts/99999`)).status, 404)
      // A group moderator removes someone else's post in the group through core (audited).
      const byMod = await call(u.cleo!, 'DELETE', `/api/v1/groups/${g}/posts/${p1}`)
      assert.equal(byMod.status, 200)
      assert.deepEqual(byMod.body.data, { removed: true, report_id: null })
      assert.equal((await call(u.dan!, 'GET', `/api/v1/posts/${p1}`)).status, 404)
      const audited = t.h.store.sqlite.prepare("select details from audit_log where action = 'post.delete' and target_id = ?").get(String(p1)) as { details: string }
      assert.equal(JSON.parse(audited.details).scope, `groups:${g}`)
      assert.deepEqual((await call(u.dan!, 'DELETE', `/api/v1/groups/${g}/posts/${p2}`)).body.data, { removed: true, report_id: null })
      assert.equal((await call(u.dan!, 'GET', `/api/v1/posts/${p2}`)).status, 404)
      assert.deepEqual((await call(u.milo!, 'DELETE', `/api/v1/groups/${g}/posts/${p3}`)).body.data, { removed: true, report_id: null }, 'site staff, even outside the group')
    })

    it('transfers ownership to a member; the old owner stays as an admin', async () => {
      assert.equal((await call(u.ben!, 'POST', `/api/v1/groups/${g}/transfer`, { user: 'dan' })).status, 403, 'only the owner')
      assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${g}/transfer`, { user: 'fay' })).status, 400, 'not a member')
      assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${g}/transfer`, { user: 'nobody-here' })).status, 404)
      assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${g}/transfer`, { user: 'ana' })).status, 409)
      assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${g}/transfer`, {})).status, 400)
      const r = await call(u.ana!, 'POST', `/api/v1/groups/${g}/transfer`, { user: u.ben!.id })
      assert.equal(r.status, 200)
      assert.equal(r.body.data.owner.username, 'ben')
      assert.deepEqual(r.body.data.membership, { state: 'member', role: 'admin' })
      assert.equal((await call(u.ana!, 'DELETE', `/api/v1/groups/${g}`)).status, 403, 'no longer the owner')
      assert.equal((await call(u.ana!, 'DELETE', `/api/v1/groups/${g}/members/${u.ben!.id}`)).status, 403)
      assert.equal((await call(u.ana!, 'DELETE', `/api/v1/groups/${g}/members`)).status, 200, 'and may leave now')
      assert.ok(!(await scopeMember(g, u.ana!.id)))
    })
  })

  describe('bans and invites', () => {
    let pub: number
    let priv: number
    let hidden: number
    let secret: number
    before(async () => {
      pub = await group(u.ana!, 'Chess club', 'public')
      priv = await group(u.ana!, 'Chess masters', 'private')
      hidden = await group(u.ana!, 'Chess secrets', 'hidden')
      await call(u.gus!, 'POST', `/api/v1/groups/${pub}/members`)
      await call(u.gus!, 'POST', `/api/v1/groups/${priv}/members`)
      await call(u.ana!, 'POST', `/api/v1/groups/${priv}/requests/${u.gus!.id}/approve`)
      secret = await post(u.ana!, priv, 'The secret opening is e4 e5 Qh5')
      assert.equal((await call(u.gus!, 'GET', `/api/v1/posts/${secret}`)).status, 200)
    })

    it('keeps a banned member out: no rejoining, no request, no invite', async () => {
      assert.equal((await call(u.gus!, 'POST', `/api/v1/groups/${pub}/bans`, { user: 'dan' })).status, 403, 'members do not ban')
      assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${pub}/bans`, {})).status, 400)
      assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${pub}/bans`, { user: 'nobody-at-all' })).status, 404)
      assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${pub}/bans`, { user: 'ana' })).status, 409)
      for (const g of [pub, priv]) {
        assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${g}/bans`, { user: '@gus'.slice(1) })).status, 201)
        assert.ok(!(await scopeMember(g, u.gus!.id)), 'out of the scope')
        assert.deepEqual((await call(u.gus!, 'GET', `/api/v1/groups/${g}`)).body.data.membership, { state: 'banned', role: null })
        const again = await call(u.gus!, 'POST', `/api/v1/groups/${g}/members`)
        assert.deepEqual([again.status, again.body.error.code], [403, 'FORBIDDEN'], 'no rejoining or request')
        assert.match(again.body.error.message, /banned/)
      }
      assert.equal((await call(u.gus!, 'GET', `/api/v1/posts/${secret}`)).status, 404, 'reads nothing any more')
      assert.equal((await call(u.ana!, 'GET', `/api/v1/groups/${priv}/requests`)).body.data.length, 0, 'no request was made')
      const invite = (await call(u.ana!, 'POST', `/api/v1/groups/${priv}/invites`, {})).body.data
      const used = await call(u.gus!, 'POST', `/api/v1/groups/invites/${invite.token}`)
      assert.deepEqual([used.status, used.body.error.code], [403, 'FORBIDDEN'], 'no invite either')
      // Banning someone who never joined keeps them from joining too; lifting a ban lets them back.
      assert.equal((await call(u.ana!, 'POST', `/api/v1/groups/${pub}/bans`, { user: u.hal!.id })).status, 201)
      assert.equal((await call(u.hal!, 'POST', `/api/v1/groups/${pub}/members`)).status, 403)
      assert.deepEqual((await call(u.ana!, 'GET', `/api/v1/groups/${pub}/bans`)).body.data.map((b: any) => b.user.username).sort(), ['gus', 'hal'])
      assert.equal((await call(u.gus!, 'DELETE', `/api/v1/groups/${pub}/bans/${u.hal!.id}`)).status, 403)
      assert.equal((await call(u.ana!, 'DELETE', `/api/v1/groups/${pub}/bans/${u.hal!.id}`)).status, 200)
      assert.equal((await call(u.ana!, 'DELETE', `/api/v1/groups/${pub}/bans/${u.hal!.id}`)).status, 404)
      assert.equal((await call(u.hal!, 'POST', `/api/v1/groups/${pub}/members`)).body.data.state, 'member')
    })

    it('lets invite links bring people into hidden and private groups, until they expire, run out or are revoked', async () => {
      assert.equal((await call(u.dan!, 'POST', `/api/v1/groups/${hidden}/invites`, {})).status, 404, 'a non-member cannot see the group')
      await call(u.dan!, 'POST', `/api/v1/groups/${pub}/members`)
      assert.equal((await call(u.dan!, 'POST', `/api/v1/groups/${pub}/invites`, {})).status, 403, 'members do not make links')
      for (const bad of [{ expires_in_days: 0 }, { expires_in_days: 31 }, { expires_in_days: 1.5 }, { expires_in_days: 'soon' }, { max_uses: 0 }, { max_uses: 1001 }]) {
        const r = await call(u.ana!, 'POST', `/api/v1/groups/${hidden}/invites`, bad)
        assert.deepEqual([r.status, r.body.error.code], [400, 'VALIDATION_FAILED'], JSON.stringify(bad))
      }
      const plain = await t.request('POST', `/api/v1/groups/${hidden}/invites`, { token: u.ana!.token })
      assert.equal(plain.status, 201, 'no body: the defaults')
      assert.equal(((await plain.json()) as Envelope).data.max_uses, null)
      const once = await call(u.ana!, 'POST', `/api/v1/groups/${hidden}/invites`, { expires_in_days: 2, max_uses: 1 })
      assert.equal(once.status, 201)
      assert.match(once.body.data.url, new RegExp(`/groups/invite/${once.body.data.token}$`))
      assert.ok(Date.parse(once.body.data.expires_at) > Date.now() + 86_400_000)
      const token = once.body.data.token
      const preview = await call(null, 'GET', `/api/v1/groups/invites/${token}`)
      assert.deepEqual([preview.body.data.id, preview.body.data.name], [hidden, 'Chess secrets'], 'the link shows the group')
      assert.equal((await call(null, 'POST', `/api/v1/groups/invites/${token}`)).status, 401)
      const joined = await call(u.eve!, 'POST', `/api/v1/groups/invites/${token}`)
      assert.deepEqual([joined.status, joined.body.data.membership.state], [200, 'member'])
      assert.ok(await scopeMember(hidden, u.eve!.id))
      assert.equal((await call(u.eve!, 'GET', `/api/v1/groups/${hidden}`)).status, 200, 'the hidden group is visible to its new member')
      assert.equal((await call(u.fay!, 'POST', `/api/v1/groups/invites/${token}`)).status, 404, 'used up')
      assert.equal((await call(u.fay!, 'GET', `/api/v1/groups/invites/${token}`)).status, 404)
      // A private group: the link skips the request.
      const open = (await call(u.ana!, 'POST', `/api/v1/groups/${priv}/invites`, {})).body.data
      await call(u.fay!, 'POST', `/api/v1/groups/${priv}/members`)
      assert.equal((await call(u.fay!, 'POST', `/api/v1/groups/invites/${open.token}`)).body.data.membership.state, 'member')
      assert.equal((await call(u.fay!, 'POST', `/api/v1/groups/invites/${open.token}`)).status, 200, 'using it again as a member is harmless')
      assert.equal((await call(u.ana!, 'GET', `/api/v1/groups/${priv}/invites`)).body.data.find((i: any) => i.id === open.id).uses, 1, 'and uses nothing')
      assert.equal((await call(u.ana!, 'GET', `/api/v1/groups/${priv}/requests`)).body.data.length, 0, 'the request is answered by joining')
      // Revoked, expired and made-up links all say the same.
      assert.equal((await call(u.ana!, 'DELETE', `/api/v1/groups/${priv}/invites/${open.id}`)).status, 200)
      assert.equal((await call(u.ana!, 'DELETE', `/api/v1/groups/${priv}/invites/${open.id}`)).status, 404)
      const late = (await call(u.ana!, 'POST', `/api/v1/groups/${priv}/invites`, {})).body.data
      await t.h.db.withTables<{ groups_invites: { id: number; expires_at: string } }>().updateTable('groups_invites').set({ expires_at: new Date(Date.now() - 1000).toISOString() }).where('id', '=', late.id).execute()
      const listed = (await call(u.ana!, 'GET', `/api/v1/groups/${priv}/invites`)).body.data
      assert.ok(!listed.some((i: any) => i.id === late.id || i.id === open.id), 'only working links are listed')
      const answers = await Promise.all([open.token, late.token, 'x'.repeat(24), 'short'].map((tk) => call(u.hal!, 'POST', `/api/v1/groups/invites/${tk}`)))
      for (const a of answers) assert.deepEqual([a.status, a.body.error.message], [404, answers[0]!.body.error.message])
      // The invite page works without JavaScript.
      const fresh = (await call(u.ana!, 'POST', `/api/v1/groups/${hidden}/invites`, {})).body.data
      const agent = t.agent('10.7.0.1')
      await agent.registerViaForm('ivan')
      assert.match(await agent.text(`/groups/invite/${fresh.token}`), /Join “Chess secrets”/)
      const go = await agent.post(`/groups/invite/${fresh.token}`, {})
      assert.equal(go.status, 303)
      assert.equal(go.headers.get('location'), `/groups/${hidden}?notice=joined`)
      assert.match(await agent.text(go.headers.get('location')!), /You joined the group/)
    })
  })

  describe('deleting a group', () => {
    let g: number
    let pid: number
    let mediaId: number
    before(async () => {
      g = await group(u.ana!, 'Short-lived club', 'private')
      await call(u.ben!, 'POST', `/api/v1/groups/${g}/members`)
      await call(u.ana!, 'POST', `/api/v1/groups/${g}/requests/${u.ben!.id}/approve`)
      const png = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#a33' } }).png().toBuffer()
      const form = new FormData()
      form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'x.png')
      mediaId = ((await (await t.request('POST', '/api/v1/media', { token: u.ben!.token, body: form })).json()) as Envelope).data.id
      await t.h.queue.drain()
      pid = await post(u.ben!, g, 'Soon gone', { media_ids: [mediaId] })
    })

    it('is for its owner or a site admin, and takes its posts and their files with it', async () => {
      await call(u.ana!, 'PUT', `/api/v1/groups/${g}/members/${u.ben!.id}`, { role: 'admin' })
      assert.equal((await call(u.ben!, 'DELETE', `/api/v1/groups/${g}`)).status, 403, 'an admin is not the owner')
      assert.equal((await call(u.milo!, 'DELETE', `/api/v1/groups/${g}`)).status, 403, 'a site moderator is not a site admin')
      assert.equal((await call(u.rosa!, 'DELETE', `/api/v1/groups/${g}`)).status, 200, 'a site admin')
      assert.equal((await call(u.ana!, 'GET', `/api/v1/groups/${g}`)).status, 404)
      assert.equal((await call(u.ben!, 'GET', `/api/v1/posts/${pid}`)).status, 404, 'the post is gone, for its author too')
      assert.equal(await t.h.db.selectFrom('post_scopes').select('id').where('id', '=', `groups:${g}`).executeTakeFirst(), undefined)
      assert.equal(await t.h.db.selectFrom('media').select('id').where('id', '=', mediaId).executeTakeFirst(), undefined, 'its files too')
      const g2 = await group(u.ana!, 'Second try', 'public')
      assert.equal((await call(u.ana!, 'DELETE', `/api/v1/groups/${g2}`)).status, 200, 'the owner')
      assert.equal((await call(u.ana!, 'DELETE', `/api/v1/groups/${g2}`)).status, 404)
    })
  })

  it('limits how many groups a member owns (a setting), but not site admins', async () => {
    const store = t.h.plugins.loaded.get('groups')!.settings
    const owned = Number((t.h.store.sqlite.prepare("select count(*) as n from groups_members where user_id = ? and role = 'owner'").get(u.ana!.id) as { n: number }).n)
    await store.set('max_owned', owned)
    const r = await call(u.ana!, 'POST', '/api/v1/groups', { name: 'One too many' })
    assert.deepEqual([r.status, r.body.error.code], [409, 'CONFLICT'])
    assert.match(r.body.error.message, new RegExp(`You own ${owned} groups already`))
    await t.h.users.setRole(u.ana!.id, 'admin', null)
    assert.equal((await call(u.ana!, 'POST', '/api/v1/groups', { name: 'Admins may' })).status, 201)
    await t.h.users.setRole(u.ana!.id, 'member', null)
    await store.set('max_owned', 20)
    await assert.rejects(store.set('max_owned', 0), /VALIDATION|1 or more/)
  })

  it('searches listed groups by name and description, a page at a time, never hidden ones', async () => {
    await group(u.fay!, 'Knitting circle', 'public', 'Wool, needles and 100% cotton')
    await group(u.fay!, 'Knitting pros', 'private', 'For the serious knitter')
    await group(u.fay!, 'Knitting underground', 'hidden', 'knit in secret')
    const names = async (q: string) => (await call(u.eve!, 'GET', `/api/v1/groups?q=${encodeURIComponent(q)}`)).body.data.map((g: any) => g.name)
    assert.deepEqual(await names('knit'), ['Knitting pros', 'Knitting circle'])
    assert.deepEqual(await names('serious'), ['Knitting pros'])
    assert.deepEqual(await names('100%'), ['Knitting circle'])
    assert.deepEqual(await names('%'), ['Knitting circle'], 'wildcards are literal')
    assert.deepEqual(await names('_'), [])
    const first = await call(u.eve!, 'GET', '/api/v1/groups?q=knit&limit=1')
    assert.deepEqual([first.body.data.length, first.body.pagination!.has_more], [1, true])
    const second = await call(u.eve!, 'GET', `/api/v1/groups?q=knit&limit=1&cursor=${first.body.pagination!.next_cursor}`)
    assert.deepEqual(second.body.data.map((g: any) => g.name), ['Knitting circle'])
    assert.equal(second.body.pagination!.has_more, false)
    assert.equal((await call(u.eve!, 'GET', '/api/v1/groups?cursor=%%%')).status, 400)
    assert.equal((await call(u.eve!, 'GET', '/api/v1/groups?limit=101')).status, 400)
    assert.equal((await call(u.eve!, 'GET', `/api/v1/groups?q=${'k'.repeat(101)}`)).status, 400)
    const page = await (await t.request('GET', '/groups?q=knit')).text()
    assert.match(page, /Knitting circle/)
    assert.match(page, /Knitting pros/)
    assert.doesNotMatch(page, /underground/)
  })

  it('lists a member’s public groups on their profile tab', async () => {
    const html = await (await t.request('GET', '/u/fay?tab=groups', { token: u.eve!.token })).text()
    assert.match(html, /Knitting circle/)
    assert.doesNotMatch(html, /Knitting pros|underground/)
    assert.match(await (await t.request('GET', '/u/fay?tab=groups', { token: u.fay!.token })).text(), /Knitting underground/, 'her own, all of them')
    assert.match(await (await t.request('GET', '/u/milo?tab=groups')).text(), /No public groups/)
  })

  it('works without JavaScript: create, ask, approve, post, manage and delete through forms', async () => {
    const owner = t.agent('10.8.0.1')
    await owner.registerViaForm('olga')
    const asker = t.agent('10.8.0.2')
    await asker.registerViaForm('piet')
    assert.equal((await owner.post('/groups', { name: 'Form club', privacy: 'private' }, { csrf: false })).status, 403, 'no CSRF token')
    const bad = await owner.post('/groups', { name: 'no', privacy: 'private' })
    assert.equal(bad.status, 400)
    assert.match(await bad.text(), /Group names have 3 to 80 characters/)
    const made = await owner.post('/groups', { name: 'Form club', description: 'We like forms', privacy: 'private' })
    assert.equal(made.status, 303)
    const path = made.headers.get('location')!.replace(/\?.*/, '')
    const id = Number(path.split('/').pop())
    assert.match(await owner.text(made.headers.get('location')!), /Your group is ready/)

    assert.equal((await asker.post(`${path}/join`, {})).headers.get('location'), `${path}?notice=requested`)
    assert.match(await asker.text(path), />Withdraw request</)
    const manage = await owner.text(`${path}/manage`)
    assert.match(manage, /Requests to join \(1\)/)
    assert.match(manage, /Manage \(1 waiting\)/)
    assert.equal((await asker.get(`${path}/manage`)).status, 403)
    const pietId = (await t.h.users.find('piet'))!.id
    assert.equal((await owner.post(`${path}/requests/${pietId}/approve`, {})).headers.get('location'), `${path}/manage?notice=approved`)

    assert.equal((await asker.post(`${path}/posts`, { text: '' })).status, 400, 'an empty post redraws the page')
    assert.equal((await asker.post(`${path}/posts`, { text: 'Hello form club #formclub' })).status, 303)
    const feed = await asker.text(path)
    assert.match(feed, /Hello form club/)
    const pid = Number(/data-post="(\d+)"/.exec(feed)![1])
    // The group's feed draws core's card: its like (a form without JavaScript) comes back to the group.
    const likeForm = new RegExp(`<form method="post" action="/p/${pid}/like\\?next=${encodeURIComponent(`${path}#post-${pid}`).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"[^>]*data-like="${pid}"`)
    assert.match(await owner.text(path), likeForm)
    const liked = await owner.post(`/p/${pid}/like?next=${encodeURIComponent(`${path}#post-${pid}`)}`, {})
    assert.equal(liked.headers.get('location'), `${path}#post-${pid}`)
    assert.match(await owner.text(path), /aria-pressed="true"/)
    assert.match(await owner.text(path), /Remove post/, 'the owner may remove it')
    assert.match(await owner.text(`${path}/members`), /data-member="piet"/)

    assert.equal((await owner.post(`${path}/members/${pietId}/role`, { role: 'moderator' })).status, 303)
    assert.match(await owner.text(`${path}/members`), /piet<\/span> <span class="badge">moderator/)
    assert.equal((await owner.post(`${path}/members/${pietId}/role`, { role: 'pope' })).status, 400)
    assert.equal((await owner.post(`${path}/invites`, { expires_in_days: '3', max_uses: '' })).status, 303)
    assert.match(await owner.text(`${path}/manage`), /\/groups\/invite\/[A-Za-z0-9_-]{24}/)
    assert.equal((await owner.post(`${path}/invites`, { expires_in_days: 'many' })).status, 400)
    assert.equal((await owner.post(`${path}/edit`, { name: 'x', description: '', privacy: 'private' })).status, 400)
    assert.equal((await owner.post(`${path}/edit`, { name: 'Form club II', description: 'Still forms', privacy: 'private' })).status, 303)
    assert.match(await owner.text(path), /Form club II/)
    assert.equal((await owner.post(`${path}/posts/${pid}/remove`, {})).headers.get('location'), `${path}?notice=post-removed`, 'the owner removes a member’s post')
    assert.equal((await owner.post(`${path}/transfer`, { user: 'piet' })).status, 303)
    assert.match(await asker.text(`${path}/manage`), /Delete the group/)
    assert.equal((await asker.post(`${path}/delete`, {})).status, 400, 'the box must be ticked')
    assert.equal((await asker.post(`${path}/delete`, { confirm: 'yes' })).headers.get('location'), '/groups?notice=deleted')
    assert.equal((await owner.get(path)).status, 404)
    assert.equal((await t.request('GET', `/api/v1/groups/${id}`)).status, 404)
  })
})

describe('groups plugin disabled, then enabled again', () => {
  let t: TestApp
  const { call, group, post } = client(() => t)
  const u: Record<string, Who> = {}
  let g: number
  let pid: number
  before(async () => {
    t = await createTestApp({ enable: ['groups'] })
    for (const n of ['owner', 'insider', 'outsider']) u[n] = await t.register(n)
    await call(u.outsider!, 'POST', '/api/v1/users/owner/follow')
    g = await group(u.owner!, 'Back room', 'private')
    await call(u.insider!, 'POST', `/api/v1/groups/${g}/members`)
    await call(u.owner!, 'POST', `/api/v1/groups/${g}/requests/${u.insider!.id}/approve`)
    pid = await post(u.owner!, g, 'Behind closed doors #backroom')
    await t.h.queue.drain()
  })
  after(() => t.close())

  it('removes its routes, nav item and tab, keeps its data, and its posts stay private', async () => {
    await t.h.plugins.setEnabled('groups', false, null)
    await t.restart()
    assert.ok(!t.h.plugins.loaded.has('groups'))
    assert.equal((await t.request('GET', '/groups')).status, 404)
    assert.equal((await t.request('GET', `/groups/${g}`)).status, 404)
    assert.equal((await call(u.owner!, 'GET', `/api/v1/groups/${g}`)).status, 404)
    assert.equal((await call(u.owner!, 'GET', '/api/v1/groups')).body.error.code, 'NOT_FOUND')
    const home = await (await t.request('GET', '/', { token: u.owner!.token })).text()
    assert.doesNotMatch(home, /data-nav="groups"/)
    assert.equal((await t.request('GET', '/u/owner?tab=groups')).status, 404)
    assert.doesNotMatch(await (await t.request('GET', '/u/owner')).text(), /tab=groups/)
    const rows = t.h.store.sqlite.prepare('select count(*) as n from groups_members where group_id = ?').get(g) as { n: number }
    assert.equal(rows.n, 2, 'the tables and rows are kept')
    // Core still applies the scope: members-only stays members-only.
    for (const path of [`/api/v1/posts/${pid}`, '/api/v1/feed/home', '/api/v1/feed/explore', '/api/v1/hashtags/backroom/posts', '/api/v1/search/posts?q=closed', '/api/v1/feed/user/owner']) {
      assert.ok(!(await call(u.outsider!, 'GET', path)).text.includes('closed doors'), path)
    }
    assert.equal((await call(u.insider!, 'GET', `/api/v1/posts/${pid}`)).status, 200)
  })

  it('brings everything back when enabled again', async () => {
    await t.h.plugins.setEnabled('groups', true, null)
    await t.restart()
    assert.ok(t.h.plugins.loaded.has('groups'))
    const about = await call(u.insider!, 'GET', `/api/v1/groups/${g}`)
    assert.deepEqual([about.body.data.name, about.body.data.members_count, about.body.data.membership.role], ['Back room', 2, 'member'])
    assert.deepEqual((await call(u.insider!, 'GET', `/api/v1/groups/${g}/posts`)).body.data.map((p: any) => p.id), [pid])
    assert.equal((await call(u.outsider!, 'GET', `/api/v1/groups/${g}/posts`)).status, 403)
    assert.match(await (await t.request('GET', '/', { token: u.owner!.token })).text(), /data-nav="groups"/)
    assert.equal((await t.request('GET', '/u/owner?tab=groups')).status, 200)
  })
})
