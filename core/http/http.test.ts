// The HTTP layer: the API envelope and error codes, limits, headers, static files, error pages, themes and realtime.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { createTestApp, PASSWORD, tempDir, type TestApp } from '../../test/harness.js'
import { ROOT } from '../paths.js'
import { startServer } from '../server.js'
import { BODY_LIMIT } from '../app.js'
import { CORE_SCHEMA } from '../settings/service.js'

type Envelope = { status: string; data: any; pagination?: { next_cursor: string | null; has_more: boolean }; error: { code: string; message: string; details: any }; meta: { timestamp: string; request_id?: string } }
const body = async (res: Response) => (await res.json()) as Envelope

describe('the JSON API', () => {
  let t: TestApp
  let admin: string
  before(async () => {
    t = await createTestApp()
    await t.h.users.create({ username: 'root_admin', email: 'ra@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
    admin = (await body(await t.request('POST', '/api/v1/users/login', { json: { login: 'root_admin', password: PASSWORD } }))).data.token
  })
  after(() => t.close())

  it('wraps success in status, data and meta.timestamp', async () => {
    const b = await body(await t.request('GET', '/api/v1/users/root_admin'))
    assert.equal(b.status, 'success')
    assert.equal(b.data.username, 'root_admin')
    assert.equal(b.data.email, undefined, 'email is private')
    assert.ok(!Number.isNaN(Date.parse(b.meta.timestamp)))
  })

  it('finds members by id or username and answers NOT_FOUND otherwise', async () => {
    const byId = await body(await t.request('GET', '/api/v1/users/1'))
    assert.equal(byId.data.username, 'root_admin')
    const res = await t.request('GET', '/api/v1/users/ghost')
    assert.equal(res.status, 404)
    const b = await body(res)
    assert.equal(b.status, 'error')
    assert.equal(b.error.code, 'NOT_FOUND')
    assert.equal(b.meta.request_id, res.headers.get('x-request-id'))
  })

  it('hides suspended members from everyone but staff', async () => {
    const { id } = await t.register('quiet')
    await t.h.users.suspend(id, 'testing', null)
    assert.equal((await t.request('GET', '/api/v1/users/quiet')).status, 404)
    assert.equal((await t.request('GET', '/u/quiet')).status, 404)
    assert.equal((await t.request('GET', '/api/v1/users/quiet', { token: admin })).status, 200)
  })

  it('answers unknown API routes with the JSON envelope, never HTML', async () => {
    for (const [method, path] of [['GET', '/api/v1/nothing'], ['POST', '/api/v2/users'], ['DELETE', '/api/v1/users/me']]) {
      const res = await t.request(method!, path!)
      assert.equal(res.status, 404, path)
      assert.match(res.headers.get('content-type')!, /application\/json/)
      assert.equal((await body(res)).error.code, 'NOT_FOUND')
    }
  })

  it('answers UNAUTHENTICATED without a session and for a bad token', async () => {
    assert.equal((await body(await t.request('GET', '/api/v1/users/me'))).error.code, 'UNAUTHENTICATED')
    const bad = await t.request('GET', '/api/v1/users/me', { token: 'not-a-token' })
    assert.equal(bad.status, 401)
    assert.match((await body(bad)).error.message, /not valid or has expired/)
  })

  it('refuses bodies that are not JSON objects, and bodies over the limit', async () => {
    const notJson = await t.request('POST', '/api/v1/users/login', { body: '{nope', headers: { 'content-type': 'application/json' } })
    assert.equal(notJson.status, 400)
    assert.match((await body(notJson)).error.message, /not valid JSON/)
    const arr = await t.request('POST', '/api/v1/users/login', { json: [1, 2] })
    assert.match((await body(arr)).error.message, /must be a JSON object/)
    const form = await t.request('POST', '/api/v1/users/login', { body: 'login=a', headers: { 'content-type': 'text/plain' } })
    assert.equal(form.status, 403, 'a text/plain body is what a cross-site form sends: CSRF applies')
    const big = await t.request('POST', '/api/v1/users/login', { json: { login: 'x', password: 'y'.repeat(BODY_LIMIT) } })
    assert.equal(big.status, 413)
    assert.equal((await body(big)).error.code, 'PAYLOAD_TOO_LARGE')
  })

  it('finds a multipart form\'s CSRF token only in its first part, never reading past it', async () => {
    const a = t.agent('10.4.0.1')
    await a.registerViaForm('uploader')
    const boundary = 'x-boundary'
    const token = `--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${a.cookies.get('hearth_csrf')}\r\n`
    const file = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n\r\n${'x'.repeat(BODY_LIMIT + 10)}\r\n`
    const send = (body: string) =>
      t.h.app.request('http://hearth.test/api/v1/media', {
        method: 'POST',
        headers: { cookie: [...a.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(Buffer.byteLength(body)) },
        body,
      })
    const after = await send(`${file}${token}--${boundary}--\r\n`)
    assert.equal(after.status, 403, 'a token after the file is not looked for')
    assert.equal((await body(after)).error.code, 'CSRF_FAILED')
    const first = await send(`${token}${file}--${boundary}--\r\n`)
    assert.equal((await body(first)).error.code, 'VALIDATION_FAILED', 'the token first passes; the file itself is then refused (not an image)')
  })

  it('lets admins page through members with cursors, and refuses bad cursors and limits', async () => {
    for (const n of [1, 2, 3]) await t.register(`pager${n}`)
    const first = await body(await t.request('GET', '/api/v1/admin/users?limit=2', { token: admin }))
    assert.equal(first.data.length, 2)
    assert.equal(first.pagination!.has_more, true)
    const seen = first.data.map((u: any) => u.id)
    let cursor = first.pagination!.next_cursor
    while (cursor) {
      const page = await body(await t.request('GET', `/api/v1/admin/users?limit=2&cursor=${cursor}`, { token: admin }))
      seen.push(...page.data.map((u: any) => u.id))
      cursor = page.pagination!.next_cursor
    }
    assert.deepEqual(seen, [...seen].sort((a: number, b: number) => a - b))
    assert.equal(new Set(seen).size, seen.length, 'no member twice')
    assert.ok(seen.length >= 5)
    assert.equal((await body(await t.request('GET', '/api/v1/admin/users?cursor=garbage', { token: admin }))).error.code, 'VALIDATION_FAILED')
    assert.equal((await t.request('GET', '/api/v1/admin/users?limit=1000', { token: admin })).status, 400)
    const member = (await t.register('nosy')).token
    assert.equal((await body(await t.request('GET', '/api/v1/admin/users', { token: member }))).error.code, 'FORBIDDEN')
  })
})

describe('pages, headers and static files', () => {
  let t: TestApp
  before(async () => (t = await createTestApp({ themeDirs: [join(ROOT, 'test/fixtures/themes')] })))
  after(() => t.close())

  it('sends a strict same-origin CSP, security headers and a request id on every response', async () => {
    for (const path of ['/', '/api/v1/users/me', '/nope']) {
      const res = await t.request('GET', path)
      const csp = res.headers.get('content-security-policy')!
      assert.match(csp, /default-src 'self'/)
      assert.match(csp, /script-src 'self';/)
      assert.match(csp, /frame-ancestors 'none'/)
      assert.doesNotMatch(csp, /unsafe-inline|https?:/)
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff')
      assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/)
    }
  })

  it('reports health as JSON with version, database and role', async () => {
    const b = (await (await t.request('GET', '/healthz')).json()) as Record<string, string>
    assert.deepEqual({ ...b, version: 'x' }, { status: 'ok', version: 'x', database: 'ok', role: 'primary' })
  })

  it('serves htmx and the theme from the installed files, and nothing outside them', async () => {
    const htmx = await t.request('GET', '/static/htmx.min.js')
    assert.equal(htmx.status, 200)
    assert.match(htmx.headers.get('content-type')!, /javascript/)
    assert.ok((await htmx.text()).includes('htmx'))
    const css = await t.request('GET', '/theme/default/styles/main.css')
    assert.match(await css.text(), /prefers-color-scheme: dark/)
    const etag = css.headers.get('etag')!
    assert.equal((await t.request('GET', '/theme/default/styles/main.css', { headers: { 'if-none-match': etag } })).status, 304)
    for (const path of ['/theme/default/theme.ts', '/theme/default/..%2F..%2Fpackage.json', '/theme/default/%2e%2e/%2e%2e/package.json', '/theme/nope/styles/main.css', '/static/..%2Fpackage.json']) {
      assert.equal((await t.request('GET', path)).status, 404, path)
    }
  })

  it('gzips text files (scripts, styles, SVG) for clients that accept it, with a validator of their own', async () => {
    const { gunzipSync } = await import('node:zlib')
    const plain = await t.request('GET', '/static/htmx.min.js')
    const plainBody = Buffer.from(await plain.arrayBuffer())
    assert.equal(plain.headers.get('content-encoding'), null, 'no Accept-Encoding, no gzip')
    const gz = await t.request('GET', '/static/htmx.min.js', { headers: { 'accept-encoding': 'gzip, deflate, br' } })
    assert.equal(gz.headers.get('content-encoding'), 'gzip')
    assert.equal(gz.headers.get('vary'), 'Accept-Encoding')
    const gzBody = Buffer.from(await gz.arrayBuffer())
    assert.equal(Number(gz.headers.get('content-length')), gzBody.length)
    assert.ok(gzBody.length < plainBody.length / 2, `compressed: ${gzBody.length} of ${plainBody.length} bytes`)
    assert.deepEqual(gunzipSync(gzBody), plainBody)
    assert.notEqual(gz.headers.get('etag'), plain.headers.get('etag'))
    const again = await t.request('GET', '/static/htmx.min.js', { headers: { 'accept-encoding': 'gzip', 'if-none-match': gz.headers.get('etag')! } })
    assert.equal(again.status, 304)
    const icon = await t.request('GET', '/theme/default/assets/icon.svg', { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(icon.headers.get('content-encoding'), 'gzip', 'SVG is text')
    const head = await t.request('HEAD', '/static/hearth.js', { headers: { 'accept-encoding': 'gzip' } })
    assert.equal(head.status, 200)
    assert.equal(head.headers.get('content-encoding'), 'gzip')
  })

  it('renders 404, 403 and htmx errors from the theme', async () => {
    const nf = await t.request('GET', '/no/such/page')
    assert.equal(nf.status, 404)
    assert.match(nf.headers.get('content-type')!, /text\/html/)
    assert.match(await nf.text(), /<h1>Not found<\/h1>/)
    const a = t.agent()
    await a.registerViaForm('plainmember')
    const forbidden = await a.get('/admin')
    assert.equal(forbidden.status, 403)
    assert.match(await forbidden.text(), /Only staff may open this/)
    const partial = await a.fetch('GET', '/no/such/page', { headers: { 'hx-request': 'true' } })
    const html = await partial.text()
    assert.doesNotMatch(html, /<html/)
    assert.match(html, /class="alert alert-error"/)
  })

  it('uses the active theme’s templates and styles, falling back to the default for the rest', async () => {
    assert.ok(t.h.themes.has('sunset'))
    assert.match(t.h.themeProblems.find((p) => p.name === 'broken')!.error, /folder is "broken" but the theme calls itself "not-broken"/)
    await t.h.settings.set('theme', 'sunset')
    const home = await (await t.request('GET', '/')).text()
    assert.match(home, /Sunset over Hearth/)
    assert.match(home, /href="\/theme\/default\/styles\/main.css".*href="\/theme\/sunset\/styles\/sunset.css"/s)
    assert.match(await (await t.request('GET', '/login')).text(), /<h1>Log in<\/h1>/, 'templates it does not override come from the default')
    assert.match(await (await t.request('GET', '/missing')).text(), /Sunset error 404/)
    await t.h.settings.set('theme', 'default')
    assert.doesNotMatch(await (await t.request('GET', '/')).text(), /Sunset/)
  })

  it('fits a phone: a viewport meta tag and no fixed-width layout', async () => {
    const html = await (await t.request('GET', '/')).text()
    assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1"\/>/)
  })
})

describe('unexpected errors', () => {
  let t: TestApp
  const logFile = join(tempDir(), 'hearth.log')
  before(async () => (t = await createTestApp({ pluginDirs: [join(ROOT, 'test/fixtures/plugins')], enable: ['alpha'], logFile })))
  after(() => t.close())

  it('shows the theme’s 500 page with a reference, logs the error with the request id, and leaks nothing', async () => {
    const page = await t.request('GET', '/alpha/crash')
    assert.equal(page.status, 500)
    const html = await page.text()
    assert.match(html, /<h1>Something broke<\/h1>/)
    const ref = page.headers.get('x-request-id')!
    assert.ok(html.includes(`Reference: ${ref}`))
    assert.doesNotMatch(html, /secret internals/)
    const api = await t.request('GET', '/api/v1/alpha/crash')
    const b = await body(api)
    assert.equal(api.status, 500)
    assert.equal(b.error.code, 'INTERNAL')
    assert.doesNotMatch(JSON.stringify(b), /secret internals/)
    // The log is written asynchronously: wait (a second at most) for the lines to reach the file.
    let lines: any[] = []
    for (let i = 0; i < 100 && !lines.some((l) => l.msg === 'request' && l.req_id === ref); i++) {
      await new Promise((r) => setTimeout(r, 10))
      lines = readFileSync(logFile, 'utf8').split('\n').slice(0, -1).map((l) => JSON.parse(l)) // complete lines only
    }
    const logged = lines.find((l) => l.msg === 'unhandled error' && l.req_id === ref)
    assert.ok(logged, 'the error is logged with its request id')
    assert.match(logged.err.message, /secret internals/)
    assert.ok(lines.some((l) => l.msg === 'request' && l.req_id === ref && l.status === 500), 'the request line carries the same id')
  })
})

describe('admin member management', () => {
  let t: TestApp
  before(async () => (t = await createTestApp()))
  after(() => t.close())

  it('changes roles and suspends from the admin page, audits it, and protects the last admin', async () => {
    await t.h.users.create({ username: 'head', email: 'head@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
    const { id } = await t.register('helper')
    const a = t.agent('10.1.0.1')
    await a.loginViaForm('head')
    const list = await a.text('/admin/users')
    assert.match(list, /@helper/)
    await a.post(`/admin/users/${id}/role`, { role: 'moderator' })
    assert.equal((await t.h.users.find(id))!.role, 'moderator')
    const empty = await a.post(`/admin/users/${id}/suspend`, { reason: '  ' })
    assert.equal(empty.status, 303)
    assert.match(await a.text('/admin/users'), /Say why the account is suspended/)
    await a.post(`/admin/users/${id}/suspend`, { reason: 'Rude' })
    assert.ok((await t.h.users.findRow(id))!.suspended_at)
    const headId = (await t.h.users.find('head'))!.id
    await a.post(`/admin/users/${headId}/role`, { role: 'member' })
    assert.match(await a.text('/admin/users'), /This is the last active admin/)
    assert.equal((await t.h.users.find(headId))!.role, 'admin')
    const settingsPage = await a.text('/admin/settings')
    assert.match(settingsPage, /name="registration.open" checked/)
    // The whole form, as a browser sends it: every field, an unticked checkbox left out.
    const form = (changes: Record<string, string>) => {
      const base = Object.fromEntries(Object.entries(CORE_SCHEMA).filter(([, spec]) => spec.type !== 'boolean').map(([k, spec]) => [k, String(spec.default)]))
      return { ...base, ...changes }
    }
    const bad = await a.post('/admin/settings', form({ 'site.name': 'Riverside', 'site.description': 'Hi', 'registration.open': 'on', 'auth.login.ip_limit': '0' }))
    assert.equal(bad.status, 400)
    assert.match(await bad.text(), /Login attempts per IP per window: use 1 or more\./)
    assert.equal(await t.h.settings.get('site.name'), 'Hearth', 'nothing saved from a form with a bad field')
    const good = await a.post('/admin/settings', form({ 'site.name': 'Riverside', 'site.description': 'Hi', 'auth.login.ip_limit': '50' }))
    assert.equal(good.status, 303)
    assert.equal(await t.h.settings.get('registration.open'), false, 'an unticked box turns the switch off')
    assert.match(await t.agent('10.1.0.9').text('/register'), /Registration is closed/)
    assert.match(await a.text('/'), /<a class="brand" href="\/">Riverside<\/a>/)
    const audit = await a.text('/admin/audit')
    assert.match(audit, /user\.role/)
    assert.match(audit, /user\.suspend/)
    assert.match(audit, /settings\.update/)
    assert.match(audit, /@head/)

    // A secret setting (the TURN secret) is never sent back to a browser, an empty field keeps it, and the audit
    // trail records only that it changed.
    const secret = await a.post('/admin/settings', form({ 'rtc.turn_secret': 'hush-hush-123', 'rtc.turn_urls': 'turn:turn.example.org:3478' }))
    assert.equal(secret.status, 303)
    assert.equal(await t.h.settings.get('rtc.turn_secret'), 'hush-hush-123')
    const shown = await a.text('/admin/settings')
    assert.doesNotMatch(shown, /hush-hush-123/)
    assert.match(shown, /name="rtc.turn_secret"[^>]*placeholder="Set \(leave empty to keep it\)"/)
    assert.equal((await a.post('/admin/settings', form({ 'rtc.turn_secret': '', 'site.name': 'Riverside' }))).status, 303)
    assert.equal(await t.h.settings.get('rtc.turn_secret'), 'hush-hush-123', 'an empty secret field keeps the secret')
    const rows = await t.h.db.selectFrom('audit_log').select('details').where('action', '=', 'settings.update').execute()
    assert.ok(rows.length >= 2)
    assert.ok(rows.every((r) => !String(r.details).includes('hush-hush')), 'the audit trail never holds the secret')
    assert.ok(rows.some((r) => String(r.details).includes('"rtc.turn_secret":"(set)"')))
    const badUrl = await a.post('/admin/settings', form({ 'rtc.stun_urls': 'http://stun.example.org' }))
    assert.equal(badUrl.status, 400)
    assert.match(await badUrl.text(), /STUN servers for calls.*is not a stun:, turn: or turns: URL/)
  })
})

describe('realtime', () => {
  let t: TestApp
  let server: Awaited<ReturnType<typeof startServer>>
  before(async () => {
    t = await createTestApp()
    server = await startServer(t.h, { port: 0, host: '127.0.0.1' })
  })
  after(async () => {
    await server.close()
  })

  const open = (path: string, headers: Record<string, string> = {}) =>
    new Promise<{ ws: WebSocket; first: Promise<string> }>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers })
      const first = new Promise<string>((res) => ws.once('message', (d) => res(String(d))))
      ws.once('open', () => resolve({ ws, first }))
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)))
      ws.once('error', reject)
    })

  it('refuses guests and other origins', async () => {
    await assert.rejects(open('/realtime'), /HTTP 401/)
    const { token } = await t.register('rita')
    await assert.rejects(open('/realtime', { authorization: `Bearer ${token}`, origin: 'https://evil.example' }), /HTTP 403/)
  })

  it('accepts the public origin behind a trusted proxy that rewrites Host', async () => {
    const { token } = await t.register('proxied')
    const c = await open('/realtime', { authorization: `Bearer ${token}`, origin: 'https://hearth.example', 'x-forwarded-host': 'hearth.example' })
    assert.match(await c.first, /"hello"/)
    c.ws.close()
  })

  it('pushes events to every open page of a member, and only to them', async () => {
    const rita = await t.h.users.find('rita')
    const tok = (await (await t.request('POST', '/api/v1/users/login', { json: { login: 'rita', password: PASSWORD } })).json()) as Envelope
    const { token: otherToken } = await t.register('sam')
    const a = await open('/realtime', { authorization: `Bearer ${tok.data.token}` })
    const b = await open('/realtime', { authorization: `Bearer ${tok.data.token}` })
    const other = await open('/realtime', { authorization: `Bearer ${otherToken}` })
    assert.deepEqual(JSON.parse(await a.first), { event: 'hello', data: { userId: rita!.id } })
    await b.first
    await other.first
    const gotA = new Promise<string>((r) => a.ws.once('message', (d) => r(String(d))))
    const gotB = new Promise<string>((r) => b.ws.once('message', (d) => r(String(d))))
    let leaked = false
    other.ws.on('message', () => (leaked = true))
    t.h.realtime.publish(rita!.id, 'notification', { text: 'hi' })
    assert.deepEqual(JSON.parse(await gotA), { event: 'notification', data: { text: 'hi' } })
    assert.deepEqual(JSON.parse(await gotB), { event: 'notification', data: { text: 'hi' } })
    await new Promise((r) => setTimeout(r, 50))
    assert.equal(leaked, false)
    assert.equal(t.h.realtime.isOnline(rita!.id), true)
    for (const c of [a, b, other]) c.ws.close()
  })

  it('closes a member’s sockets when they are suspended, and refuses oversized messages and too many sockets', async () => {
    const { id, token } = await t.register('ursula')
    const core = await open('/realtime', { authorization: `Bearer ${token}` })
    await core.first
    const closed = new Promise<number>((r) => core.ws.once('close', (code) => r(code)))
    await t.h.users.suspend(id, 'testing sockets', null)
    assert.equal(await closed, 4001)

    const { token: other } = await t.register('victor')
    const big = await open('/realtime', { authorization: `Bearer ${other}` })
    await big.first
    const bigClosed = new Promise<number>((r) => big.ws.once('close', (code) => r(code)))
    big.ws.send('x'.repeat(100 * 1024))
    assert.equal(await bigClosed, 1009, 'message too big')

    const many = []
    for (let i = 0; i < 20; i++) many.push(await open('/realtime', { authorization: `Bearer ${other}` }))
    const extra = await open('/realtime', { authorization: `Bearer ${other}` })
    const extraClosed = await new Promise<number>((r) => extra.ws.once('close', (code) => r(code)))
    assert.equal(extraClosed, 1008)
    for (const c of many) c.ws.close()
  })

  it('serves plugin channels with JSON messages and closes on malformed ones', async () => {
    const joined: string[] = []
    t.h.realtime.addChannel('echo', 'room', {
      onOpen: (conn) => void joined.push(conn.viewer.username),
      onMessage: (conn, message) => conn.send({ echo: message }),
    })
    const { token } = await t.register('tess')
    const c = await open('/realtime/echo/room', { authorization: `Bearer ${token}` })
    c.ws.send(JSON.stringify({ say: 'hi' }))
    assert.deepEqual(JSON.parse(await c.first), { echo: { say: 'hi' } })
    assert.deepEqual(joined, ['tess'])
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)))
    c.ws.send('not json')
    assert.equal(await closed, 1003)
    await assert.rejects(open('/realtime/echo/nope', { authorization: `Bearer ${token}` }), /HTTP 404/)
  })
})
