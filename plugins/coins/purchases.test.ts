// Buying coins without Stripe: the operator's packs, bank transfer requests confirmed once per bank reference, direct
// grants, reversals that never take a wallet below zero (the rest owed and paid from the next coins), the wallet page,
// receipts, the API with Idempotency-Key, and bad input. The ledger verifies at the end.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, PASSWORD, type Agent, type TestApp } from '../../test/harness.js'
import { formatMoney, minorToText, parsePrice } from './purchases-inputs.js'

type Json = { data: any; error?: { code: string; message: string; details?: any } }
const body = async (res: Response) => (await res.json()) as Json

describe('coins purchases: prices', () => {
  it('reads a price in the currency’s major unit exactly, refusing more decimals than it has', () => {
    assert.equal(parsePrice('4.99', 'EUR'), 499)
    assert.equal(parsePrice('4.9', 'EUR'), 490)
    assert.equal(parsePrice('5', 'EUR'), 500)
    assert.equal(parsePrice('0.07', 'USD'), 7)
    assert.equal(parsePrice('500', 'JPY'), 500)
    assert.equal(parsePrice('4.999', 'EUR'), null)
    assert.equal(parsePrice('4.5', 'JPY'), null)
    assert.equal(parsePrice('-1', 'EUR'), null)
    assert.equal(parsePrice('1e3', 'EUR'), null)
    assert.equal(parsePrice('', 'EUR'), null)
    assert.equal(minorToText(499, 'EUR'), '4.99')
    assert.equal(minorToText(5, 'EUR'), '0.05')
    assert.equal(minorToText(500, 'JPY'), '500')
    assert.equal(formatMoney(499, 'EUR'), '€4.99')
    assert.equal(formatMoney(500, 'JPY'), '¥500')
  })
})

describe('coins purchases: packs, bank transfers, the wallet and the API', () => {
  let t: TestApp
  let boss: Agent
  let ana: { id: number; token: string }
  let anaWeb: Agent
  let small: number
  let big: number

  const wallet = async (token: string) => (await body(await t.request('GET', '/api/v1/coins/balance', { token }))).data
  const buy = (token: string, json: unknown, key?: string) => t.request('POST', '/api/v1/coins/purchases', { token, json, headers: key ? { 'idempotency-key': key } : {} })
  const count = (sql: string, ...args: unknown[]) => (t.h.store.sqlite.prepare(sql).get(...args) as { n: number }).n
  const packIds = async () => ((await body(await t.request('GET', '/api/v1/coins/packs'))).data.packs as { id: number; coins: number }[])

  before(async () => {
    t = await createTestApp({ enable: ['coins'] })
    await t.h.users.create({ username: 'boss', email: 'boss@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
    boss = t.agent('10.0.0.2')
    await boss.loginViaForm('boss')
    ana = await t.register('ana')
    anaWeb = t.agent('10.0.0.3')
    await anaWeb.loginViaForm('ana')
  })
  after(() => t.close())

  it('loads, with its tables, its nav entry and its settings page', async () => {
    assert.ok(t.h.plugins.loaded.has('coins'))
    const migrations = t.h.store.sqlite.prepare('select name from hearth_migrations_coins').all() as { name: string }[]
    assert.ok(migrations.some((m) => m.name === '2026_12_05_1300_coins_purchases'))
    assert.match(await anaWeb.text('/'), /href="\/coins"/)
    assert.match(await boss.text('/admin/plugins/coins'), /name="stripe_webhook_secret"/)
  })

  it('lets only admins manage packs, and refuses bad packs with a readable message', async () => {
    assert.equal((await anaWeb.get('/coins/admin')).status, 403)
    assert.equal((await anaWeb.post('/coins/admin/packs', { coins: '100', price: '1', currency: 'EUR', active: 'on' })).status, 403)
    for (const [form, message] of [
      [{ coins: '2.5', price: '1', currency: 'EUR' }, /Coins must be a whole number/],
      [{ coins: '0', price: '1', currency: 'EUR' }, /Coins must be from 1/],
      [{ coins: '100', price: '4.999', currency: 'EUR' }, /at most 2 decimals/],
      [{ coins: '100', price: '0', currency: 'EUR' }, /more than 0/],
      [{ coins: '100', price: '1', currency: 'XYZ' }, /currency code/],
      [{ coins: '100', price: 'free', currency: 'EUR' }, /price in EUR/],
    ] as const) {
      const res = await boss.post('/coins/admin/packs', form)
      assert.equal(res.status, 400, JSON.stringify(form))
      assert.match(await res.text(), message)
    }
    assert.equal((await packIds()).length, 0, 'nothing was added')
    assert.equal((await boss.post('/coins/admin/packs', { coins: '1000', price: '8.99', currency: 'eur', position: '2', active: 'on' })).status, 303)
    assert.equal((await boss.post('/coins/admin/packs', { coins: '100', price: '0.99', currency: 'EUR', position: '1', active: 'on' })).status, 303)
    assert.equal((await boss.post('/coins/admin/packs', { coins: '5', price: '0.10', currency: 'EUR', position: '0' })).status, 303, 'added off sale')
    const packs = await packIds()
    assert.deepEqual(packs.map((p) => p.coins), [100, 1000], 'on sale only, in the operator’s order')
    ;[small, big] = packs.map((p) => p.id) as [number, number]
    const api = (await body(await t.request('GET', '/api/v1/coins/packs'))).data.packs[0]
    assert.deepEqual(api, { id: small, coins: 100, price: 99, currency: 'EUR', price_text: '€0.99', position: 1, active: true })
  })

  it('offers no way to pay until the operator sets one up', async () => {
    assert.deepEqual((await body(await t.request('GET', '/api/v1/coins/packs'))).data.gateways, [])
    assert.match(await anaWeb.text('/coins'), /No way to pay is set up yet/)
    const res = await buy(ana.token, { pack_id: small, gateway: 'manual' })
    assert.equal(res.status, 422)
    assert.equal((await body(res)).error!.code, 'GATEWAY_UNAVAILABLE')
    const card = await buy(ana.token, { pack_id: small, gateway: 'stripe' })
    assert.equal((await body(card)).error!.code, 'GATEWAY_UNAVAILABLE')
    // The settings form keeps a secret left empty (it is never drawn back).
    await t.h.settings.write('plugin.coins.stripe_secret_key', 'sk_test_kept12345678')
    assert.equal((await boss.post('/admin/plugins/coins', { stripe_secret_key: '', stripe_webhook_secret: '', manual_enabled: 'on', manual_instructions: 'Pay to Hearth Club, IBAN DE02 1203 0000 0000 2020 51' })).status, 303)
    assert.equal(await t.h.settings.read('plugin.coins.stripe_secret_key'), 'sk_test_kept12345678')
    const page = await boss.text('/admin/plugins/coins')
    assert.doesNotMatch(page, /sk_test_kept12345678/, 'a secret is never shown back')
    assert.match(await boss.text('/coins/admin'), /sk_test_…5678/, 'only its last four characters')
    const refused = await boss.post('/admin/plugins/coins', { stripe_secret_key: 'pk_test_123456789', manual_enabled: 'on', manual_instructions: 'x' })
    assert.equal(refused.status, 400)
    assert.match(await refused.text(), /starts with sk_live_/)
    await t.h.settings.write('plugin.coins.stripe_secret_key', '')
    assert.deepEqual((await body(await t.request('GET', '/api/v1/coins/packs'))).data.gateways, [{ id: 'manual', label: 'Bank transfer' }])
  })

  it('refuses unknown, retired and malformed packs with the API’s envelope, and guests', async () => {
    const retired = (await t.h.store.sqlite.prepare('select id from coins_packs where active = 0').get()) as { id: number }
    for (const [json, status, code] of [
      [{ pack_id: 9999, gateway: 'manual' }, 404, 'NOT_FOUND'],
      [{ pack_id: retired.id, gateway: 'manual' }, 404, 'NOT_FOUND'],
      [{ pack_id: 1.5, gateway: 'manual' }, 400, 'VALIDATION_FAILED'],
      [{ pack_id: '1.5', gateway: 'manual' }, 400, 'VALIDATION_FAILED'],
      [{ pack_id: -1, gateway: 'manual' }, 400, 'VALIDATION_FAILED'],
      [{ gateway: 'manual' }, 400, 'VALIDATION_FAILED'],
      [{ pack_id: small, gateway: 'paypal' }, 400, 'VALIDATION_FAILED'],
      [{ pack_id: small }, 400, 'VALIDATION_FAILED'],
    ] as const) {
      const res = await buy(ana.token, json)
      assert.equal(res.status, status, JSON.stringify(json))
      assert.equal((await body(res)).error!.code, code)
    }
    assert.equal((await t.request('POST', '/api/v1/coins/purchases', { json: { pack_id: small, gateway: 'manual' } })).status, 401)
    assert.equal((await t.request('GET', '/api/v1/coins/balance')).status, 401)
    assert.equal(count('select count(*) as n from coins_purchases'), 0, 'no purchase was made')
  })

  let request: { id: number; reference: string }

  it('answers the same Idempotency-Key with the same purchase, and another body under it with 409', async () => {
    const first = await buy(ana.token, { pack_id: small, gateway: 'manual' }, 'key-1')
    assert.equal(first.status, 201)
    const a = await body(first)
    assert.equal(a.data.purchase.status, 'pending')
    assert.match(a.data.purchase.reference, /^HC-[2-9A-Z]{4}-[2-9A-Z]{4}$/)
    assert.match(a.data.purchase.instructions, /IBAN DE02/)
    const again = await buy(ana.token, { gateway: 'manual', pack_id: small }, 'key-1')
    assert.equal(again.status, 201)
    assert.equal(again.headers.get('idempotent-replayed'), 'true')
    assert.deepEqual((await body(again)).data, a.data)
    const other = await buy(ana.token, { pack_id: big, gateway: 'manual' }, 'key-1')
    assert.equal(other.status, 409)
    assert.equal((await body(other)).error!.code, 'IDEMPOTENCY_CONFLICT')
    const bad = await buy(ana.token, { pack_id: small, gateway: 'manual' }, 'has spaces')
    assert.equal(bad.status, 400)
    // A failed request stores nothing: the key may be used again.
    assert.equal((await buy(ana.token, { pack_id: 9999, gateway: 'manual' }, 'key-2')).status, 404)
    const retried = await buy(ana.token, { pack_id: big, gateway: 'manual' }, 'key-2')
    assert.equal(retried.status, 201)
    // Another member's key is their own.
    const bob = await t.register('bob')
    assert.equal((await buy(bob.token, { pack_id: big, gateway: 'manual' }, 'key-1')).status, 201)
    assert.equal(count('select count(*) as n from coins_purchases where user_id = ?', ana.id), 2)
    request = { id: a.data.purchase.id, reference: a.data.purchase.reference }
  })

  it('starts a bank transfer from the wallet page without JavaScript, once for a double click, and caps open requests', async () => {
    const page = await anaWeb.text('/coins')
    assert.match(page, /0 coins/)
    assert.match(page, /Pay by bank transfer/)
    const key = /name="idempotency_key" value="([^"]+)"/.exec(page)![1]!
    const form = { pack_id: String(small), gateway: 'manual', idempotency_key: key }
    const res = await anaWeb.post('/coins/purchases', form)
    assert.equal(res.status, 303)
    const location = res.headers.get('location')!
    assert.match(location, /^\/coins\/purchases\/\d+$/)
    assert.equal((await anaWeb.post('/coins/purchases', form)).headers.get('location'), location, 'the same purchase again')
    const receipt = await anaWeb.text(location)
    assert.match(receipt, /How to pay/)
    assert.match(receipt, /€0\.99/)
    assert.match(receipt, /IBAN DE02/)
    // Three open already (two from the API, one here): a fourth is refused on the page, readably.
    const fourth = await anaWeb.post('/coins/purchases', { pack_id: String(small), gateway: 'manual', idempotency_key: 'other' })
    assert.equal(fourth.status, 409)
    assert.match(await fourth.text(), /3 bank transfers waiting/)
    const cancel = await anaWeb.post(`${location}/cancel`, {})
    assert.equal(cancel.status, 303)
    assert.match(await anaWeb.text(`${location}?notice=canceled`), /Cancelled/)
    assert.equal((await anaWeb.post(`${location}/cancel`, {})).status, 409)
  })

  it('hides a purchase from everyone but its buyer and admins, exactly like a missing one', async () => {
    const bob = t.agent('10.0.0.9')
    await bob.loginViaForm('bob')
    await bob.get('/') // the welcome message shows once
    const theirs = await bob.get(`/coins/purchases/${request.id}`)
    const missing = await bob.get('/coins/purchases/99999')
    assert.equal(theirs.status, 404)
    assert.equal(missing.status, 404)
    assert.equal(await theirs.text(), await missing.text())
    const bobToken = (await body(await t.request('POST', '/api/v1/users/login', { json: { login: 'bob', password: PASSWORD } }))).data.token
    const api = await t.request('GET', `/api/v1/coins/purchases/${request.id}`, { token: bobToken })
    const apiMissing = await t.request('GET', '/api/v1/coins/purchases/99999', { token: bobToken })
    assert.equal(api.status, 404)
    assert.deepEqual((await body(api)).error!.code, (await body(apiMissing)).error!.code)
    assert.equal((await t.request('POST', `/api/v1/coins/purchases/${request.id}/cancel`, { token: bobToken })).status, 404)
    assert.equal((await boss.get(`/coins/purchases/${request.id}`)).status, 200)
  })

  it('credits a confirmed bank transfer once per bank reference', async () => {
    const admin = await boss.text('/coins/admin')
    assert.match(admin, new RegExp(request.reference))
    assert.equal((await boss.post(`/coins/admin/purchases/${request.id}/confirm`, { payment_ref: '' })).status, 400)
    const ok = await boss.post(`/coins/admin/purchases/${request.id}/confirm`, { payment_ref: 'BANK-0001' })
    assert.equal(ok.status, 303)
    assert.equal((await wallet(ana.token)).balance, 100)
    // The same confirmation again (a double click, a retry) changes nothing.
    assert.equal((await boss.post(`/coins/admin/purchases/${request.id}/confirm`, { payment_ref: 'BANK-0001' })).status, 303)
    assert.equal((await wallet(ana.token)).balance, 100)
    // Another reference for a paid purchase, or the same bank reference for another one: refused.
    const twice = await boss.post(`/coins/admin/purchases/${request.id}/confirm`, { payment_ref: 'BANK-0002' })
    assert.equal(twice.status, 409)
    assert.match(await twice.text(), /confirmed already/)
    const open = (await body(await t.request('GET', '/api/v1/coins/purchases', { token: ana.token }))).data.find((p: any) => p.status === 'pending')
    const reused = await boss.post(`/coins/admin/purchases/${open.id}/confirm`, { payment_ref: 'BANK-0001' })
    assert.equal(reused.status, 409)
    assert.match(await reused.text(), /paid for purchase \d+ already/)
    assert.equal((await wallet(ana.token)).balance, 100)
    // The member was told, and the receipt says paid.
    const notes = await t.h.notifications.list(ana.id)
    assert.ok(notes.items.some((n: any) => /100 coins are in your wallet/.test(n.text)))
    const receipt = await anaWeb.text(`/coins/purchases/${request.id}`)
    assert.match(receipt, /Receipt No\. \d+/)
    assert.match(receipt, /BANK|Paid/)
  })

  it('grants a pack for a transfer made without a request, idempotent on the bank reference', async () => {
    const bad = await boss.post('/coins/admin/grants', { username: 'nobody-here', pack_id: String(big), payment_ref: 'BANK-0100' })
    assert.equal(bad.status, 404)
    assert.match(await bad.text(), /no member @nobody-here/)
    const fractional = await boss.post('/coins/admin/grants', { username: 'ana', pack_id: '1.5', payment_ref: 'BANK-0100' })
    assert.equal(fractional.status, 400)
    assert.equal((await boss.post('/coins/admin/grants', { username: '@ana', pack_id: String(big), payment_ref: 'BANK-0100', note: 'Paid at the meetup' })).status, 303)
    assert.equal((await boss.post('/coins/admin/grants', { username: 'ana', pack_id: String(big), payment_ref: 'BANK-0100' })).status, 303, 'the same grant again')
    assert.equal((await wallet(ana.token)).balance, 1100)
    const clash = await boss.post('/coins/admin/grants', { username: 'bob', pack_id: String(big), payment_ref: 'BANK-0100' })
    assert.equal(clash.status, 409)
    assert.equal((await wallet(ana.token)).balance, 1100)
  })

  it('shows every transfer with its counterpart on the wallet page and in the API', async () => {
    const page = await anaWeb.text('/coins')
    assert.match(page, /1,100 coins/)
    assert.match(page, /Bank transfer/)
    assert.match(page, /\+1,000/)
    const history = await body(await t.request('GET', '/api/v1/coins/history?limit=1', { token: ana.token }))
    assert.equal(history.data.length, 1)
    assert.equal(history.data[0].coins, 1000)
    assert.equal(history.data[0].counterpart.label, 'Bank transfer')
    assert.equal((history as any).pagination.has_more, true)
    const older = await body(await t.request('GET', `/api/v1/coins/history?limit=1&cursor=${encodeURIComponent((history as any).pagination.next_cursor)}`, { token: ana.token }))
    assert.equal(older.data[0].coins, 100)
    assert.equal((await t.request('GET', '/api/v1/coins/history?cursor=garbage', { token: ana.token })).status, 400)
    assert.equal((await t.request('GET', '/api/v1/coins/history?limit=1.5', { token: ana.token })).status, 400)
  })

  it('reverses a bank transfer purchase without going below zero: what was spent is owed and paid from the next coins', async () => {
    // Ana spends 1,050 of her 1,100 coins (as a gift would, through the ledger).
    const coins = { kind: 'member_coins', userId: ana.id, unit: 'coin' } as const
    await t.h.ledger.transfer({ key: 'test:spend', debit: coins, credit: { kind: 'platform_commission', name: 'test', unit: 'coin' }, amount: 1050, meta: { purpose: 'gift', label: 'Gift on a post' } })
    const spentRow = (await body(await t.request('GET', '/api/v1/coins/history?limit=1', { token: ana.token }))).data[0]
    assert.deepEqual([spentRow.what, spentRow.direction, spentRow.coins, spentRow.counterpart.label], ['Gift on a post', 'out', 1050, 'The platform'])
    const granted = (await body(await t.request('GET', '/api/v1/coins/purchases', { token: ana.token }))).data.find((p: any) => p.coins === 1000 && p.status === 'paid')
    assert.equal((await boss.post(`/coins/admin/purchases/${granted.id}/reverse`, { note: '' })).status, 400, 'a reason is needed')
    assert.equal((await boss.post(`/coins/admin/purchases/${granted.id}/reverse`, { note: 'The transfer bounced' })).status, 303)
    const w = await wallet(ana.token)
    assert.deepEqual(w, { unit: 'coin', balance: 0, available: 0, debt: 950 })
    assert.equal((await boss.post(`/coins/admin/purchases/${granted.id}/reverse`, { note: 'again' })).status, 409, 'once')
    const receipt = (await body(await t.request('GET', `/api/v1/coins/purchases/${granted.id}`, { token: ana.token }))).data
    assert.equal(receipt.state, 'Refunded')
    assert.equal(receipt.debt_coins, 950)
    assert.deepEqual(receipt.adjustments.map((a: any) => [a.kind, a.coins_taken, a.coins_owed, a.note]), [['reversal', 50, 950, 'The transfer bounced']])
    assert.match(await anaWeb.text('/coins'), /You owe 950 coins/)
    // The next 100 coins all go to the debt; 1,000 more pay the rest and leave 150.
    assert.equal((await boss.post('/coins/admin/grants', { username: 'ana', pack_id: String(small), payment_ref: 'BANK-0200' })).status, 303)
    assert.deepEqual(await wallet(ana.token), { unit: 'coin', balance: 0, available: 0, debt: 850 })
    assert.equal((await boss.post('/coins/admin/grants', { username: 'ana', pack_id: String(big), payment_ref: 'BANK-0201' })).status, 303)
    assert.deepEqual(await wallet(ana.token), { unit: 'coin', balance: 150, available: 150, debt: 0 })
    const after = (await body(await t.request('GET', `/api/v1/coins/purchases/${granted.id}`, { token: ana.token }))).data
    assert.deepEqual(after.adjustments.map((a: any) => [a.kind, a.coins_taken, a.coins_owed]), [['reversal', 50, 950], ['debt_paid', 100, -100], ['debt_paid', 850, -850]])
  })

  it('keeps a retired pack on the receipts that name it, and stops selling it', async () => {
    assert.equal((await boss.post(`/coins/admin/packs/${small}`, { coins: '100', price: '0.99', currency: 'EUR', position: '1' })).status, 303)
    assert.deepEqual((await packIds()).map((p) => p.id), [big])
    assert.equal((await buy(ana.token, { pack_id: small, gateway: 'manual' })).status, 404)
    assert.match(await anaWeb.text(`/coins/purchases/${request.id}`), /100 coins/)
    assert.match(await boss.text('/coins/admin'), /off sale/)
    assert.equal((await boss.post('/coins/admin/packs/99999', { coins: '1', price: '1', currency: 'EUR' })).status, 404)
  })

  it('gives admins the same actions over the API, with prices in minor units, and refuses members', async () => {
    const token = (await body(await t.request('POST', '/api/v1/users/login', { json: { login: 'boss', password: PASSWORD } }))).data.token as string
    assert.equal((await t.request('GET', '/api/v1/coins/admin/packs', { token: ana.token })).status, 403)
    for (const json of [{ coins: 10, price: 0.5, currency: 'EUR' }, { coins: 1.5, price: 50, currency: 'EUR' }, { coins: 10, price: 50, currency: 'eu' }, { coins: 10, currency: 'EUR' }, { coins: 10, price: 50, currency: 'EUR', active: 'yes' }]) {
      const res = await t.request('POST', '/api/v1/coins/admin/packs', { token, json })
      assert.equal(res.status, 400, JSON.stringify(json))
      assert.equal((await body(res)).error!.code, 'VALIDATION_FAILED')
    }
    const made = await t.request('POST', '/api/v1/coins/admin/packs', { token, json: { coins: 5000, price: 3999, currency: 'usd', position: 9 } })
    assert.equal(made.status, 201)
    const pack = (await body(made)).data
    assert.deepEqual(pack, { id: pack.id, coins: 5000, price: 3999, currency: 'USD', price_text: '$39.99', position: 9, active: true })
    const changed = await t.request('PUT', `/api/v1/coins/admin/packs/${pack.id}`, { token, json: { coins: 5000, price: 3499, currency: 'USD', position: 9, active: false } })
    assert.equal((await body(changed)).data.price_text, '$34.99')
    assert.equal((await t.request('PUT', '/api/v1/coins/admin/packs/99999', { token, json: { coins: 1, price: 1, currency: 'USD' } })).status, 404)
    const granted = await t.request('POST', '/api/v1/coins/admin/grants', { token, json: { username: 'bob', pack_id: big, payment_ref: 'BANK-API-1' } })
    assert.equal(granted.status, 201)
    const list = await body(await t.request('GET', '/api/v1/coins/admin/purchases?status=paid&gateway=manual&limit=2', { token }))
    assert.equal(list.data[0].payment_ref, 'BANK-API-1')
    assert.equal(list.data[0].user.username, 'bob')
    assert.equal((await t.request('GET', '/api/v1/coins/admin/purchases?status=lost', { token })).status, 400)
    const reversed = await t.request('POST', `/api/v1/coins/admin/purchases/${list.data[0].id}/reverse`, { token, json: { note: 'Sent back' } })
    assert.deepEqual({ ...(await body(reversed)).data, purchase: undefined }, { purchase: undefined, coins_taken: 1000, coins_owed: 0 })
  })

  it('limits how many purchases a member starts in an hour; a replayed Idempotency-Key does not count', async () => {
    const dan = await t.register('dan')
    const start = (key: string) => buy(dan.token, { pack_id: big, gateway: 'manual' }, key)
    for (let i = 0; i < 20; i++) {
      const res = await start(`dan-${i}`)
      assert.equal(res.status, 201, `purchase ${i}`)
      assert.equal((await start(`dan-${i}`)).status, 201, 'a replay')
      await t.request('POST', `/api/v1/coins/purchases/${(await body(res)).data.purchase.id}/cancel`, { token: dan.token })
    }
    const refused = await start('dan-20')
    assert.equal(refused.status, 429)
    assert.equal((await body(refused)).error!.code, 'RATE_LIMITED')
  })

  it('leaves a ledger that verifies', async () => {
    const report = await t.h.ledger.verify()
    assert.deepEqual(report.problems, [])
    assert.equal(report.ok, true)
  })
})
