// Core's routes stay reachable whatever the order of CORE_MODULES: no module's pattern swallows another module's route.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Hono } from 'hono'
import { createTestApp, type TestApp } from '../test/harness.js'
import { buildApp, CORE_MODULES } from './app.js'
import type { CoreModule } from './module.js'

interface Route {
  method: string
  path: string
  owner: string
}

/**
 * Catch-alls that hand on with next() what is not theirs, so a route behind them is still reached.
 * Each one is here with the reason it falls through.
 */
const FALLS_THROUGH: Record<string, string> = {
  'GET /settings/:panel': 'auth serves plugin settings panels only; any other panel name goes on to its module',
  'POST /settings/:panel': 'auth saves plugin settings panels only; any other panel name goes on to its module',
  'GET /api/v1/users/:id': 'social leaves /users/me to auth',
}

/** The routes of the modules in mount order (every module's pages, then every module's API), as buildApp mounts them. */
function table(t: TestApp, modules: readonly CoreModule[]): Route[] {
  const out: Route[] = []
  const add = (owner: string, prefix: string, app: Hono<any> | undefined) => {
    for (const r of app?.routes ?? []) if (!(r.method === 'ALL' && r.path.endsWith('*'))) out.push({ method: r.method, path: (prefix + r.path).replace(/(.)\/$/, '$1'), owner })
  }
  for (const m of modules) add(m.name, '', m.pages?.(t.h))
  for (const m of modules) add(m.name, '/api/v1', m.api?.(t.h))
  return out
}

const pattern = (path: string) => new RegExp('^' + path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+').replace(/\*/g, '.*') + '$')
const sample = (path: string) => path.replace(/:\w+/g, 'zz9').replace(/\*/g, 'zz9')

/** "route X is answered first by module Y's pattern P" for every route an earlier module's pattern would take. */
function shadowed(routes: Route[]): string[] {
  const found: string[] = []
  routes.forEach((r, i) => {
    const first = routes.slice(0, i).find((e) => e.owner !== r.owner && (e.method === r.method || e.method === 'ALL') && pattern(e.path).test(sample(r.path)))
    if (first && !(`${first.method} ${first.path}` in FALLS_THROUGH)) found.push(`${r.method} ${r.path} (${r.owner}) is taken by ${first.path} (${first.owner})`)
  })
  return found
}

describe('core modules', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  it('mounts exactly the routes of the module list, in its order', () => {
    const core = buildApp(t.h).routes.filter((r) => !(r.method === 'ALL' && r.path.endsWith('*'))).map((r) => `${r.method} ${r.path.replace(/(.)\/$/, '$1')}`)
    const expected = table(t, CORE_MODULES).map((r) => `${r.method} ${r.path}`)
    const start = core.indexOf(expected[0]!)
    assert.deepEqual(core.slice(start, start + expected.length), expected)
  })

  it('refuses an order where one module swallows another module\'s route, in this order and reversed', () => {
    assert.deepEqual(shadowed(table(t, CORE_MODULES)), [])
    assert.deepEqual(shadowed(table(t, [...CORE_MODULES].reverse())), [])
  })

  it('notices a swallowed route (the check itself works)', () => {
    const greedy: CoreModule = { name: 'greedy', pages: () => new Hono().get('/settings/:anything', (c) => c.text('mine')) as never }
    assert.match(shadowed(table(t, [greedy, ...CORE_MODULES])).join('\n'), /GET \/settings\/account \(auth\) is taken by \/settings\/:anything \(greedy\)/)
  })

  it('answers /api/v1/users/me with the private account whichever of auth and social is mounted first', async () => {
    const { token } = await t.register('order_me')
    for (const modules of [CORE_MODULES, [...CORE_MODULES].reverse()]) {
      const app = buildApp(t.h, modules)
      const res = await app.request('/api/v1/users/me', { headers: { authorization: `Bearer ${token}` } })
      assert.equal(res.status, 200)
      assert.equal(((await res.json()) as { data: { email?: string } }).data.email !== undefined, true)
    }
  })
})
