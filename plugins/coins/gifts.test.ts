// Gifts: the catalog, sending on posts, profiles and other plugins' targets, every refusal (no coin moves), privacy,
// two hundred concurrent gifts from one wallet, holds, withdrawals, badges and leaderboards, and the pages without JS.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import sharp from 'sharp'
import { createTestApp, type TestApp } from '../../test/harness.js'

type Json = { status: string; data: any; pagination?: any; error?: { code: string; message: string; details: any } }
type User = { id: number; token: string; name: string }
type Kind = 'member_coins' | 'member_earnings' | 'earnings_hold' | 'pending_withdrawals'

describe('coins: gifts, earnings, withdrawals', () => {
  let t: TestApp
  const u: Record<string, User> = {}
  let credits = 0
  let rose: number // 10 coins
  let cake: number // 100 coins
  let anaPost: number

  const api = async (method: string, path: string, who?: User, json?: unknown, headers?: Record<string, string>) => {
    const res = await t.request(method, path, { token: who?.token, json, headers })
    return { status: res.status, body: (await res.json()) as Json }
  }
  /** Coins straight from the world (standing in for a purchase, which is the purchases part's). */
  const credit = (who: User, amount: number) =>
    t.h.ledger.transfer({ key: `test:credit:${++credits}`, debit: { kind: 'world', name: 'test', unit: 'coin' }, credit: { kind: 'member_coins', userId: who.id, unit: 'coin' }, amount })
  const account = async (kind: Kind, who: User) => (await t.h.ledger.findAccount({ kind, userId: who.id, unit: 'coin' })) ?? { balance: 0, available: 0, pending_in: 0, pending_out: 0 }
  const wallet = async (who: User) => (await account('member_coins', who)).available
  const commission = async () => (await t.h.ledger.findAccount({ kind: 'platform_commission', name: 'gifts', unit: 'coin' }))?.balance ?? 0
  const transfers = () => (t.h.store.sqlite.prepare('select count(*) as n from ledger_transfers').get() as { n: number }).n
  const gift = (who: User, giftId: number, target: { kind: string; id: number }, extra: Record<string, unknown> = {}) => api('POST', `/api/v1/coins/gifts/${giftId}/send`, who, { target, ...extra })
  const store = () => t.h.plugins.loaded.get('coins')!.settings
  const verify = async () => {
    const report = await t.h.ledger.verify()
    assert.deepEqual(report.problems, [])
    assert.ok(report.ok)
  }
  const notes = async (who: User) => (await t.h.notifications.list(who.id)).items
  /** Run the gift notification batches now instead of in two seconds. */
  const tell = async () => {
    t.h.store.sqlite.prepare("update jobs set run_at = ? where kind = 'coins:notify-gifts' and status = 'pending'").run(new Date(Date.now() - 1000).toISOString())
    await t.h.queue.drain()
  }

  /** A refusal: the status and code, and not one transfer made. */
  async function refused(call: Promise<{ status: number; body: Json }>, status: number, code: string) {
    const before = transfers()
    const r = await call
    assert.equal(r.status, status, JSON.stringify(r.body))
    assert.equal(r.body.error?.code, code, JSON.stringify(r.body))
    assert.equal(transfers(), before, 'no transfer')
    return r
  }

  before(async () => {
    t = await createTestApp({ enable: ['coins', 'giftee'], pluginDirs: [join(import.meta.dirname, 'fixtures')] })
    for (const name of ['boss', 'ana', 'ben', 'cal', 'dee', 'eve', 'fay', 'gus']) u[name] = { ...(await t.register(name)), name }
    await t.h.users.setRole(u.boss!.id, 'admin', null)
    rose = (await api('POST', '/api/v1/coins/admin/gifts', u.boss, { name: 'Rose', price: 10, icon: 'rose', position: 1 })).body.data.id
    cake = (await api('POST', '/api/v1/coins/admin/gifts', u.boss, { name: 'Cake', price: 100, icon: 'cake-slice', position: 2 })).body.data.id
    anaPost = (await api('POST', '/api/v1/posts', u.ana, { text: 'My painting' })).body.data.id
  })
  after(async () => {
    await verify()
    await t.close()
  })

  describe('the catalog', () => {
    it('lists offered gifts in order to everyone, and every gift to admins', async () => {
      const off = (await api('POST', '/api/v1/coins/admin/gifts', u.boss, { name: 'Star', price: 5, icon: 'star', position: 0, enabled: false })).body.data
      const list = (await api('GET', '/api/v1/coins/gifts')).body.data as { name: string; icon: string }[]
      assert.deepEqual(list.map((g) => g.name), ['Rose', 'Cake'])
      assert.equal(list[0]!.icon, 'rose')
      const all = (await api('GET', '/api/v1/coins/admin/gifts', u.boss)).body.data as { id: number }[]
      assert.ok(all.some((g) => g.id === off.id))
      await refused(api('GET', '/api/v1/coins/admin/gifts', u.ana), 403, 'FORBIDDEN')
      await refused(api('POST', '/api/v1/coins/admin/gifts', u.ana, { name: 'Mine', price: 1 }), 403, 'FORBIDDEN')
    })

    it('refuses a gift without a name, with a price that is not a whole number from 1, or an unknown icon', async () => {
      for (const body of [{ price: 5 }, { name: 'X', price: 0 }, { name: 'X', price: -3 }, { name: 'X', price: 1.5 }, { name: 'X', price: 'lots' }, { name: 'X', price: 5, icon: 'skull' }, { name: 'X'.repeat(41), price: 5 }]) {
        const r = await api('POST', '/api/v1/coins/admin/gifts', u.boss, body)
        assert.equal(r.status, 400, JSON.stringify(body))
        assert.equal(r.body.error?.code, 'VALIDATION_FAILED')
      }
    })

    it('edits and retires a gift, audits each, and a retired gift stays for history but cannot change', async () => {
      const g = (await api('POST', '/api/v1/coins/admin/gifts', u.boss, { name: 'Comet', price: 30, icon: 'rocket' })).body.data
      const edited = await api('PATCH', `/api/v1/coins/admin/gifts/${g.id}`, u.boss, { price: 35, name: 'Comet!' })
      assert.equal(edited.body.data.price, 35)
      const retired = await api('POST', `/api/v1/coins/admin/gifts/${g.id}/retire`, u.boss)
      assert.equal(retired.body.data.retired, true)
      await refused(api('PATCH', `/api/v1/coins/admin/gifts/${g.id}`, u.boss, { price: 40 }), 409, 'GIFT_RETIRED')
      assert.ok(!((await api('GET', '/api/v1/coins/gifts')).body.data as { id: number }[]).some((x) => x.id === g.id))
      const audit = t.h.store.sqlite.prepare("select action, actor_id from audit_log where target_type = 'coins.gift' and target_id = ? order by id").all(String(g.id)) as { action: string; actor_id: number }[]
      assert.deepEqual(audit.map((a) => a.action), ['coins.gift.created', 'coins.gift.updated', 'coins.gift.retired'])
      assert.ok(audit.every((a) => a.actor_id === u.boss!.id))
    })

    it('takes a picture the admin uploaded (public wherever the gift shows), never someone else’s media', async () => {
      const jpeg = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#e11d48' } }).jpeg().toBuffer()
      const upload = async (who: User) => {
        const form = new FormData()
        form.append('file', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'gift.jpg')
        const res = await t.request('POST', '/api/v1/media', { token: who.token, body: form })
        assert.equal(res.status, 201)
        return ((await res.json()) as Json).data.id as number
      }
      const mine = await upload(u.boss!)
      const theirs = await upload(u.ana!)
      await t.h.queue.drain()
      await refused(api('POST', '/api/v1/coins/admin/gifts', u.boss, { name: 'Stolen', price: 5, media_id: theirs }), 400, 'VALIDATION_FAILED')
      const g = (await api('POST', '/api/v1/coins/admin/gifts', u.boss, { name: 'Ruby', price: 50, media_id: mine, enabled: false })).body.data
      assert.equal(g.icon, null)
      assert.equal(g.picture.id, mine)
      const url = Object.values(g.picture.urls as Record<string, string>)[0]!
      assert.equal((await t.request('GET', url)).status, 200, 'a guest sees the picture')
      assert.notEqual((await t.request('GET', `/media/${theirs}/1080`)).status, 200, 'ana’s own upload stays hers')
      // Through the page's form too (multipart: the picture streams in with the fields).
      const form = new FormData()
      for (const [k, v] of Object.entries({ name: 'Garnet', price: '60', icon: 'gem', position: '5', enabled: 'on' })) form.append(k, v)
      form.append('picture', new Blob([new Uint8Array(jpeg)], { type: 'image/jpeg' }), 'garnet.jpg')
      assert.equal((await t.request('POST', '/coins/admin/gifts', { token: u.boss!.token, body: form })).status, 303)
      const garnet = ((await api('GET', '/api/v1/coins/admin/gifts', u.boss)).body.data as { name: string; picture: { id: number } | null }[]).find((x) => x.name === 'Garnet')
      assert.ok(garnet?.picture, 'the uploaded picture is the gift’s')
      await api('POST', `/api/v1/coins/admin/gifts/${g.id}/retire`, u.boss)
      await api('PATCH', `/api/v1/coins/admin/gifts/${(garnet as unknown as { id: number }).id}`, u.boss, { enabled: false })
    })

    it('adds, edits and retires gifts from the admin page without JavaScript', async () => {
      const admin = t.agent('10.1.0.1')
      await admin.loginViaForm('boss')
      assert.equal((await admin.post('/coins/admin/gifts', { name: 'Candy', price: '3', icon: 'candy', position: '9', enabled: 'on' })).status, 303)
      const page = await (await admin.get('/coins/admin/gifts')).text()
      assert.match(page, /Candy/)
      const id = ((await api('GET', '/api/v1/coins/admin/gifts', u.boss)).body.data as { id: number; name: string }[]).find((g) => g.name === 'Candy')!.id
      const bad = await admin.post(`/coins/admin/gifts/${id}`, { name: 'Candy', price: '0', icon: 'candy', position: '9' })
      assert.equal(bad.status, 400)
      assert.match(await bad.text(), /at least 1 coin/)
      assert.equal((await admin.post(`/coins/admin/gifts/${id}`, { name: 'Candy', price: '4', icon: 'candy', position: '9' })).status, 303)
      const after = (await api('GET', '/api/v1/coins/admin/gifts', u.boss)).body.data.find((g: { id: number }) => g.id === id)
      assert.equal(after.price, 4)
      assert.equal(after.enabled, false, 'an unticked box switches it off')
      assert.equal((await admin.post(`/coins/admin/gifts/${id}/retire`, {})).status, 303)
      assert.equal((await api('GET', '/api/v1/coins/admin/gifts', u.boss)).body.data.find((g: { id: number }) => g.id === id).retired, true)
      const member = t.agent('10.1.0.2')
      await member.loginViaForm('ana')
      assert.equal((await member.get('/coins/admin/gifts')).status, 403)
    })
  })

  describe('sending', () => {
    it('splits a gift on a post: the creator’s share on hold, the commission to the platform, both told', async () => {
      await credit(u.ben!, 1000)
      const before = await commission()
      const r = await gift(u.ben!, cake, { kind: 'post', id: anaPost }, { note: 'Beautiful!' })
      assert.equal(r.status, 201, JSON.stringify(r.body))
      assert.deepEqual([r.body.data.price, r.body.data.share, r.body.data.commission, r.body.data.balance], [100, 80, 20, 900])
      assert.equal(await wallet(u.ben!), 900)
      assert.equal((await account('earnings_hold', u.ana!)).balance, 80)
      assert.equal((await account('member_earnings', u.ana!)).balance, 0, 'nothing available before the hold ends')
      assert.equal((await commission()) - before, 20)
      await tell()
      const got = (await notes(u.ana!)).find((n) => n.type === 'coins.gift_received')
      assert.match(got?.text ?? '', /sent you Cake on a post: “Beautiful!”/)
      assert.equal(got?.post_id, anaPost)
      assert.match((await notes(u.ben!)).find((n) => n.type === 'coins.gift_sent')?.text ?? '', /You sent Cake \(100 coins\)/)
      await verify()
    })

    it('rounds the commission down (the fraction is the creator’s) and makes no transfer of nothing', async () => {
      const penny = (await api('POST', '/api/v1/coins/admin/gifts', u.boss, { name: 'Penny', price: 1, enabled: true })).body.data
      await credit(u.gus!, 10)
      const before = transfers()
      const r = await gift(u.gus!, penny.id, { kind: 'profile', id: u.fay!.id })
      assert.deepEqual([r.body.data.share, r.body.data.commission], [1, 0])
      assert.equal(transfers(), before + 1, 'the share only')
      await store().set('gift_commission_percent', 100)
      try {
        const all = await gift(u.gus!, penny.id, { kind: 'profile', id: u.fay!.id })
        assert.deepEqual([all.body.data.share, all.body.data.commission], [0, 1])
      } finally {
        await store().set('gift_commission_percent', 20)
      }
      await api('PATCH', `/api/v1/coins/admin/gifts/${penny.id}`, u.boss, { enabled: false })
    })

    it('sends on a profile, and on another plugin’s target through the filter hook, which hears the gift', async () => {
      await credit(u.cal!, 100)
      assert.equal((await gift(u.cal!, rose, { kind: 'profile', id: u.ana!.id })).status, 201)
      const staged = await gift(u.cal!, rose, { kind: 'stage', id: u.ana!.id }, { note: 'encore' })
      assert.equal(staged.status, 201, JSON.stringify(staged.body))
      assert.equal(staged.body.data.receiver_id, u.ana!.id)
      const heard = (await api('GET', '/giftee/heard')).body.data as { sendId: number; target: { kind: string }; note: string }[]
      assert.deepEqual(heard.at(-1), { sendId: staged.body.data.id, target: { kind: 'stage', id: u.ana!.id }, receiverId: u.ana!.id, note: 'encore' })
      await refused(gift(u.cal!, rose, { kind: 'stage', id: 1000 + u.ana!.id }), 404, 'NOT_FOUND')
      await refused(gift(u.cal!, rose, { kind: 'nothing', id: 1 }), 404, 'NOT_FOUND')
      assert.equal(await wallet(u.cal!), 80)
    })

    it('tells the receiver of a burst of gifts in one notification, and each sender in one receipt', async () => {
      const calPost = (await api('POST', '/api/v1/posts', u.cal, { text: 'live-ish' })).body.data.id
      await credit(u.dee!, 100)
      await credit(u.eve!, 100)
      for (const who of [u.dee!, u.eve!, u.dee!]) assert.equal((await gift(who, rose, { kind: 'post', id: calPost })).status, 201)
      await tell()
      const got = (await notes(u.cal!)).filter((n) => n.type === 'coins.gift_received')
      assert.equal(got.length, 1, JSON.stringify(got))
      assert.match(got[0]!.text, /dee and 1 other sent you 3 gifts \(30 coins\) on a post/)
      assert.match((await notes(u.dee!)).find((n) => n.type === 'coins.gift_sent')?.text ?? '', /You sent gifts to cal \(2, 20 coins\)/)
      assert.match((await notes(u.eve!)).find((n) => n.type === 'coins.gift_sent')?.text ?? '', /You sent Rose \(10 coins\) to cal/)
      // A gift whose batch job never ran (sent while one was running) is told by the minute's sweep.
      assert.equal((await gift(u.eve!, rose, { kind: 'post', id: calPost })).status, 201)
      t.h.store.sqlite.prepare("delete from jobs where kind = 'coins:notify-gifts' and status = 'pending'").run()
      t.h.store.sqlite.prepare("update coins_gift_sends set created_at = '2000-01-01T00:00:00.000Z' where notified_at is null").run()
      await t.h.scheduler.run('coins', 'release-holds')
      assert.equal((t.h.store.sqlite.prepare('select count(*) as n from coins_gift_sends where notified_at is null').get() as { n: number }).n, 0)
    })

    it('makes one gift of one idempotency key, and refuses the key for another gift', async () => {
      await credit(u.dee!, 100)
      const start = await wallet(u.dee!)
      const key = 'dee-gift-0001'
      const first = await gift(u.dee!, rose, { kind: 'post', id: anaPost }, { idempotency_key: key })
      const again = await gift(u.dee!, rose, { kind: 'post', id: anaPost }, { idempotency_key: key })
      assert.equal(first.status, 201)
      assert.equal(again.status, 200)
      assert.equal(again.body.data.id, first.body.data.id)
      assert.equal(await wallet(u.dee!), start - 10)
      const header = await api('POST', `/api/v1/coins/gifts/${rose}/send`, u.dee, { target: { kind: 'post', id: anaPost } }, { 'idempotency-key': key })
      assert.equal(header.body.data.id, first.body.data.id, 'the Idempotency-Key header works the same')
      await refused(gift(u.dee!, cake, { kind: 'post', id: anaPost }, { idempotency_key: key }), 409, 'IDEMPOTENCY_CONFLICT')
    })

    it('two hundred concurrent gifts from a wallet that pays for ten: ten succeed, the rest INSUFFICIENT_FUNDS, never negative', async () => {
      const fan = { ...(await t.register('fan')), name: 'fan' }
      await credit(fan, 100)
      const results = await Promise.all(Array.from({ length: 200 }, () => gift(fan, rose, { kind: 'post', id: anaPost })))
      const ok = results.filter((r) => r.status === 201)
      const poor = results.filter((r) => r.status === 422 && r.body.error?.code === 'INSUFFICIENT_FUNDS')
      assert.equal(ok.length, 10)
      assert.equal(poor.length, 190)
      assert.equal(await wallet(fan), 0)
      const sends = t.h.store.sqlite.prepare('select count(*) as n from coins_gift_sends where sender_id = ?').get(fan.id) as { n: number }
      assert.equal(sends.n, 10, 'a refused gift leaves no row')
      await verify()
    })
  })

  describe('refusals (a clear error and no transfer)', () => {
    before(async () => {
      await credit(u.eve!, 10_000)
    })

    it('refuses gifting yourself, on your post or your profile', async () => {
      await refused(gift(u.ana!, rose, { kind: 'post', id: anaPost }), 422, 'SELF_GIFT')
      await refused(gift(u.ana!, rose, { kind: 'profile', id: u.ana!.id }), 422, 'SELF_GIFT')
    })

    it('refuses an unknown gift, a retired one and one switched off', async () => {
      await refused(gift(u.eve!, 999999, { kind: 'post', id: anaPost }), 404, 'NOT_FOUND')
      const g = (await api('POST', '/api/v1/coins/admin/gifts', u.boss, { name: 'Old', price: 5 })).body.data
      await api('POST', `/api/v1/coins/admin/gifts/${g.id}/retire`, u.boss)
      const r = await refused(gift(u.eve!, g.id, { kind: 'post', id: anaPost }), 422, 'GIFT_UNAVAILABLE')
      assert.match(r.body.error!.message, /no longer offered/)
      const off = (await api('POST', '/api/v1/coins/admin/gifts', u.boss, { name: 'Paused', price: 5, enabled: false })).body.data
      await refused(gift(u.eve!, off.id, { kind: 'post', id: anaPost }), 422, 'GIFT_UNAVAILABLE')
    })

    it('refuses bad input: a malformed target, a long note, a bad key', async () => {
      await refused(gift(u.eve!, rose, { kind: 'post', id: -1 }), 400, 'VALIDATION_FAILED')
      await refused(gift(u.eve!, rose, { kind: 'post', id: 1.5 }), 400, 'VALIDATION_FAILED')
      await refused(gift(u.eve!, rose, { kind: 'Post!', id: 1 }), 400, 'VALIDATION_FAILED')
      await refused(gift(u.eve!, rose, { kind: 'post', id: anaPost }, { note: 'x'.repeat(201) }), 400, 'VALIDATION_FAILED')
      await refused(gift(u.eve!, rose, { kind: 'post', id: anaPost }, { idempotency_key: 'short' }), 400, 'VALIDATION_FAILED')
      await refused(api('POST', `/api/v1/coins/gifts/${rose}/send`, u.eve, { note: 'no target' }), 400, 'VALIDATION_FAILED')
      await refused(api('POST', `/api/v1/coins/gifts/${rose}/send`, undefined, { target: { kind: 'post', id: anaPost } }), 401, 'UNAUTHENTICATED')
    })

    it('answers a gift across a block, either way, like a missing post or member', async () => {
      const missing = await refused(gift(u.eve!, rose, { kind: 'post', id: 99999999 }), 404, 'NOT_FOUND')
      const gusPost = (await api('POST', '/api/v1/posts', u.gus, { text: 'gus here' })).body.data.id
      await api('POST', `/api/v1/users/eve/block`, u.gus)
      const blocked = await refused(gift(u.eve!, rose, { kind: 'post', id: gusPost }), 404, 'NOT_FOUND')
      assert.deepEqual(blocked.body.error, missing.body.error, 'exactly like a missing post')
      await refused(gift(u.eve!, rose, { kind: 'profile', id: u.gus!.id }), 404, 'NOT_FOUND')
      await refused(gift(u.gus!, rose, { kind: 'profile', id: u.eve!.id }), 404, 'NOT_FOUND')
      await refused(gift(u.eve!, rose, { kind: 'stage', id: u.gus!.id }), 404, 'NOT_FOUND')
      await api('DELETE', `/api/v1/users/eve/block`, u.gus)
      assert.equal((await gift(u.eve!, rose, { kind: 'post', id: gusPost })).status, 201, 'fine once unblocked')
    })

    it('answers a gift on a post the sender may not see like a missing post', async () => {
      const secret = (await api('POST', '/api/v1/posts', u.ana, { text: 'followers only', visibility: 'followers' })).body.data.id
      const missing = await refused(gift(u.eve!, rose, { kind: 'post', id: 99999998 }), 404, 'NOT_FOUND')
      const hidden = await refused(gift(u.eve!, rose, { kind: 'post', id: secret }), 404, 'NOT_FOUND')
      assert.deepEqual(hidden.body.error, missing.body.error)
      const page = await t.request('GET', `/coins/gift?kind=post&id=${secret}`, { token: u.eve!.token })
      assert.equal(page.status, 404, 'the picker too')
    })

    it('refuses a suspended receiver like a missing one, and a suspended sender', async () => {
      const sue = { ...(await t.register('sue')), name: 'sue' }
      const suePost = (await api('POST', '/api/v1/posts', sue, { text: 'sue' })).body.data.id
      await credit(sue, 100)
      await t.h.users.suspend(sue.id, 'spam', null)
      await refused(gift(u.eve!, rose, { kind: 'post', id: suePost }), 404, 'NOT_FOUND')
      await refused(gift(u.eve!, rose, { kind: 'profile', id: sue.id }), 404, 'NOT_FOUND')
      await refused(gift(u.eve!, rose, { kind: 'stage', id: sue.id }), 404, 'NOT_FOUND')
      // Core stops a suspended member's sessions; the gift's own check (ACCOUNT_SUSPENDED) stands behind it.
      await refused(gift(sue, rose, { kind: 'post', id: anaPost }), 401, 'UNAUTHENTICATED')
      assert.equal(await wallet(sue), 100)
      await t.h.users.unsuspend(sue.id, null)
    })

    it('refuses gifts over the daily limit', async () => {
      await store().set('gift_daily_limit', 150)
      try {
        const fay = u.fay!
        await credit(fay, 1000)
        assert.equal((await gift(fay, cake, { kind: 'post', id: anaPost })).status, 201)
        const r = await refused(gift(fay, cake, { kind: 'post', id: anaPost }), 429, 'GIFT_LIMIT_REACHED')
        assert.match(r.body.error!.message, /at most 150 coins in 24 hours/)
        assert.equal((await gift(fay, rose, { kind: 'post', id: anaPost })).status, 201, 'a smaller gift still fits')
      } finally {
        await store().set('gift_daily_limit', 50000)
      }
    })

    it('gives gifts only to creators, or only to verified members, when the operator says so', async () => {
      await store().set('gift_receivers', 'creators')
      try {
        const r = await refused(gift(u.eve!, rose, { kind: 'profile', id: u.ana!.id }), 403, 'GIFTS_NOT_ACCEPTED')
        assert.match(r.body.error!.message, /only creator accounts/)
        await api('PUT', '/api/v1/users/me', u.ana, { account_type: 'creator' })
        assert.equal((await gift(u.eve!, rose, { kind: 'profile', id: u.ana!.id })).status, 201)
        await store().set('gift_receivers', 'verified')
        await refused(gift(u.eve!, rose, { kind: 'profile', id: u.ana!.id }), 403, 'GIFTS_NOT_ACCEPTED')
        const admin = t.agent('10.1.0.3')
        await admin.loginViaForm('boss')
        // The badge is core's (Admin → Verification): coins reads it.
        assert.equal((await admin.post('/admin/verification/grant', { username: 'ana' })).status, 303)
        assert.equal((await gift(u.eve!, rose, { kind: 'profile', id: u.ana!.id })).status, 201)
        const audit = t.h.store.sqlite.prepare("select action from audit_log where action = 'verification.grant' and target_id = ?").all(String(u.ana!.id))
        assert.equal(audit.length, 1)
        await admin.post('/admin/verification/members/ana/revoke', { note: 'Test over.' })
        await refused(gift(u.eve!, rose, { kind: 'profile', id: u.ana!.id }), 403, 'GIFTS_NOT_ACCEPTED')
      } finally {
        await store().set('gift_receivers', 'everyone')
      }
    })

    it('reports a new account that gives more than the operator’s line in 24 hours, once as it crosses', async () => {
      await store().set('gift_flag_new_account_coins', 150)
      try {
        const whale = { ...(await t.register('whale')), name: 'whale' }
        await credit(whale, 1000)
        const flags = () => t.h.store.sqlite.prepare("select note from reports where target_type = 'user' and target_id = ? and reporter_id is null").all(String(whale.id)) as { note: string }[]
        const to = { kind: 'profile', id: u.gus!.id }
        assert.equal((await gift(whale, cake, to)).status, 201)
        assert.equal(flags().length, 0)
        assert.equal((await gift(whale, cake, to)).status, 201)
        assert.equal((await gift(whale, cake, to)).status, 201)
        assert.equal(flags().length, 1)
        assert.match(flags()[0]!.note, /@whale, an account 1 day old, gave 200 coins in gifts in 24 hours/)
      } finally {
        await store().set('gift_flag_new_account_coins', 10000)
      }
    })

    it('refuses a gift the wallet cannot pay', async () => {
      const poor = { ...(await t.register('poor')), name: 'poor' }
      await credit(poor, 5)
      await refused(gift(poor, rose, { kind: 'post', id: anaPost }), 422, 'INSUFFICIENT_FUNDS')
      assert.equal(await wallet(poor), 5)
    })
  })

  describe('the pages, without JavaScript', () => {
    it('shows a Gift link under others’ posts and on others’ profiles, not on one’s own', async () => {
      const ben = t.agent('10.2.0.1')
      await ben.loginViaForm('ben')
      assert.match(await (await ben.get(`/p/${anaPost}`)).text(), new RegExp(`data-gift-post="${anaPost}"`))
      assert.match(await (await ben.get('/u/ana')).text(), /data-gift-profile=/)
      const ana = t.agent('10.2.0.2')
      await ana.loginViaForm('ana')
      assert.doesNotMatch(await (await ana.get(`/p/${anaPost}`)).text(), /data-gift-post=/)
      const self = await ana.get(`/coins/gift?kind=post&id=${anaPost}`)
      assert.equal(self.status, 422)
      assert.match(await self.text(), /cannot send a gift to yourself/)
    })

    it('sends a gift through the picker form, and shows a refusal on the page', async () => {
      const ben = t.agent('10.2.0.3')
      await ben.loginViaForm('ben')
      const picker = await ben.get(`/coins/gift?kind=post&id=${anaPost}`)
      const html = await picker.text()
      assert.equal(picker.status, 200)
      assert.match(html, /Send a gift to ana/)
      assert.match(html, /Rose/)
      const key = /name="key" value="([^"]+)"/.exec(html)![1]!
      const before = await wallet(u.ben!)
      const sent = await ben.post('/coins/gift', { kind: 'post', id: String(anaPost), gift: String(rose), note: 'from the form', key, back: `/p/${anaPost}` })
      assert.equal(sent.status, 303)
      assert.equal(sent.headers.get('location'), `/p/${anaPost}`)
      assert.match(await (await ben.get(`/p/${anaPost}`)).text(), /role="status"[^>]*>[^<]*You sent Rose to ana\./, 'the post’s page (core’s) confirms it')
      const twice = await ben.post('/coins/gift', { kind: 'post', id: String(anaPost), gift: String(rose), note: 'from the form', key, back: `/p/${anaPost}` })
      assert.equal(twice.status, 303, 'a double submit is one gift')
      assert.equal(await wallet(u.ben!), before - 10)
      const poor = { ...(await t.register('poorform')), name: 'poorform' }
      const pa = t.agent('10.2.0.4')
      await pa.loginViaForm('poorform')
      const refusedPage = await pa.post('/coins/gift', { kind: 'post', id: String(anaPost), gift: String(rose), note: 'hi', key: 'poor-form-key-1', back: '' })
      assert.equal(refusedPage.status, 422)
      assert.match(await refusedPage.text(), /not enough funds/)
      assert.equal(await wallet(poor), 0)
    })
  })

  describe('holds and earnings', () => {
    it('keeps shares on hold until the hold ends, then makes them available once', async () => {
      const held = (await account('earnings_hold', u.ana!)).balance
      assert.ok(held > 0)
      await t.h.scheduler.run('coins', 'release-holds')
      assert.equal((await account('earnings_hold', u.ana!)).balance, held, 'nothing is due yet')
      t.h.store.sqlite.prepare("update coins_gift_sends set release_at = '2000-01-01T00:00:00.000Z' where receiver_id = ?").run(u.ana!.id)
      await t.h.scheduler.run('coins', 'release-holds')
      assert.equal((await account('earnings_hold', u.ana!)).balance, 0)
      assert.equal((await account('member_earnings', u.ana!)).available, held)
      await t.h.scheduler.run('coins', 'release-holds')
      assert.equal((await account('member_earnings', u.ana!)).available, held, 'a second sweep moves nothing')
      await verify()
    })

    it('with no hold, a share is available at once', async () => {
      await store().set('gift_hold_days', 0)
      try {
        const before = (await account('member_earnings', u.ana!)).available
        await credit(u.gus!, 10)
        assert.equal((await gift(u.gus!, rose, { kind: 'post', id: anaPost })).status, 201)
        assert.equal((await account('member_earnings', u.ana!)).available, before + 8)
      } finally {
        await store().set('gift_hold_days', 7)
      }
    })

    it('shows the creator their earnings by day and by source, top supporters and history', async () => {
      await credit(u.ben!, 100)
      assert.equal((await gift(u.ben!, cake, { kind: 'post', id: anaPost }, { note: 'Beautiful!' })).status, 201)
      const r = await api('GET', '/api/v1/coins/earnings', u.ana)
      assert.equal(r.status, 200)
      const e = r.body.data
      assert.equal(e.available, (await account('member_earnings', u.ana!)).available)
      assert.ok(e.by_day.length >= 1)
      assert.deepEqual(e.by_source.map((s: { source: string }) => s.source).sort(), ['post', 'profile', 'stage'])
      assert.equal(e.top_supporters[0].user.username, 'ben')
      const history = await api('GET', '/api/v1/coins/earnings/history?limit=2', u.ana)
      assert.equal(history.body.data.length, 2)
      assert.ok(history.body.pagination.has_more)
      const ana = t.agent('10.3.0.1')
      await ana.loginViaForm('ana')
      const page = await (await ana.get('/coins/earnings')).text()
      assert.match(page, /data-earnings-summary/)
      assert.match(page, /data-supporter="ben"/)
      assert.match(page, /Beautiful!/)
    })
  })

  describe('withdrawals', () => {
    const details = 'IBAN DE89 3704 0044 0532 0130 00, Ana Example'
    before(async () => {
      await store().set('withdrawal_minimum', 50)
    })

    it('refuses below the minimum and above what is available, and holds the amount while pending', async () => {
      const available = (await account('member_earnings', u.ana!)).available
      await refused(api('POST', '/api/v1/coins/withdrawals', u.ana, { amount: 10, method: 'bank', details }), 422, 'BELOW_MINIMUM')
      await refused(api('POST', '/api/v1/coins/withdrawals', u.ana, { amount: available + 1, method: 'bank', details }), 422, 'INSUFFICIENT_FUNDS')
      await refused(api('POST', '/api/v1/coins/withdrawals', u.ana, { amount: 50.5, method: 'bank', details }), 400, 'VALIDATION_FAILED')
      await refused(api('POST', '/api/v1/coins/withdrawals', u.ana, { amount: 60, method: 'gold', details }), 400, 'VALIDATION_FAILED')
      const w = await api('POST', '/api/v1/coins/withdrawals', u.ana, { amount: 60, method: 'bank', details, idempotency_key: 'ana-withdraw-1' })
      assert.equal(w.status, 201)
      assert.equal(w.body.data.status, 'requested')
      const again = await api('POST', '/api/v1/coins/withdrawals', u.ana, { amount: 60, method: 'bank', details, idempotency_key: 'ana-withdraw-1' })
      assert.equal(again.body.data.id, w.body.data.id, 'the same key is one withdrawal')
      await refused(api('POST', '/api/v1/coins/withdrawals', u.ana, { amount: 70, method: 'bank', details, idempotency_key: 'ana-withdraw-1' }), 409, 'IDEMPOTENCY_CONFLICT')
      assert.equal((await account('member_earnings', u.ana!)).available, available - 60)
      assert.equal((await account('pending_withdrawals', u.ana!)).pending_in, 60)
    })

    it('approve, then paid with a reference: posted and paid out, the creator told at each step, every step audited', async () => {
      const mine = (await api('GET', '/api/v1/coins/withdrawals', u.ana)).body.data as { id: number; status: string; details: string }[]
      const w = mine.find((x) => x.status === 'requested')!
      assert.equal(w.details, details, 'the creator sees their details')
      await refused(api('POST', `/api/v1/coins/admin/withdrawals/${w.id}/approve`, u.ben), 403, 'FORBIDDEN')
      const queue = (await api('GET', '/api/v1/coins/admin/withdrawals', u.boss)).body.data as { id: number; details: string; username: string }[]
      assert.equal(queue.find((x) => x.id === w.id)?.username, 'ana')
      assert.equal((await api('POST', `/api/v1/coins/admin/withdrawals/${w.id}/approve`, u.boss)).body.data.status, 'approved')
      await refused(api('POST', `/api/v1/coins/admin/withdrawals/${w.id}/approve`, u.boss), 409, 'WITHDRAWAL_DECIDED')
      await refused(api('POST', `/api/v1/coins/admin/withdrawals/${w.id}/pay`, u.boss, {}), 400, 'VALIDATION_FAILED')
      const paid = await api('POST', `/api/v1/coins/admin/withdrawals/${w.id}/pay`, u.boss, { reference: 'SEPA-2026-0001' })
      assert.equal(paid.body.data.status, 'paid')
      assert.equal(paid.body.data.reference, 'SEPA-2026-0001')
      assert.equal((await account('pending_withdrawals', u.ana!)).balance, 0)
      assert.equal((await t.h.ledger.findAccount({ kind: 'world', name: 'payouts', unit: 'coin' }))?.balance, 60)
      await refused(api('POST', `/api/v1/coins/admin/withdrawals/${w.id}/reject`, u.boss, { reason: 'late' }), 409, 'WITHDRAWAL_DECIDED')
      const told = (await notes(u.ana!)).filter((n) => n.type === 'coins.withdrawal').map((n) => n.text)
      assert.ok(told.some((x) => /was approved/.test(x)))
      assert.ok(told.some((x) => /was paid \(reference SEPA-2026-0001\)/.test(x)))
      const audit = t.h.store.sqlite.prepare("select action, details from audit_log where target_type = 'coins.withdrawal' and target_id = ? order by id").all(String(w.id)) as { action: string; details: string }[]
      assert.deepEqual(audit.map((a) => a.action), ['coins.withdrawal.approved', 'coins.withdrawal.paid'])
      assert.ok(audit.every((a) => !a.details.includes('DE89')), 'payout details never reach the audit log')
      await verify()
    })

    it('reject voids the hold and the amount returns; the creator may cancel their own request', async () => {
      const before = (await account('member_earnings', u.ana!)).available
      const w = (await api('POST', '/api/v1/coins/withdrawals', u.ana, { amount: 50, method: 'paypal', details: 'ana@example.org' })).body.data
      assert.equal((await account('member_earnings', u.ana!)).available, before - 50)
      const r = await api('POST', `/api/v1/coins/admin/withdrawals/${w.id}/reject`, u.boss, { reason: 'The PayPal address bounced.' })
      assert.equal(r.body.data.status, 'rejected')
      assert.equal((await account('member_earnings', u.ana!)).available, before)
      assert.match((await notes(u.ana!)).find((n) => n.type === 'coins.withdrawal')?.text ?? '', /was rejected: The PayPal address bounced\./)
      const c = (await api('POST', '/api/v1/coins/withdrawals', u.ana, { amount: 50, method: 'bank', details })).body.data
      await refused(api('POST', `/api/v1/coins/withdrawals/${c.id}/cancel`, u.ben), 404, 'NOT_FOUND')
      assert.equal((await api('POST', `/api/v1/coins/withdrawals/${c.id}/cancel`, u.ana)).body.data.status, 'cancelled')
      assert.equal((await account('member_earnings', u.ana!)).available, before)
      await verify()
    })

    it('works from the pages: the creator asks, an admin approves and pays from the queue', async () => {
      const ana = t.agent('10.4.0.1')
      await ana.loginViaForm('ana')
      const low = await ana.post('/coins/withdrawals', { amount: '5', method: 'bank', details })
      assert.equal(low.status, 422)
      assert.match(await low.text(), /smallest withdrawal is 50 coins/)
      assert.equal((await ana.post('/coins/withdrawals', { amount: '50', method: 'bank', details })).status, 303)
      const id = Number(/data-withdrawal="(\d+)" data-status="requested"/.exec(await (await ana.get('/coins/withdrawals')).text())![1])
      const admin = t.agent('10.4.0.2')
      await admin.loginViaForm('boss')
      const queue = await (await admin.get('/coins/admin/withdrawals')).text()
      assert.match(queue, new RegExp(`data-withdrawal="${id}"`))
      assert.match(queue, /DE89/, 'admins see the payout details to pay them')
      assert.equal((await admin.post(`/coins/admin/withdrawals/${id}/approve`, {})).status, 303)
      const noRef = await admin.post(`/coins/admin/withdrawals/${id}/pay`, { reference: '' })
      assert.equal(noRef.status, 400)
      assert.equal((await admin.post(`/coins/admin/withdrawals/${id}/pay`, { reference: 'SEPA-2' })).status, 303)
      assert.match(await (await ana.get('/coins/withdrawals')).text(), new RegExp(`data-withdrawal="${id}" data-status="paid"`))
      const ben = t.agent('10.4.0.3')
      await ben.loginViaForm('ben')
      assert.equal((await ben.get('/coins/admin/withdrawals')).status, 403)

      // The month's payout report, and the admin overview's figures.
      const month = new Date().toISOString().slice(0, 7)
      const csv = await admin.get(`/coins/admin/payouts.csv?month=${month}`)
      assert.equal(csv.status, 200)
      assert.match(csv.headers.get('content-type') ?? '', /text\/csv/)
      const lines = (await csv.text()).trim().split('\n')
      assert.equal(lines[0], 'id,paid_at,user_id,username,coins,value,currency,method,reference')
      assert.ok(lines.some((l) => new RegExp(`^${id},${month}-\\d\\dT[^,]+,${u.ana!.id},ana,50,0.50,USD,bank,SEPA-2$`).test(l)), lines.join('\n'))
      assert.ok(!lines.join('\n').includes('DE89'), 'no payout details in the report')
      assert.equal((await admin.get('/coins/admin/payouts.csv?month=2026-13')).status, 400)
      assert.equal((await ben.get(`/coins/admin/payouts.csv?month=${month}`)).status, 403)
      assert.match(await (await admin.get('/admin')).text(), /data-coins-overview[\s\S]*?Commission from gifts/)
    })
  })

  describe('badges and leaderboards', () => {
    it('gives supporters levels from coins given and creators badges from coins received', async () => {
      await credit(u.ben!, 2000)
      for (let i = 0; i < 10; i++) await gift(u.ben!, cake, { kind: 'profile', id: u.cal!.id })
      const ben = (await api('GET', '/api/v1/coins/badges/ben')).body.data as { kind: string; name: string }[]
      assert.ok(ben.some((b) => b.kind === 'supporter' && b.name === 'Bronze supporter'), JSON.stringify(ben))
      const cal = (await api('GET', '/api/v1/coins/badges/cal')).body.data as { kind: string; name: string }[]
      assert.ok(cal.some((b) => b.kind === 'creator' && b.name === 'Rising creator'), JSON.stringify(cal))
      assert.match(await (await t.request('GET', '/u/ben')).text(), /data-badge="supporter-2"/)
      // Next to the author's name on posts (core's filter:user.badges), in pages and the API.
      const benPost = (await api('POST', '/api/v1/posts', u.ben, { text: 'thanks all' })).body.data.id
      assert.match(await (await t.request('GET', `/p/${benPost}`)).text(), /data-name-badge="coins-supporter-2"[^>]*>Bronze supporter</)
      const json = (await api('GET', `/api/v1/posts/${benPost}`)).body.data
      assert.deepEqual(json.author.badges.map((b: { kind: string }) => b.kind), ['coins-supporter-2'])
      const calPost = (await api('POST', '/api/v1/posts', u.cal, { text: 'a creator now' })).body.data.id
      assert.deepEqual((await api('GET', `/api/v1/posts/${calPost}`)).body.data.author.badges.map((b: { kind: string }) => b.kind), ['coins-creator-1'])
      assert.equal((await api('GET', `/api/v1/posts/${anaPost}`)).body.data.author.badges, undefined, 'no badges, no field')
    })

    it('ranks a creator’s supporters, and hides one across a block from the viewer', async () => {
      const board = (await api('GET', '/api/v1/coins/leaderboard/ana')).body.data as { user: { username: string }; coins: number }[]
      assert.equal(board[0]!.user.username, 'ben')
      assert.ok(board.every((x, i) => i === 0 || board[i - 1]!.coins >= x.coins))
      await api('POST', '/api/v1/users/ben/block', u.dee)
      const seen = (await api('GET', '/api/v1/coins/leaderboard/ana', u.dee)).body.data as { user: { username: string } }[]
      assert.ok(!seen.some((x) => x.user.username === 'ben'))
      assert.equal((await api('GET', '/api/v1/coins/leaderboard/ben', u.dee)).status, 404)
      await api('DELETE', '/api/v1/users/ben/block', u.dee)
      assert.match(await (await t.request('GET', '/u/ana?tab=supporters')).text(), /data-supporter="ben"/)
      // One target's leaderboard (a stream's), for members who may see the target.
      const stage = (await api('GET', `/api/v1/coins/leaderboard/stage/${u.ana!.id}`, u.cal)).body.data as { user: { username: string }; coins: number }[]
      assert.deepEqual(stage.map((x) => [x.user.username, x.coins]), [['cal', 10]])
      await refused(api('GET', `/api/v1/coins/leaderboard/stage/${1000 + u.ana!.id}`, u.cal), 404, 'NOT_FOUND')
      await refused(api('GET', `/api/v1/coins/leaderboard/stage/${u.ana!.id}`), 401, 'UNAUTHENTICATED')
    })
  })
})
