// The permissions matrix: every admin route and admin API call (core's and every plugin's), asked by a guest, a
// member, a moderator, a custom role and an admin, each answering as the role allows. The routes come from the
// console's registry, and the app's own route table is checked against it, so a new route cannot escape.
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { ROOT } from '../paths.js'
import { allows, type Permission } from '../users/permissions.js'
import type { Role } from '../db/schema.js'
import { createRolesService } from './roles.js'

/** Every plugin in the plugins folder, so their sections are in the matrix too. */
const ALL_PLUGINS = readdirSync(join(ROOT, 'plugins'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)

const CSRF = 'matrix-csrf-token-0123456789abcdefghij'

interface Caller {
  name: string
  token: string | null
  role: Role
  permissions: Permission[]
}

/** A path with its parameters filled by values naming nothing: an allowed caller gets past the check to a 404 or 400. */
const concrete = (path: string) => path.replace(/:id\b/g, '999999').replace(/:[a-z_]+/gi, 'no-such-thing')

describe('admin permissions matrix', () => {
  let t: TestApp
  const callers: Caller[] = []

  before(async () => {
    t = await createTestApp({ enable: ALL_PLUGINS })
    const admin = await t.register('matrixadmin')
    const mod = await t.register('matrixmod')
    const support = await t.register('matrixsupport')
    const member = await t.register('matrixmember')
    await t.h.users.setRole(admin.id, 'admin', null)
    await t.h.users.setRole(mod.id, 'moderator', null)
    const roles = createRolesService(t.h.db, t.h.users)
    await roles.save({ name: 'support', label: 'Support', permissions: ['manage_members', 'view_money'] }, null)
    await roles.assign(support.id, { staff_role: 'support' }, null)
    callers.push(
      { name: 'guest', token: null, role: 'member', permissions: [] },
      { name: 'member', token: member.token, role: 'member', permissions: [] },
      { name: 'moderator', token: mod.token, role: 'moderator', permissions: ['moderate_content'] },
      { name: 'custom role (support)', token: support.token, role: 'member', permissions: ['manage_members', 'view_money'] },
      { name: 'admin', token: admin.token, role: 'admin', permissions: [] },
    )
  })
  after(() => t.close())

  it('declares every /admin and /api/v1/admin route of the app in the registry, and nothing else mounts one', () => {
    const declared = new Set(t.h.admin.routes().map((r) => `${r.method} ${r.path}`))
    const mounted = new Set(
      t.h.app.routes.filter((r) => r.method !== 'ALL' && (r.path === '/admin' || r.path.startsWith('/admin/') || r.path.startsWith('/api/v1/admin/'))).map((r) => `${r.method} ${r.path}`),
    )
    assert.deepEqual([...mounted].filter((r) => !declared.has(r)), [], 'routes mounted outside the console registry')
    assert.deepEqual([...declared].filter((r) => !mounted.has(r)), [], 'routes declared but not mounted')
    // The plugins' sections are in it (random chat's staff page).
    assert.ok(declared.has('GET /admin/random-chat') && declared.has('GET /api/v1/admin/random-chat'))
    assert.ok(declared.size > 30, `a console's worth of routes (${declared.size})`)
  })

  it('answers every admin route for every role as its permissions allow', async () => {
    const routes = t.h.admin.routes()
    const wrong: string[] = []
    for (const r of routes) {
      const path = concrete(r.path)
      for (const who of callers) {
        // An API call sends JSON; a page's form, an empty form. Bearer tokens need no CSRF token; a guest's form
        // carries a good one, so what answers is the permission check, not the CSRF one.
        const guestCsrf = { cookie: `hearth_csrf=${CSRF}`, 'x-csrf-token': CSRF }
        const res = await t.request(r.method, path, {
          token: who.token ?? undefined,
          ...(r.method === 'GET' ? {} : r.kind === 'api' ? { json: {} } : { body: new URLSearchParams(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...(who.token ? {} : guestCsrf) } }),
        })
        const allowed = who.token !== null && allows({ role: who.role, permissions: who.permissions }, r.need)
        let ok: boolean
        if (!who.token) {
          // A guest: the API says 401; a page sends them to log in (GET) or says 401 (a form).
          ok = r.kind === 'page' && r.method === 'GET' ? res.status === 302 && /^\/login\?next=/.test(res.headers.get('location') ?? '') : res.status === 401
        } else if (allowed) ok = res.status !== 401 && res.status !== 403 && res.status < 500
        else ok = res.status === 403
        if (r.kind === 'api' && !ok && res.headers.get('content-type')?.includes('json') === false) ok = false
        if (!ok) wrong.push(`${who.name}: ${r.method} ${path} (needs ${r.need}) answered ${res.status}${allowed ? ', expected to be let in' : ''}`)
        await res.arrayBuffer()
      }
    }
    assert.deepEqual(wrong, [])
  })

  it('shows each role only the sections it may open', async () => {
    const nav = async (token: string) => {
      const html = await (await t.request('GET', '/admin', { token })).text()
      return [...html.matchAll(/data-section="([a-z0-9-]+)"/g)].map((m) => m[1])
    }
    const mod = callers.find((c) => c.name === 'moderator')!
    const support = callers.find((c) => c.name.startsWith('custom'))!
    const admin = callers.find((c) => c.name === 'admin')!
    assert.deepEqual(await nav(mod.token!), ['dashboard', 'reports', 'curation', 'random-chat'], 'moderating content includes featuring it')
    assert.deepEqual(await nav(support.token!), ['dashboard', 'users', 'access', 'verification', 'announcements', 'reengagement', 'coins'], 'manage members and view money (the coins plugin)')
    const all = await nav(admin.token!)
    for (const id of ['dashboard', 'users', 'verification', 'access', 'roles', 'reports', 'curation', 'rules', 'random-chat', 'audit', 'usage', 'jobs', 'backups', 'plugins', 'mail', 'settings']) assert.ok(all.includes(id), `admin sees ${id}`)
  })

  it('lets a custom role with "moderate content" into the moderation queue, and keeps one without it out', async () => {
    const support = callers.find((c) => c.name.startsWith('custom'))!
    assert.equal((await t.request('GET', '/admin/reports', { token: support.token! })).status, 403)
    const roles = createRolesService(t.h.db, t.h.users)
    await roles.save({ name: 'support', label: 'Support', permissions: ['manage_members', 'moderate_content'] }, null)
    assert.equal((await t.request('GET', '/admin/reports', { token: support.token! })).status, 200, 'the change applies on the next request')
    await roles.save({ name: 'support', label: 'Support', permissions: ['manage_members', 'view_money'] }, null)
  })
})
