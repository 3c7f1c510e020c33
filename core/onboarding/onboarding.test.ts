// Onboarding: off until the operator sets it up; then a new member is led to the welcome page (without JavaScript),
// picks interests, is offered people drawn from them and the operator's picks (never across a block or past a
// private account), follows some and lands home; or skips.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestApp, type TestApp } from '../../test/harness.js'

describe('onboarding', () => {
  let t: TestApp
  let admin: { id: number; token: string }
  const follows = (a: number, b: number) => t.h.db.selectFrom('follows').select('follower_id').where('follower_id', '=', a).where('followee_id', '=', b).executeTakeFirst()

  before(async () => {
    t = await createTestApp()
    admin = await t.register('boss')
    await t.h.users.setRole(admin.id, 'admin', null)
    const walker = await t.register('walker')
    const chef = await t.register('chef')
    const troll = await t.register('troll')
    const secret = await t.register('secret')
    await t.register('guide')
    await t.h.db.updateTable('users').set({ is_private: 1 }).where('id', '=', secret.id).execute()
    for (const [who, text] of [
      [walker, 'Up the ridge #hiking'],
      [walker, 'Down again #Hiking'],
      [chef, 'Soup tonight #cooking'],
      [chef, 'Bread #baking'],
      [troll, 'I hike too #hiking'],
      [secret, 'A quiet walk #hiking'],
    ] as const) {
      assert.equal((await t.request('POST', '/api/v1/posts', { token: who.token, json: { text } })).status, 201)
    }
  })
  after(() => t.close())

  it('is off until the operator sets it up: a new member lands home as before', async () => {
    const a = t.agent('10.6.0.1')
    assert.equal((await a.registerViaForm('early')).status, 303)
    assert.equal((await a.get('/')).status, 200)
  })

  it('saves the operator’s interests, suggested accounts and welcome; an unknown account is refused', async () => {
    const bad = await t.request('PUT', '/api/v1/admin/onboarding', { token: admin.token, json: { interests: ['hiking'], accounts: ['nobody_here'] } })
    assert.equal(bad.status, 400)
    assert.match(((await bad.json()) as { error: { details: { fields: { accounts: string } } } }).error.details.fields.accounts, /No member is called @nobody_here/)
    const a = t.agent('10.6.0.2')
    await a.loginViaForm('boss')
    const saved = await a.post('/admin/onboarding', { enabled: 'on', interests: '#Hiking, cooking', accounts: '@guide', welcome: 'Hello **there**. Read [the rules](/rules).\n\n<b>hi</b>' })
    assert.equal(saved.status, 303)
    const cfg = (await (await t.request('GET', '/api/v1/admin/onboarding', { token: admin.token })).json()) as { data: Record<string, unknown> }
    assert.deepEqual(cfg.data, { enabled: true, interests: ['hiking', 'cooking'], accounts: ['guide'], welcome: 'Hello **there**. Read [the rules](/rules).\n\n<b>hi</b>' })
  })

  it('leads a new member through interests and suggestions drawn from them, and follows whom they pick', async () => {
    const troll = (await t.h.users.findRow('troll'))!
    const a = t.agent('10.6.0.3')
    assert.equal((await a.registerViaForm('newbie')).status, 303)
    const me = (await t.h.users.findRow('newbie'))!
    await t.h.safety.block(troll.id, me.id)
    const home = await a.get('/')
    assert.equal(home.status, 303)
    assert.equal(home.headers.get('location'), '/welcome')
    assert.equal((await a.get('/api/v1/users/me')).status, 200, 'the API is not led anywhere')
    const page = await a.text('/welcome')
    assert.match(page, /<div class="prose" data-welcome="true"><p>Hello <strong>there<\/strong>\. Read <a href="\/rules">the rules<\/a>\.<\/p>\n<p>&lt;b&gt;hi&lt;\/b&gt;<\/p><\/div>/)
    assert.match(page, /<input type="checkbox" name="interest" value="hiking" checked\/> #hiking/)
    assert.match(page, /<input type="checkbox" name="interest" value="cooking" checked\/> #cooking/)
    assert.match(page, /<input type="checkbox" name="interest" value="baking"\/> #baking/, 'popular hashtags are offered, unticked')

    const picked = await a.post('/welcome/interests', { interest: ['hiking', 'baking'] })
    assert.equal(picked.status, 303)
    assert.equal(picked.headers.get('location'), '/welcome?step=people')
    const people = await a.text('/welcome?step=people')
    const suggested = [...people.matchAll(/data-suggestion="([a-z_]+)"/g)].map((m) => m[1])
    assert.deepEqual(suggested, ['guide', 'walker', 'chef'], 'the team’s pick first, then by posts about the interests; never a blocker or a private account’s posts')
    assert.match(people, /value="guide" checked/)
    assert.match(people, /Posts about #hiking/)

    const done = await a.post('/welcome/finish', { follow: ['guide', 'walker'] })
    assert.equal(done.status, 303)
    assert.equal(done.headers.get('location'), '/')
    const guide = (await t.h.users.findRow('guide'))!
    const walker = (await t.h.users.findRow('walker'))!
    assert.ok(await follows(me.id, guide.id))
    assert.ok(await follows(me.id, walker.id))
    assert.equal((await a.get('/')).status, 200, 'finished: home opens')
    assert.deepEqual(await t.h.db.selectFrom('user_preferences').select('value').where('user_id', '=', me.id).where('key', '=', 'onboarding.interests').executeTakeFirst(), { value: '["hiking","baking"]' })
  })

  it('can be skipped, and works over the API', async () => {
    const a = t.agent('10.6.0.4')
    await a.registerViaForm('skipper')
    assert.equal((await a.get('/explore')).status, 303)
    assert.equal((await a.post('/welcome/skip', {})).status, 303)
    assert.equal((await a.get('/explore')).status, 200)

    const api = await t.register('apiuser')
    const state = (await (await t.request('GET', '/api/v1/onboarding', { token: api.token })).json()) as { data: { pending: boolean; suggestions: { username: string }[] } }
    assert.equal(state.data.pending, true)
    assert.deepEqual(state.data.suggestions.map((p) => p.username), ['guide'], 'no interests yet: the team’s picks')
    const bad = await t.request('PUT', '/api/v1/onboarding/interests', { token: api.token, json: { interests: ['not a tag!'] } })
    assert.equal(bad.status, 400)
    assert.equal((await t.request('PUT', '/api/v1/onboarding/interests', { token: api.token, json: { interests: ['#Cooking'] } })).status, 200)
    const next = (await (await t.request('GET', '/api/v1/onboarding', { token: api.token })).json()) as { data: { suggestions: { username: string }[] } }
    assert.deepEqual(next.data.suggestions.map((p) => p.username), ['guide', 'chef'])
    const fin = (await (await t.request('POST', '/api/v1/onboarding/finish', { token: api.token, json: { follow: ['chef', 'no_such_member'] } })).json()) as { data: { followed: string[] } }
    assert.deepEqual(fin.data.followed, ['chef'])
    const after = (await (await t.request('GET', '/api/v1/onboarding', { token: api.token })).json()) as { data: { pending: boolean } }
    assert.equal(after.data.pending, false)
  })
})
