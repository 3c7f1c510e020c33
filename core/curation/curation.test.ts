// Curation: categories (console and API, bad input), a post's category from the composer and the API, category pages
// with pagination, members' interests, and featured posts and hashtags on Explore, trending and the API.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Json = { status: string; data: any; error?: { code: string; message: string; details?: any }; meta?: any; pagination?: any }

describe('curation', () => {
  let t: TestApp
  const u: Record<string, { id: number; token: string }> = {}
  const call = async (who: string | null, method: string, path: string, json?: unknown) => {
    const res = await t.request(method, path, { token: who ? u[who]!.token : undefined, ...(json !== undefined && { json }) })
    return { status: res.status, body: (await res.json()) as Json }
  }
  const html = async (path: string, who?: string) => {
    const res = await t.request('GET', path, { token: who ? u[who]!.token : undefined })
    return { status: res.status, html: await res.text() }
  }
  const audited = async (action: string) => (await t.h.db.selectFrom('audit_log').select(['action', 'target_id', 'actor_id']).where('action', '=', action).execute())

  before(async () => {
    t = await createTestApp()
    for (const n of ['boss', 'mod', 'ana', 'ben', 'cal']) u[n] = await t.register(n)
    await t.h.users.setRole(u.boss!.id, 'admin', null)
    await t.h.users.setRole(u.mod!.id, 'moderator', null)
  })
  after(() => t.close())

  describe('categories', () => {
    it('are made by staff who manage settings, with a slug from the name, and audited', async () => {
      const made = await call('boss', 'POST', '/api/v1/admin/curation/categories', { name: 'Arts & Crafts', description: 'Things made by hand.', position: 2 })
      assert.equal(made.status, 201)
      assert.deepEqual(made.body.data, { slug: 'arts-crafts', name: 'Arts & Crafts', description: 'Things made by hand.', position: 2, enabled: true })
      assert.equal((await call('boss', 'POST', '/api/v1/admin/curation/categories', { name: 'Photography', slug: 'photo', position: 1 })).status, 201)
      assert.deepEqual((await call(null, 'GET', '/api/v1/categories')).body.data.map((k: { slug: string }) => k.slug), ['photo', 'arts-crafts'], 'in their order')
      const rows = await audited('category.create')
      assert.deepEqual(rows.map((r) => [r.target_id, r.actor_id]), [['arts-crafts', u.boss!.id], ['photo', u.boss!.id]])
    })

    it('refuses bad input: a duplicate slug, a name too long, a bad slug, an unknown category', async () => {
      const dup = await call('boss', 'POST', '/api/v1/admin/curation/categories', { name: 'Photo', slug: 'photo' })
      assert.equal(dup.status, 400)
      assert.equal(dup.body.error!.code, 'VALIDATION_FAILED')
      assert.match(dup.body.error!.details.fields.slug, /already exists/)
      const long = await call('boss', 'POST', '/api/v1/admin/curation/categories', { name: 'x'.repeat(61) })
      assert.equal(long.status, 400)
      assert.match(long.body.error!.details.fields.name, /1 to 60/)
      const slug = await call('boss', 'POST', '/api/v1/admin/curation/categories', { name: 'Ok', slug: 'Not A Slug!' })
      assert.equal(slug.status, 400)
      assert.ok(slug.body.error!.details.fields.slug)
      const invisible = await call('boss', 'POST', '/api/v1/admin/curation/categories', { name: 'bad\u202ename' })
      assert.equal(invisible.status, 400)
      assert.equal((await call('boss', 'PATCH', '/api/v1/admin/curation/categories/nope', { name: 'X' })).status, 404)
      assert.equal((await call('boss', 'DELETE', '/api/v1/admin/curation/categories/nope')).status, 404)
      assert.equal((await call(null, 'GET', '/api/v1/categories/nope')).status, 404)
      assert.equal((await html('/explore/c/nope')).status, 404)
      assert.equal((await html('/explore/c/..%2Fadmin')).status, 404)
    })

    it('keeps a moderator to featuring: categories need "manage settings"', async () => {
      assert.equal((await call('mod', 'POST', '/api/v1/admin/curation/categories', { name: 'Mods' })).status, 403)
      assert.equal((await call('mod', 'GET', '/api/v1/admin/curation/categories')).status, 200)
      assert.equal((await call('ana', 'GET', '/api/v1/admin/curation')).status, 403)
      const page = await html('/admin/curation', 'mod')
      assert.equal(page.status, 200)
      assert.match(page.html, /needs the “manage settings” permission/)
      assert.doesNotMatch(page.html, /action="\/admin\/curation\/categories"/)
    })
  })

  describe("a post's category", () => {
    let filed: number
    it('is chosen on the composer (optional) and through the API, shown on the post', async () => {
      const compose = await html('/compose', 'ana')
      assert.match(compose.html, /<select id="f-category" name="category">[\s\S]*<option value="photo">Photography<\/option>/)
      const agent = t.agent('10.20.0.1')
      await agent.loginViaForm('ana')
      const posted = await agent.post('/compose', { text: 'a sunset #sky', visibility: 'public', category: 'photo' })
      assert.equal(posted.status, 303)
      filed = Number(posted.headers.get('location')!.split('/').pop())
      const view = await call('ana', 'GET', `/api/v1/posts/${filed}`)
      assert.deepEqual(view.body.data.category, { slug: 'photo', name: 'Photography' })
      const plain = await call('ana', 'POST', '/api/v1/posts', { text: 'no category' })
      assert.equal(plain.body.data.category, null)
      const edited = await call('ana', 'PUT', `/api/v1/posts/${plain.body.data.id}`, { category: 'arts-crafts' })
      assert.equal(edited.status, 200)
      assert.equal(edited.body.data.category.slug, 'arts-crafts')
      // The post's card links its category; the edit form changes it, and leaves it when untouched.
      assert.match((await html(`/p/${filed}`)).html, /data-post-category="photo">[\s\S]*?<a href="\/explore\/c\/photo">Photography<\/a>/)
      const form = await agent.text(`/p/${plain.body.data.id}/edit`)
      assert.match(form, /<option value="arts-crafts" selected>Arts &amp; Crafts<\/option>/)
      assert.equal((await agent.post(`/p/${plain.body.data.id}/edit`, { text: 'no category', visibility: 'public', category: 'photo', category_was: 'arts-crafts' })).status, 303)
      assert.equal((await call('ana', 'GET', `/api/v1/posts/${plain.body.data.id}`)).body.data.category.slug, 'photo')
      assert.equal((await agent.post(`/p/${plain.body.data.id}/edit`, { text: 'no category', visibility: 'public', category: 'photo', category_was: 'photo' })).status, 303)
      assert.equal((await agent.post(`/p/${plain.body.data.id}/edit`, { text: 'no category', visibility: 'public', category: '', category_was: 'photo' })).status, 303)
      assert.equal((await call('ana', 'GET', `/api/v1/posts/${plain.body.data.id}`)).body.data.category, null)
      await call('ana', 'PUT', `/api/v1/posts/${plain.body.data.id}`, { category: 'arts-crafts' })
    })

    it('refuses an unknown or disabled category on the field, the form keeping what was written', async () => {
      const api = await call('ana', 'POST', '/api/v1/posts', { text: 'x', category: 'nope' })
      assert.equal(api.status, 400)
      assert.match(api.body.error!.details.fields.category, /no category “nope”/)
      const long = await call('ana', 'POST', '/api/v1/posts', { text: 'x', category: 'a'.repeat(500) })
      assert.equal(long.status, 400)
      const agent = t.agent('10.20.0.2')
      await agent.loginViaForm('ana')
      const form = await agent.post('/compose', { text: 'kept text', visibility: 'public', category: 'gone' })
      assert.equal(form.status, 400)
      const page = await form.text()
      assert.match(page, /id="f-category-error">There is no category “gone”/)
      assert.match(page, /kept text/)
    })

    it("lists a category's public posts on its page and API, newest first, a page at a time", async () => {
      const ids: number[] = [filed]
      for (let i = 0; i < 4; i++) ids.push((await call('ben', 'POST', '/api/v1/posts', { text: `photo ${i}`, category: 'photo' })).body.data.id)
      await call('ben', 'POST', '/api/v1/posts', { text: 'photo for followers', category: 'photo', visibility: 'followers' })
      const first = await call(null, 'GET', '/api/v1/categories/photo/posts?limit=3')
      assert.deepEqual(first.body.data.map((p: { id: number }) => p.id), ids.slice(-3).reverse())
      const cursor = first.body.pagination?.next_cursor ?? first.body.meta?.next_cursor
      assert.ok(cursor, 'a next page')
      const second = await call(null, 'GET', `/api/v1/categories/photo/posts?limit=3&cursor=${encodeURIComponent(cursor)}`)
      assert.deepEqual(second.body.data.map((p: { id: number }) => p.id), ids.slice(0, 2).reverse(), 'the rest; the followers-only post on neither page')
      const page = await html('/explore/c/photo')
      assert.equal(page.status, 200)
      assert.match(page.html, /<h1>Photography<\/h1>/)
      const tiles = [...page.html.matchAll(/data-tile="(\d+)"/g)].map((m) => Number(m[1]))
      assert.deepEqual(tiles, [...ids].reverse())
      assert.match(page.html, /href="\/explore\/c\/arts-crafts"/, 'links to the other categories')
    })

    it('turned off, a category is missing everywhere; deleted, its posts have none', async () => {
      assert.equal((await call('boss', 'PATCH', '/api/v1/admin/curation/categories/arts-crafts', { enabled: false })).status, 200)
      assert.equal((await html('/explore/c/arts-crafts')).status, 404)
      assert.equal((await call(null, 'GET', '/api/v1/categories/arts-crafts/posts')).status, 404)
      assert.equal((await call('ana', 'POST', '/api/v1/posts', { text: 'x', category: 'arts-crafts' })).status, 400)
      assert.doesNotMatch((await html('/compose', 'ana')).html, /value="arts-crafts"/)
      assert.equal((await call('boss', 'DELETE', '/api/v1/admin/curation/categories/arts-crafts')).status, 200)
      assert.equal((await t.h.db.selectFrom('posts').select('id').where('category_id', 'is not', null).where('text', '=', 'no category').execute()).length, 0)
      assert.equal((await audited('category.delete')).length, 1)
      assert.equal((await audited('category.update')).length, 1)
    })
  })

  describe('interests', () => {
    it('are picked in settings and through the API, and Explore shows posts of them first', async () => {
      const bad = await call('cal', 'PUT', '/api/v1/interests', { interests: ['nope'] })
      assert.equal(bad.status, 400)
      assert.equal((await call('cal', 'PUT', '/api/v1/interests', { interests: Array.from({ length: 21 }, (_, i) => `c${i}`) })).status, 400)
      const agent = t.agent('10.20.0.3')
      await agent.loginViaForm('cal')
      const panel = await agent.text('/settings/interests')
      assert.match(panel, /name="interest_photo"/)
      const saved = await agent.post('/settings/interests', { interest_photo: 'on' })
      assert.equal(saved.status, 303)
      assert.deepEqual((await call('cal', 'GET', '/api/v1/interests')).body.data.map((k: { slug: string }) => k.slug), ['photo'])
      const explore = await html('/explore', 'cal')
      assert.match(explore.html, /data-for-you[\s\S]*From your interests[\s\S]*data-tile=/)
      assert.doesNotMatch((await html('/explore', 'boss')).html, /data-for-you/, 'none without interests')
    })

    it('are offered on the welcome page beside the hashtags', async () => {
      const fresh = t.agent('10.20.0.9')
      assert.equal((await fresh.registerViaForm('newbie')).status, 303)
      await t.h.db.updateTable('users').set({ onboarding: 1 }).where('username', '=', 'newbie').execute()
      const welcome = await fresh.text('/welcome')
      assert.match(welcome, /data-interests[\s\S]*name="interest_photo"/)
      assert.equal((await fresh.post('/welcome/interests', { interest_photo: 'on' })).status, 303)
      const id = (await t.h.db.selectFrom('users').select('id').where('username', '=', 'newbie').executeTakeFirstOrThrow()).id
      assert.deepEqual((await t.h.curation.interests(id)).map((k) => k.slug), ['photo'])
    })
  })

  describe('featured posts', () => {
    let pub: number
    let other: number
    before(async () => {
      pub = (await call('ben', 'POST', '/api/v1/posts', { text: 'featured one' })).body.data.id
      other = (await call('cal', 'POST', '/api/v1/posts', { text: 'featured two' })).body.data.id
    })
    const featuredOnExplore = async (who?: string) => {
      const page = (await html('/explore', who)).html
      const strip = /data-featured-posts[\s\S]*?<\/section>/.exec(page)?.[0] ?? ''
      return [...strip.matchAll(/data-tile="(\d+)"/g)].map((m) => Number(m[1]))
    }
    const featuredInApi = async (who: string | null) => (await call(who, 'GET', '/api/v1/feed/featured')).body.data.posts.map((p: { id: number }) => p.id)

    it('are shown first on Explore in staff’s order, and audited', async () => {
      assert.equal((await call('mod', 'POST', '/api/v1/admin/curation/posts', { post_id: pub, position: 2 })).status, 201)
      assert.equal((await call('boss', 'POST', '/api/v1/admin/curation/posts', { post_id: other, position: 1 })).status, 201)
      assert.deepEqual(await featuredOnExplore(), [other, pub])
      assert.deepEqual(await featuredInApi(null), [other, pub])
      assert.equal((await audited('curation.featured-post.add')).length, 2)
      // A new position is an update, audited as one.
      assert.equal((await call('mod', 'POST', '/api/v1/admin/curation/posts', { post_id: pub, position: 0 })).status, 201)
      assert.deepEqual(await featuredOnExplore('ana'), [pub, other])
      assert.equal((await audited('curation.featured-post.update')).length, 1)
    })

    it('refuses a post that is not public, a missing one, and an end in the past', async () => {
      const followers = (await call('ben', 'POST', '/api/v1/posts', { text: 'followers only', visibility: 'followers' })).body.data.id
      const refused = await call('mod', 'POST', '/api/v1/admin/curation/posts', { post_id: followers })
      assert.equal(refused.status, 400)
      assert.match(refused.body.error!.details.fields.post_id, /public/)
      assert.equal((await call('mod', 'POST', '/api/v1/admin/curation/posts', { post_id: 99999999 })).status, 404)
      assert.equal((await call('mod', 'POST', '/api/v1/admin/curation/posts', { post_id: pub, until: '2001-01-01T00:00:00Z' })).status, 400)
      assert.equal((await call('mod', 'POST', '/api/v1/admin/curation/posts', { post_id: 'x' })).status, 400)
      assert.equal((await call('mod', 'DELETE', '/api/v1/admin/curation/posts/99999999')).status, 404)
      // The console's form says so beside it.
      const agent = t.agent('10.20.0.4')
      await agent.loginViaForm('mod')
      const form = await agent.post('/admin/curation/posts', { post: `http://x/p/${followers}`, position: '0', until: '' })
      assert.equal(form.status, 400)
      assert.match(await form.text(), /Only a published, public post/)
    })

    it('drop out when the author blocks the viewer, goes private or deletes the post: on Explore, the API and the list', async () => {
      // A block: gone for the blocked viewer only.
      assert.equal((await call('cal', 'POST', '/api/v1/users/ana/block')).status, 200)
      assert.deepEqual(await featuredOnExplore('ana'), [pub])
      assert.deepEqual(await featuredInApi('ana'), [pub])
      assert.deepEqual(await featuredOnExplore('boss'), [pub, other])
      // Private: gone for everyone, even followers (featured posts are for anyone); staff's list says why.
      await t.h.db.updateTable('users').set({ is_private: 1 }).where('id', '=', u.ben!.id).execute()
      assert.deepEqual(await featuredOnExplore(), [other])
      assert.deepEqual(await featuredInApi('boss'), [other])
      const list = (await call('mod', 'GET', '/api/v1/admin/curation/posts')).body.data
      assert.equal(list.find((e: { post_id: number }) => e.post_id === pub).shown, false)
      // Its category page hides it the same way.
      assert.ok(!(await call(null, 'GET', '/api/v1/categories/photo/posts')).body.data.some((p: { author: { username: string } }) => p.author.username === 'ben'))
      await t.h.db.updateTable('users').set({ is_private: 0 }).where('id', '=', u.ben!.id).execute()
      // Deleted: gone from the list too.
      assert.equal((await call('ben', 'DELETE', `/api/v1/posts/${pub}`)).status, 200)
      assert.deepEqual(await featuredOnExplore('boss'), [other])
      assert.ok(!(await call('mod', 'GET', '/api/v1/admin/curation/posts')).body.data.some((e: { post_id: number }) => e.post_id === pub))
    })

    it('end at their "until" and are removed by staff', async () => {
      await t.h.db.updateTable('featured_posts').set({ until: new Date(Date.now() - 1000).toISOString() }).where('post_id', '=', other).execute()
      assert.deepEqual(await featuredOnExplore(), [])
      assert.equal((await call('mod', 'DELETE', `/api/v1/admin/curation/posts/${other}`)).status, 200)
      assert.equal((await audited('curation.featured-post.remove')).length, 1)
    })
  })

  describe('featured and default hashtags', () => {
    it('puts featured hashtags first among trending ones, on Explore and in the API', async () => {
      const added = await call('mod', 'POST', '/api/v1/admin/curation/hashtags', { tag: '#Knitting' })
      assert.equal(added.status, 201)
      assert.equal(added.body.data.tag, 'knitting')
      assert.equal((await call('mod', 'POST', '/api/v1/admin/curation/hashtags', { tag: 'not a tag' })).status, 400)
      assert.equal((await call('mod', 'POST', '/api/v1/admin/curation/hashtags', { tag: 'x'.repeat(65) })).status, 400)
      const trending = (await call(null, 'GET', '/api/v1/trending/hashtags')).body.data
      assert.deepEqual(trending[0], { tag: 'knitting', recent: 0, previous: 0, score: 0, featured: true })
      const page = (await html('/explore')).html
      assert.match(page, /data-trending[\s\S]*?<a href="\/tags\/knitting" data-featured-tag>#knitting<span class="visually-hidden"> \(featured\)<\/span>/)
      assert.equal((await call('mod', 'DELETE', '/api/v1/admin/curation/hashtags/knitting')).status, 200)
      assert.equal((await call('mod', 'DELETE', '/api/v1/admin/curation/hashtags/knitting')).status, 404)
    })

    it('shows the default hashtags on Explore while few trend, and suggests them to new members', async () => {
      assert.equal((await call('mod', 'PUT', '/api/v1/admin/curation/default-hashtags', { hashtags: ['gardens'] })).status, 403)
      const set = await call('boss', 'PUT', '/api/v1/admin/curation/default-hashtags', { hashtags: ['#Gardens', 'walks'] })
      assert.deepEqual(set.body.data, ['gardens', 'walks'])
      assert.equal((await call('boss', 'PUT', '/api/v1/admin/curation/default-hashtags', { hashtags: ['no spaces'] })).status, 400)
      assert.match((await html('/explore')).html, /data-default-tags[\s\S]*#gardens[\s\S]*#walks/)
      const onboarding = await call('cal', 'GET', '/api/v1/onboarding')
      assert.deepEqual(onboarding.body.data.offered.slice(0, 2), [{ tag: 'gardens', suggested: true }, { tag: 'walks', suggested: true }])
      assert.equal((await audited('onboarding.update')).length, 1)
    })
  })
})
