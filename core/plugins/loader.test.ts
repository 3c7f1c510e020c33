// Plugin loading: discovery, dependencies, a broken plugin, per-plugin migrations, enable/disable, settings and slots.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, PASSWORD, type TestApp } from '../../test/harness.js'
import { ROOT } from '../paths.js'
import { findPlugins, orderByDependencies } from './loader.js'

const FIXTURES = join(ROOT, 'test/fixtures/plugins')

describe('finding plugins', () => {
  it('imports each folder and reports the ones that cannot load', async () => {
    const found = await findPlugins([FIXTURES], [])
    const by = new Map(found.map((f) => [f.name, f]))
    assert.equal(by.get('alpha')?.definition?.manifest.version, '1.2.3')
    assert.match(by.get('bad-import')!.error!, /cannot find module/)
    assert.match(by.get('mismatch')!.error!, /folder is "mismatch" but the manifest names "other-name"/)
    assert.equal(by.get('mismatch')!.definition, null)
  })

  it('reports an npm package that is not installed', async () => {
    const [f] = await findPlugins([], [{ name: null, pkg: 'hearth-plugin-not-installed' }])
    assert.match(f!.error!, /npm package "hearth-plugin-not-installed" could not be loaded/)
  })

  it('orders by dependency and reports missing and circular ones', () => {
    const { order, problems } = orderByDependencies([
      { name: 'c', dependsOn: ['b'] },
      { name: 'b', dependsOn: ['a'] },
      { name: 'a', dependsOn: [] },
      { name: 'x', dependsOn: ['ghost'] },
      { name: 'p', dependsOn: ['q'] },
      { name: 'q', dependsOn: ['p'] },
    ])
    assert.deepEqual(order, ['a', 'b', 'c'])
    assert.match(problems.get('x')!, /needs the plugin "ghost"/)
    assert.match(problems.get('p')! + problems.get('q')!, /circular dependency/)
  })
})

describe('loading plugins into a running app', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp({ pluginDirs: [FIXTURES], enable: ['alpha', 'beta', 'broken', 'asyncreg'] })
    // A dependency that vanished after it was enabled: set directly, as the CLI would refuse it.
    await t.h.db.updateTable('plugins').set({ enabled: 1 }).where('name', '=', 'needs-ghost').execute()
    await t.restart()
  })
  after(() => t.close())

  it('loads good plugins in dependency order and serves their routes', async () => {
    assert.deepEqual([...t.h.plugins.loaded.keys()], ['alpha', 'beta'])
    const page = await t.request('GET', '/alpha')
    assert.equal(page.status, 200)
    const html = await page.text()
    assert.match(html, /first! level 3 items 0/)
    assert.match(html, /<title>Alpha \(beta\) · Hearth<\/title>/, 'beta’s title filter ran')
    assert.match(html, /href="\/alpha"/, 'nav item shown')
    assert.equal(await (await t.request('GET', '/beta')).text(), 'beta here')
  })

  it('lets a plugin fire its declared hook for another plugin', async () => {
    const { pings } = await import('../../test/fixtures/plugins/beta/plugin.js')
    const { token, id } = await t.register('pinger')
    const res = await t.request('POST', '/alpha/ping', { token })
    assert.equal(res.status, 200)
    assert.deepEqual(pings, [id])
  })

  it('disables a plugin that throws in register(), removes what it registered, and keeps serving', async () => {
    const broken = (await t.h.plugins.status()).find((p) => p.name === 'broken')!
    assert.equal(broken.enabled, false)
    assert.equal(broken.loaded, false)
    assert.match(broken.error!, /register\(\) threw: the settings file is missing/)
    assert.equal((await t.request('GET', '/broken')).status, 404)
    const home = await (await t.request('GET', '/')).text()
    assert.doesNotMatch(home, /href="\/broken"/)
    assert.doesNotMatch(home, /hijacked/)
    assert.ok(!t.h.hooks.describe().some((h) => h.handlers.some((x) => x.owner === 'broken')))
  })

  it('refuses an async register() and skips a plugin whose dependency is missing', async () => {
    const statuses = await t.h.plugins.status()
    assert.match(statuses.find((p) => p.name === 'asyncreg')!.error!, /must not be async/)
    const ghost = statuses.find((p) => p.name === 'needs-ghost')!
    assert.equal(ghost.loaded, false)
    assert.match(ghost.error!, /needs the plugin "ghost"/)
    assert.equal((await t.request('GET', '/needs-ghost')).status, 404)
  })

  it('runs each plugin’s migrations under its own migration table', async () => {
    const rows = t.h.store.sqlite.prepare('select name from hearth_migrations_alpha').all()
    assert.deepEqual(rows, [{ name: '2026_11_21_1000_items' }])
    const status = await t.h.plugins.migrationStatus()
    assert.ok(status.some((m) => m.owner === 'alpha' && m.executedAt))
  })

  it('lets a plugin emit only the hooks it declared', async () => {
    const { token } = await t.register('forger')
    const res = (await (await t.request('POST', '/api/v1/alpha/forge', { token })).json()) as { data: { refused?: string } }
    assert.match(res.data.refused ?? '', /may only emit hooks it declares; "action:user.registered" belongs to core/)
  })

  it('does not enable a plugin whose migration fails, and says why', async () => {
    await assert.rejects(t.h.plugins.setEnabled('badmigration', true, null), /The plugin "badmigration" was not enabled: Migration "2026_11_21_1000_fails" of badmigration failed/)
    const s = (await t.h.plugins.status()).find((p) => p.name === 'badmigration')!
    assert.equal(s.enabled, false)
    assert.match(s.error!, /failed/)
  })

  it('gives plugins the posts and social services, with the same visibility rules', async () => {
    const { token } = await t.register('announcer')
    const res = await t.request('POST', '/api/v1/alpha/announce', { token })
    assert.equal(res.status, 201)
    const b = (await res.json()) as { data: { id: number; guestSees: boolean; following: boolean } }
    assert.deepEqual([b.data.guestSees, b.data.following], [false, false], 'a followers-only post is not shown to guests')
    assert.equal((await t.request('GET', `/api/v1/posts/${b.data.id}`, { token })).status, 200)
  })

  it('draws post.actions under every post of the home feed and lists, with the CSRF token', async () => {
    const a = t.agent('10.0.9.1')
    await a.registerViaForm('decorated')
    const me = (await t.h.users.find('decorated'))!
    const post = await t.h.posts.create(me.id, { text: 'action test #decor' })
    for (const page of ['/', '/u/decorated?view=list', `/p/${post.id}`, '/tags/decor']) {
      assert.match(await a.text(page), new RegExp(`data-alpha-action="${post.id}"><input type="hidden" name="_csrf" value="${a.cookies.get('hearth_csrf')}"`), page)
    }
    const api = (await (await t.request('GET', '/api/v1/users/decorated')).json()) as { data: { display_name: string; followers_count: number } }
    assert.equal(api.data.display_name, 'decorated ✓', 'filter:user.public applies to the API profile')
    assert.equal(api.data.followers_count, 0)
  })

  it('lets a plugin grant access to media it attaches to its own things (filter:media.viewable)', async () => {
    const sharp = (await import('sharp')).default
    const { token } = await t.register('media_owner')
    const png = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#123456' } }).png().toBuffer()
    const form = new FormData()
    form.append('file', new Blob([png]), 'x.png')
    const m = ((await (await t.request('POST', '/api/v1/media', { token, body: form })).json()) as { data: { id: number } }).data
    await t.h.queue.drain()
    assert.equal((await t.request('GET', `/media/${m.id}/150`)).status, 404, 'unattached: the owner only')
    t.h.store.sqlite.prepare('insert into alpha_items (label) values (?)').run(`media:${m.id}`)
    assert.equal((await t.request('GET', `/media/${m.id}/150`)).status, 200, 'the plugin grants it')
    t.h.store.sqlite.prepare('delete from alpha_items where label = ?').run(`media:${m.id}`)
  })

  it('lets a plugin file reports about core targets and its own types only', async () => {
    const ctxReports = (t.h.plugins as any).context(t.h.plugins.loaded.get('alpha')!.definition, t.h.plugins.loaded.get('alpha')!.dir).ctx.core.reports
    await assert.rejects(ctxReports.file({ reporterId: null, targetType: 'beta.thing', targetId: 1, reason: 'spam' }), /files reports about posts, comments, members, or its own "alpha\.\*" types/)
    const filed = await ctxReports.file({ reporterId: null, targetType: 'alpha.thing', targetId: 1, reason: 'spam', snapshot: { x: 1 } })
    assert.ok(filed.id > 0)
  })

  it('answers plugin API errors in the envelope', async () => {
    const res = await t.request('GET', '/api/v1/alpha/boom')
    assert.equal(res.status, 409)
    const body = (await res.json()) as { status: string; error: { code: string; message: string } }
    assert.equal(body.status, 'error')
    assert.deepEqual([body.error.code, body.error.message], ['CONFLICT', 'Alpha says no.'])
  })

  it('shows plugin profile tabs and settings panels', async () => {
    const agent = t.agent()
    await agent.registerViaForm('tabby')
    const profile = await agent.text('/u/tabby?tab=alpha-tab')
    assert.match(profile, /alpha for tabby/)
    assert.match(await agent.text('/settings/account'), /href="\/settings\/alpha-prefs"/)
    const bad = await agent.post('/settings/alpha-prefs', { nick: '' })
    assert.equal(bad.status, 400)
    assert.match(await bad.text(), /Pick a nickname/)
    const good = await agent.post('/settings/alpha-prefs', { nick: 'Tab' })
    assert.equal(good.status, 303)
    assert.match(await agent.text('/settings/alpha-prefs'), /Saved Tab\./)
    assert.equal((await agent.get('/u/tabby?tab=nope')).status, 404)
  })

  it('validates plugin settings from the admin form and applies them', async () => {
    await t.h.users.create({ username: 'boss', email: 'boss@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
    const admin = t.agent('10.0.0.2')
    await admin.loginViaForm('boss')
    assert.match(await admin.text('/admin/plugins/alpha'), /name="motto"/)
    const bad = await admin.post('/admin/plugins/alpha', { motto: 'x', level: '9', colour: 'red' })
    assert.equal(bad.status, 400)
    assert.match(await bad.text(), /Level: use 5 or less\./)
    assert.match(await admin.text('/alpha'), /first! level 3/, 'nothing was saved')
    const good = await admin.post('/admin/plugins/alpha', { motto: 'hi', level: '5', loud: 'on', colour: 'blue' })
    assert.equal(good.status, 303)
    assert.match(await admin.text('/alpha'), /hi level 5/)
    const store = t.h.plugins.loaded.get('alpha')!.settings
    assert.deepEqual(await store.all(), { motto: 'hi', level: 5, loud: true, colour: 'blue' })
    await assert.rejects(store.set('colour', 'green'), /Colour: choose one of red, blue/)
  })

  it('enforces dependencies when enabling and disabling, and says a restart is needed', async () => {
    await assert.rejects(t.h.plugins.setEnabled('alpha', false, null), /"beta" depends on "alpha"; disable it first/)
    assert.deepEqual(await t.h.plugins.setEnabled('needs-ghost', false, null), { changed: true })
    await assert.rejects(t.h.plugins.setEnabled('needs-ghost', true, null), /The plugin "needs-ghost" needs "ghost"; enable it first/)
    await assert.rejects(t.h.plugins.setEnabled('bad-import', true, null), /cannot be enabled: cannot find module/)
    await assert.rejects(t.h.plugins.setEnabled('nope', true, null), /There is no plugin "nope"/)
    const admin = t.agent('10.0.0.2')
    await admin.loginViaForm('boss')
    const res = await admin.post('/admin/plugins/beta/disable', {})
    assert.equal(res.status, 303)
    const page = await admin.text('/admin/plugins')
    assert.match(page, /beta is disabled and keeps running until a restart/)
    assert.match(page, /Restart Hearth to apply/)
  })

  it('removes a disabled plugin’s routes and nav after a restart, and keeps its data for re-enabling', async () => {
    t.h.store.sqlite.prepare("insert into alpha_items (label) values ('kept')").run()
    await t.h.plugins.setEnabled('beta', false, null)
    await t.h.plugins.setEnabled('alpha', false, null)
    await t.restart()
    assert.equal((await t.request('GET', '/alpha')).status, 404)
    assert.doesNotMatch(await (await t.request('GET', '/')).text(), /href="\/alpha"/)
    assert.equal(t.h.plugins.loaded.size, 0)
    await t.h.plugins.setEnabled('alpha', true, null)
    await t.restart()
    assert.match(await (await t.request('GET', '/alpha')).text(), /items 1/)
    const audit = t.h.store.sqlite.prepare("select action, target_id from audit_log where target_type = 'plugin' order by id").all()
    assert.ok(audit.length >= 4, 'enable/disable is audited')
  })
})
