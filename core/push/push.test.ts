// Web push against a push service started in the test (an HTTP server on 127.0.0.1, allowed by `push.services`).
// Each push is decrypted with the test browser's own keys (RFC 8291, aes128gcm) and its VAPID token verified with
// the instance's public key (RFC 8292): what a real push service would accept and deliver. The boundary: no
// browser vendor's push service is reached, and no browser shows the notification.
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { browserKeys, checkVapid, decrypt, startPushService } from '../../test/push.js'
import { PUSH_JOB } from './service.js'

describe('web push', () => {
  let t: TestApp
  let service: Awaited<ReturnType<typeof startPushService>>
  before(async () => {
    service = await startPushService()
    t = await createTestApp({ settings: { 'push.services': 'fcm.googleapis.com\n127.0.0.1', 'site.name': 'Lakeside', 'mail.from': 'hello@lakeside.example' } })
  })
  after(async () => {
    await t.close()
    await service.close()
  })

  const subscribe = (token: string, path: string, keys = browserKeys()) =>
    t.request('POST', '/api/v1/push/subscriptions', { token, json: { endpoint: `${service.base}${path}`, keys: keys.json } }).then((res) => ({ res, keys }))
  const pushed = async () => {
    const before = service.received.length
    await t.h.queue.drain()
    return service.received.slice(before)
  }

  it('encrypts each notification for each of the member’s browsers, signed with the instance’s VAPID key', async () => {
    const ana = await t.register('ana')
    const bob = await t.register('bob')
    const key = ((await (await t.request('GET', '/api/v1/push/key')).json()) as { data: { public_key: string } }).data.public_key
    const phone = await subscribe(ana.token, '/push/ana-phone')
    const laptop = await subscribe(ana.token, '/push/ana-laptop')
    assert.equal(phone.res.status, 201)
    assert.equal(laptop.res.status, 201)
    await t.request('POST', '/api/v1/users/ana/follow', { token: bob.token })
    const pushes = await pushed()
    assert.deepEqual(pushes.map((p) => p.path).sort(), ['/push/ana-laptop', '/push/ana-phone'])
    for (const p of pushes) {
      assert.equal(p.headers['content-encoding'], 'aes128gcm')
      assert.equal(p.headers.ttl, '86400')
      checkVapid(String(p.headers.authorization), service.base, key)
      const payload = JSON.parse(decrypt(p.body, p.path.endsWith('phone') ? phone.keys : laptop.keys)) as Record<string, unknown>
      assert.equal(payload.title, 'Lakeside')
      assert.match(String(payload.body), /bob followed you/)
      assert.equal(payload.url, '/u/bob')
      assert.equal(payload.unread, 1)
      assert.ok(!p.body.includes(Buffer.from('bob')), 'the payload travels encrypted')
    }
  })

  it('sends nothing the member can no longer see when the push goes out: a post deleted, a member blocked', async () => {
    const cy = await t.register('cyd')
    const dee = await t.register('dee')
    assert.equal((await subscribe(cy.token, '/push/cyd')).res.status, 201)
    const post = ((await (await t.request('POST', '/api/v1/posts', { token: cy.token, json: { text: 'my walk' } })).json()) as { data: { id: number } }).data
    await t.request('POST', `/api/v1/posts/${post.id}/like`, { token: dee.token })
    await t.request('DELETE', `/api/v1/posts/${post.id}`, { token: cy.token })
    assert.deepEqual(await pushed(), [], 'the like’s post is gone')
    await t.request('POST', '/api/v1/users/cyd/follow', { token: dee.token })
    await t.request('POST', '/api/v1/users/dee/block', { token: cy.token })
    assert.deepEqual(await pushed(), [], 'dee was blocked before the push went out')
    const kim = await t.register('kim')
    await t.request('POST', '/api/v1/users/cyd/follow', { token: kim.token })
    assert.equal((await pushed()).length, 1, 'and pushes do reach cyd')
  })

  it('drops a subscription its push service says is gone, and refuses endpoints outside the listed push services', async () => {
    const eve = await t.register('eve')
    const fay = await t.register('fay')
    await subscribe(eve.token, '/push/eve-gone')
    service.status.set('/push/eve-gone', 410)
    await t.request('POST', '/api/v1/users/eve/follow', { token: fay.token })
    assert.equal((await pushed()).length, 1)
    assert.equal(await t.h.push.count(eve.id), 0)
    const job = await t.h.db.selectFrom('jobs').select(['status']).where('kind', '=', PUSH_JOB).orderBy('id', 'desc').executeTakeFirstOrThrow()
    assert.equal(job.status, 'done')

    const keys = browserKeys().json
    for (const [endpoint, why] of [
      ['https://internal.example/admin', /not one this community sends to/],
      ['http://fcm.googleapis.com/fcm/send/x', /must be an https URL/],
      ['https://user:pw@fcm.googleapis.com/fcm/send/x', /must not carry a login/],
      ['not a url', /not a URL/],
    ] as const) {
      const res = await t.request('POST', '/api/v1/push/subscriptions', { token: eve.token, json: { endpoint, keys } })
      assert.equal(res.status, 400, endpoint)
      assert.match(JSON.stringify(await res.json()), why)
    }
    const badKey = await t.request('POST', '/api/v1/push/subscriptions', { token: eve.token, json: { endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys: { p256dh: 'AAAA', auth: keys.auth } } })
    assert.equal(badKey.status, 400)
    assert.equal((await t.request('POST', '/api/v1/push/subscriptions', { json: { endpoint: 'https://fcm.googleapis.com/fcm/send/x', keys } })).status, 401)
    assert.equal((await t.request('POST', '/api/v1/push/subscriptions', { token: eve.token, json: { endpoint: 'https://fcm.googleapis.com/fcm/send/eve', keys } })).status, 201)
  })

  it('tries again later when the push service is down, and turns off only the member’s own browser', async () => {
    const gus = await t.register('gus')
    const hal = await t.register('hal')
    await subscribe(gus.token, '/push/gus')
    service.status.set('/push/gus', 503)
    await t.request('POST', '/api/v1/users/gus/follow', { token: hal.token })
    await pushed()
    const job = await t.h.db.selectFrom('jobs').selectAll().where('kind', '=', PUSH_JOB).orderBy('id', 'desc').executeTakeFirstOrThrow()
    assert.deepEqual([job.status, job.attempts], ['pending', 1])
    service.status.set('/push/gus', 201)
    await t.h.db.updateTable('jobs').set({ run_at: new Date(0).toISOString() }).where('id', '=', job.id).execute()
    assert.equal((await pushed()).length, 1)

    const endpoint = `${service.base}/push/gus`
    assert.equal((await t.request('DELETE', '/api/v1/push/subscriptions', { token: hal.token, json: { endpoint } })).status, 404, 'another member’s browser is missing to you')
    assert.equal((await t.request('DELETE', '/api/v1/push/subscriptions', { token: gus.token, json: { endpoint } })).status, 200)
    assert.equal(await t.h.push.count(gus.id), 0)
  })

  it('offers push on Settings → Email and push, with the key, the CSRF token and the script', async () => {
    const a = t.agent('10.9.3.1')
    await a.registerViaForm('ivy')
    const page = await a.text('/settings/emails')
    const key = ((await (await t.request('GET', '/api/v1/push/key')).json()) as { data: { public_key: string } }).data.public_key
    assert.ok(page.includes(`data-key="${key}"`))
    assert.match(page, /data-csrf="[A-Za-z0-9_-]{32,}"/)
    assert.match(page, /<script src="\/static\/push.js" defer>/)
    assert.equal((await a.get('/static/push.js')).status, 200)
    const sw = await (await a.get('/sw.js')).text()
    assert.match(sw, /addEventListener\('push'/)
    assert.match(sw, /addEventListener\('notificationclick'/)
  })
})
