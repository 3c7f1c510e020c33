// The rate limits of seed 002 section 5.3, as settings, answered with RATE_LIMITED and a retry time.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, PASSWORD, type TestApp } from '../../test/harness.js'

type Envelope = { data: any; error: { code: string; message: string; details: any } }

describe('rate limits', () => {
  let t: TestApp
  const tok: Record<string, string> = {}
  before(async () => {
    t = await createTestApp({ settings: { 'limits.posts_per_hour': 2, 'limits.follows_per_day': 1, 'limits.likes_per_day': 1 } })
    for (const n of ['busy', 'target1', 'target2']) tok[n] = (await t.register(n)).token
  })
  after(() => t.close())
  const call = (who: string, method: string, path: string, json?: unknown, ip = '10.6.0.1') => t.request(method, path, { token: tok[who], json, headers: { 'x-forwarded-for': ip } })
  const limited = async (res: Response, what: RegExp = /Try again in \d+ s/) => {
    assert.equal(res.status, 429)
    const b = (await res.json()) as Envelope
    assert.equal(b.error.code, 'RATE_LIMITED')
    assert.match(b.error.message, what)
    assert.ok(b.error.details.retry_after > 0)
    assert.ok(Number(res.headers.get('retry-after')) > 0)
  }

  it('limits posts per hour, follows and likes per day', async () => {
    for (const n of [1, 2]) assert.equal((await call('busy', 'POST', '/api/v1/posts', { text: `post ${n}` })).status, 201)
    await limited(await call('busy', 'POST', '/api/v1/posts', { text: 'post 3' }), /Too many posts this hour\. Try again in \d+ s/)
    assert.equal((await call('busy', 'POST', '/api/v1/users/target1/follow')).status, 200)
    await limited(await call('busy', 'POST', '/api/v1/users/target2/follow'))
    assert.equal((await call('busy', 'POST', '/api/v1/users/target1/follow')).status, 200, 'following again costs nothing')
    const p1 = ((await (await call('target1', 'POST', '/api/v1/posts', { text: 'like me' })).json()) as Envelope).data.id
    const p2 = ((await (await call('target1', 'POST', '/api/v1/posts', { text: 'and me' })).json()) as Envelope).data.id
    assert.equal((await call('busy', 'POST', `/api/v1/posts/${p1}/like`)).status, 200)
    await limited(await call('busy', 'POST', `/api/v1/posts/${p2}/like`))
  })

  it('limits API requests per member and requests per IP per minute, changeable in settings', async () => {
    await t.h.settings.set('limits.api_requests_per_minute', 3)
    for (let i = 0; i < 3; i++) assert.equal((await call('target2', 'GET', '/api/v1/users/me', undefined, `10.6.1.${i}`)).status, 200)
    await limited(await call('target2', 'GET', '/api/v1/users/me', undefined, '10.6.1.9'))
    assert.equal((await call('target1', 'GET', '/api/v1/users/me', undefined, '10.6.1.10')).status, 200, 'other members are not affected')
    await t.h.settings.set('limits.api_requests_per_minute', 100000)
    await t.h.settings.set('limits.ip_requests_per_minute', 4)
    for (let i = 0; i < 4; i++) await t.request('GET', '/', { headers: { 'x-forwarded-for': '10.6.2.1' } })
    const page = await t.request('GET', '/', { headers: { 'x-forwarded-for': '10.6.2.1' } })
    assert.equal(page.status, 429)
    assert.ok(Number(page.headers.get('retry-after')) > 0)
    assert.match(await page.text(), /<h1>Slow down<\/h1>.*Too many requests\. Try again in \d+ s\./s, 'pages get the theme’s error page')
    assert.equal((await t.request('GET', '/', { headers: { 'x-forwarded-for': '10.6.2.2' } })).status, 200)
    assert.equal((await t.request('GET', '/healthz', { headers: { 'x-forwarded-for': '10.6.2.1' } })).status, 200, 'health checks are never limited')
  })
})

describe('limits belong to the member and survive a restart', () => {
  let t: TestApp
  let token = ''
  before(async () => {
    t = await createTestApp({ settings: { 'limits.posts_per_hour': 1, 'auth.login.account_limit': 2 } })
    token = (await t.register('keeper')).token
  })
  after(() => t.close())

  it('keeps a spent posting budget and a login lockout across a restart on the same data folder', async () => {
    assert.equal((await t.request('POST', '/api/v1/posts', { token, json: { text: 'one' } })).status, 201)
    assert.equal((await t.request('POST', '/api/v1/posts', { token, json: { text: 'two' } })).status, 429)
    for (let i = 0; i < 2; i++) assert.equal((await t.request('POST', '/api/v1/users/login', { json: { login: 'keeper', password: 'wrong password!' }, headers: { 'x-forwarded-for': `10.7.0.${i}` } })).status, 401)
    await t.restart()
    const post = await t.request('POST', '/api/v1/posts', { token, json: { text: 'three' } })
    assert.equal(post.status, 429, 'the hour’s one post was spent before the restart')
    const login = await t.request('POST', '/api/v1/users/login', { json: { login: 'keeper', password: PASSWORD }, headers: { 'x-forwarded-for': '10.7.0.9' } })
    assert.equal(login.status, 429, 'the account stays locked')
  })
})
