// Every paginated API route and page, core's and plugins', refuses a malformed cursor with 400 VALIDATION_FAILED, never a 500.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from './harness.js'

const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
/** Each holds every key some cursor uses (at, id, offset, t, n, kind, ref), each key wrong in the case's way. */
const keys = (time: unknown, number: unknown, text: unknown = {}) => ({ at: time, id: number, offset: number, t: number, n: number, ref: number, kind: text })
const BAD_CURSORS: Record<string, string> = {
  'not base64url': 'not%20a%20cursor!',
  'base64 of garbage': b64('}{ not json'),
  'a JSON array': b64([1, 2]),
  'a JSON string': b64('"2026-01-01T00:00:00.000Z"'),
  'an empty object': b64({}),
  'object values': b64(keys({}, {}, [])),
  'strings where numbers go': b64(keys('2026-01-01T00:00:00.000Z', '5', null)),
  'numbers where a time goes': b64(keys(1767225600000, -1, 7)),
  'huge numbers': b64(keys('9'.repeat(400), 1e300, 'x'.repeat(5000))),
  'negative numbers': b64(keys('garbage', -3, 'post')),
  'a text offset and a garbage time': b64({ ...keys('not a time', 'ten'), offset: 'ten', at: 'yesterday' }),
  'too long': 'A'.repeat(5000),
}

describe('malformed cursors', () => {
  let t: TestApp
  let token = ''
  const paths = { post: 0, collection: 0, group: 0 }
  const agent = () => t.agent()
  let pageAgent: ReturnType<TestApp['agent']>

  before(async () => {
    t = await createTestApp({ enable: ['groups', 'stories', 'random-chat'] })
    const ana = await t.register('ana')
    token = ana.token
    await t.h.users.setRole(ana.id, 'admin', null) // every staff list is reachable
    await t.register('ben')
    const call = async (method: string, path: string, json?: unknown) => {
      const res = await t.request(method, path, { token, json })
      const body = (await res.json()) as { data: { id: number } }
      assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(body)}`)
      return body.data
    }
    paths.post = (await call('POST', '/api/v1/posts', { text: 'Hello #tag' })).id
    await call('POST', `/api/v1/posts/${paths.post}/comments`, { text: 'A comment' })
    await call('POST', `/api/v1/posts/${paths.post}/bookmark`)
    paths.collection = (await call('POST', '/api/v1/collections', { name: 'Mine' })).id
    paths.group = (await call('POST', '/api/v1/groups', { name: 'Cursor club' })).id
    pageAgent = agent()
    await pageAgent.loginViaForm('ana')
  })
  after(() => t.close())

  const apiRoutes = () => [
    '/api/v1/feed/home',
    '/api/v1/feed/explore',
    '/api/v1/feed/user/ana',
    '/api/v1/hashtags/tag/posts',
    '/api/v1/users/me/bookmarks',
    '/api/v1/users/ana/followers',
    '/api/v1/users/ana/following',
    '/api/v1/users/me/blocks',
    '/api/v1/users/me/mutes',
    '/api/v1/users/me/follow-requests',
    `/api/v1/posts/${paths.post}/likes`,
    `/api/v1/posts/${paths.post}/comments`,
    `/api/v1/collections/${paths.collection}`,
    '/api/v1/notifications',
    '/api/v1/users/me/activity',
    '/api/v1/search/users?q=ana',
    '/api/v1/search/posts?q=hello',
    '/api/v1/admin/users',
    '/api/v1/admin/rules/hits',
    '/api/v1/admin/audit',
    '/api/v1/admin/reports',
    '/api/v1/admin/reports/history',
    '/api/v1/admin/reports/appeals',
    '/api/v1/reports',
    '/api/v1/groups',
    `/api/v1/groups/${paths.group}/posts`,
  ]
  const pages = () => [
    '/',
    '/explore',
    '/tags/tag',
    '/u/ana',
    '/u/ana/followers',
    '/u/ana/following',
    '/follow-requests',
    '/bookmarks',
    `/collections/${paths.collection}`,
    `/p/${paths.post}/likes`,
    '/notifications',
    '/activity',
    '/search?q=ana',
    '/search?q=hello&type=posts',
    '/admin/users',
    '/admin/audit',
    '/admin/reports',
    '/admin/reports/history',
    '/admin/reports/appeals',
    '/groups',
    `/groups/${paths.group}`,
  ]
  const withCursor = (path: string, cursor: string, param = 'cursor') => `${path}${path.includes('?') ? '&' : '?'}${param}=${encodeURIComponent(cursor)}`

  it('answers 400 VALIDATION_FAILED with details.fields.cursor on every paginated API route', async () => {
    for (const path of apiRoutes()) {
      const first = await t.request('GET', path, { token })
      assert.equal(first.status, 200, `${path} without a cursor`)
      for (const [name, cursor] of Object.entries(BAD_CURSORS)) {
        const res = await t.request('GET', withCursor(path, cursor), { token })
        const body = (await res.json()) as { error?: { code: string; details: { fields?: Record<string, string> } } }
        assert.equal(res.status, 400, `${path} with ${name}: ${res.status} ${JSON.stringify(body)}`)
        assert.equal(body.error?.code, 'VALIDATION_FAILED', `${path} with ${name}`)
        assert.ok(body.error?.details.fields?.cursor, `${path} with ${name} names the cursor`)
      }
    }
  })

  it('shows the error page with status 400 on every paginated page', async () => {
    const all = [...pages().map((p) => [p, 'cursor'] as const), [`/p/${paths.post}`, 'comments'] as const]
    for (const [path, param] of all) {
      const first = await pageAgent.get(path)
      assert.equal(first.status, 200, `${path} without a cursor`)
      for (const [name, cursor] of Object.entries(BAD_CURSORS)) {
        const res = await pageAgent.get(withCursor(path, cursor, param))
        const html = await res.text()
        assert.equal(res.status, 400, `${path} with ${name}: ${res.status}`)
        assert.match(html, /cursor is not valid/, `${path} with ${name} says why`)
      }
    }
  })

  it('lists every API route that pages its answer', async () => {
    // A new list route must join the walk above: any GET route without parameters that answers with `pagination`.
    const listed = new Set(apiRoutes().map((p) => p.split('?')[0]))
    const found: string[] = []
    for (const route of t.h.app.routes) {
      if (route.method !== 'GET' || !route.path.startsWith('/api/') || /[:*]/.test(route.path)) continue
      const res = await t.request('GET', route.path, { token })
      if (!res.headers.get('content-type')?.includes('json')) continue
      const body = (await res.json()) as { pagination?: unknown }
      if (body.pagination !== undefined && !listed.has(route.path)) found.push(route.path)
    }
    assert.deepEqual(found, [])
  })
})
