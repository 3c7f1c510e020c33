// Buying coins through Stripe Checkout. Stripe's API cannot be reached from here: the Checkout call goes through the
// real `stripe` SDK to a local stand-in HTTP server of Stripe's API, and the webhook is sent with REAL signatures
// (Stripe's `t=...,v1=HMAC-SHA256` header, computed here) to our real endpoint. Refunds and chargebacks are
// compensating transfers; the ledger verifies at the end with `hearth ledger verify`.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import Stripe from 'stripe'
import { createTestApp, PASSWORD, tempDir, type Agent, type TestApp } from '../../test/harness.js'

type Json = { data: any; error?: { code: string; message: string } }
const body = async (res: Response) => (await res.json()) as Json
const SECRET_KEY = 'sk_test_51HearthStandIn0123456789'
const WEBHOOK_SECRET = 'whsec_hearthTestSigningSecret0123456789'

/** Stripe's signature header, computed as Stripe does: HMAC-SHA256 of `timestamp.payload` with the endpoint's secret. */
function signature(payload: string, timestamp = Math.floor(Date.now() / 1000), secret = WEBHOOK_SECRET): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex')}`
}

let events = 0
function event(type: string, object: Record<string, unknown>, id = `evt_test_${++events}`) {
  return { id, object: 'event', api_version: '2026-11-18.endive', created: Math.floor(Date.now() / 1000), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type, data: { object } }
}

/** A local stand-in of the part of Stripe's API we call: POST /v1/checkout/sessions and POST /v1/refunds. */
interface StandIn {
  server: Server
  url: string
  requests: { path: string; auth: string | undefined; idempotencyKey: string | undefined; form: URLSearchParams }[]
  fail: boolean
}
async function stripeStandIn(): Promise<StandIn> {
  const s: StandIn = { server: null!, url: '', requests: [], fail: false }
  let n = 0
  s.server = createServer((req, res) => {
    let raw = ''
    req.on('data', (d) => (raw += d))
    req.on('end', () => {
      const form = new URLSearchParams(raw)
      s.requests.push({ path: `${req.method} ${req.url}`, auth: req.headers.authorization, idempotencyKey: req.headers['idempotency-key'] as string | undefined, form })
      res.setHeader('content-type', 'application/json')
      res.setHeader('request-id', `req_${n}`)
      if (s.fail || (req.url !== '/v1/checkout/sessions' && req.url !== '/v1/refunds')) {
        res.statusCode = 400
        return res.end(JSON.stringify({ error: { type: 'invalid_request_error', message: 'The stand-in refused this.' } }))
      }
      if (req.url === '/v1/refunds') return res.end(JSON.stringify({ id: `re_test_${++n}`, object: 'refund', status: 'succeeded', payment_intent: form.get('payment_intent') }))
      const id = `cs_test_${++n}`
      res.end(
        JSON.stringify({
          id,
          object: 'checkout.session',
          url: `https://checkout.stripe.com/c/pay/${id}`,
          amount_total: Number(form.get('line_items[0][price_data][unit_amount]')),
          currency: form.get('line_items[0][price_data][currency]'),
          client_reference_id: form.get('client_reference_id'),
          metadata: { purchase_id: form.get('metadata[purchase_id]') },
          mode: 'payment',
          payment_status: 'unpaid',
          status: 'open',
        }),
      )
    })
  })
  await new Promise<void>((r) => s.server.listen(0, '127.0.0.1', r))
  s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`
  return s
}

describe('coins purchases: Stripe Checkout and its webhook', () => {
  let t: TestApp
  let standIn: StandIn
  let ana: { id: number; token: string }
  let anaWeb: Agent
  let pack: number
  const dataDir = tempDir()

  const balance = async (token = ana.token) => (await body(await t.request('GET', '/api/v1/coins/balance', { token }))).data
  const deliver = (payload: string, sig: string | null) =>
    t.request('POST', '/api/v1/coins/webhooks/stripe', { body: payload, headers: { 'content-type': 'application/json', ...(sig === null ? {} : { 'stripe-signature': sig }) } })
  const send = (e: object) => {
    const payload = JSON.stringify(e)
    return deliver(payload, signature(payload))
  }
  /** A Checkout Session as Stripe sends it in events, for a purchase. */
  const session = (p: { id: number; reference: string; amount: number }, over: Record<string, unknown> = {}) => ({
    id: p.reference,
    object: 'checkout.session',
    client_reference_id: String(p.id),
    metadata: { purchase_id: String(p.id) },
    amount_total: p.amount,
    currency: 'eur',
    mode: 'payment',
    payment_status: 'paid',
    status: 'complete',
    payment_intent: `pi_for_${p.id}`,
    ...over,
  })
  const startPurchase = async (token = ana.token) => {
    const res = await t.request('POST', '/api/v1/coins/purchases', { token, json: { pack_id: pack, gateway: 'stripe' } })
    assert.equal(res.status, 201)
    return (await body(res)).data.purchase as { id: number; reference: string; amount: number; status: string }
  }

  before(async () => {
    standIn = await stripeStandIn()
    process.env.HEARTH_STRIPE_API_URL = standIn.url
    t = await createTestApp({ enable: ['coins'], dataDir })
    ana = await t.register('ana')
    anaWeb = t.agent('10.0.0.3')
    await anaWeb.loginViaForm('ana')
    const row = t.h.store.sqlite.prepare("insert into coins_packs (coins, price, currency, position, active) values (500, 499, 'EUR', 0, 1) returning id").get() as { id: number }
    pack = row.id
  })
  after(async () => {
    await t.close()
    standIn.server.close()
    delete process.env.HEARTH_STRIPE_API_URL
  })

  it('offers card payments only once both Stripe secrets are set, and answers the webhook 503 until then (Stripe retries)', async () => {
    const res = await t.request('POST', '/api/v1/coins/purchases', { token: ana.token, json: { pack_id: pack, gateway: 'stripe' } })
    assert.equal((await body(res)).error!.code, 'GATEWAY_UNAVAILABLE')
    const e = JSON.stringify(event('checkout.session.completed', {}))
    assert.equal((await deliver(e, signature(e))).status, 503)
    await t.h.settings.write('plugin.coins.stripe_secret_key', SECRET_KEY)
    assert.equal((await body(await t.request('POST', '/api/v1/coins/purchases', { token: ana.token, json: { pack_id: pack, gateway: 'stripe' } }))).error!.code, 'GATEWAY_UNAVAILABLE')
    await t.h.settings.write('plugin.coins.stripe_webhook_secret', WEBHOOK_SECRET)
    assert.deepEqual((await body(await t.request('GET', '/api/v1/coins/packs'))).data.gateways, [{ id: 'stripe', label: 'Card' }])
  })

  it('creates a Checkout Session through the stripe SDK against a local stand-in of Stripe’s API (Stripe itself cannot be reached from here)', async () => {
    const res = await t.request('POST', '/api/v1/coins/purchases', { token: ana.token, json: { pack_id: pack, gateway: 'stripe' }, headers: { 'idempotency-key': 'buy-1' } })
    assert.equal(res.status, 201)
    const data = (await body(res)).data
    assert.equal(data.purchase.status, 'pending')
    assert.equal(data.purchase.reference, 'cs_test_1')
    assert.equal(data.next_url, 'https://checkout.stripe.com/c/pay/cs_test_1')
    assert.equal(standIn.requests.length, 1)
    const r = standIn.requests[0]!
    assert.equal(r.path, 'POST /v1/checkout/sessions')
    assert.equal(r.auth, `Bearer ${SECRET_KEY}`)
    assert.match(r.idempotencyKey!, new RegExp(`^hearth-coins-${data.purchase.id}-`))
    assert.equal(r.form.get('mode'), 'payment')
    assert.equal(r.form.get('line_items[0][price_data][unit_amount]'), '499')
    assert.equal(r.form.get('line_items[0][price_data][currency]'), 'eur')
    assert.equal(r.form.get('line_items[0][price_data][product_data][name]'), '500 coins')
    assert.equal(r.form.get('client_reference_id'), String(data.purchase.id))
    assert.equal(r.form.get('success_url'), `http://hearth.test/coins/purchases/${data.purchase.id}?checkout=done`)
    // The same Idempotency-Key: the same purchase, and Stripe is not called again.
    const again = await t.request('POST', '/api/v1/coins/purchases', { token: ana.token, json: { pack_id: pack, gateway: 'stripe' }, headers: { 'idempotency-key': 'buy-1' } })
    assert.deepEqual((await body(again)).data, data)
    assert.equal(standIn.requests.length, 1)
    // From the page, without JavaScript: a 303 to Stripe's page.
    const page = await anaWeb.text('/coins')
    const key = /name="gateway" value="stripe"\/><input type="hidden" name="idempotency_key" value="([^"]+)"/.exec(page)?.[1]
    assert.ok(key, 'the wallet offers a card payment')
    const form = await anaWeb.post('/coins/purchases', { pack_id: String(pack), gateway: 'stripe', idempotency_key: key })
    assert.equal(form.status, 303)
    assert.equal(form.headers.get('location'), 'https://checkout.stripe.com/c/pay/cs_test_2')
  })

  it('marks a purchase failed and says nothing was charged when Stripe refuses the session', async () => {
    standIn.fail = true
    const res = await t.request('POST', '/api/v1/coins/purchases', { token: ana.token, json: { pack_id: pack, gateway: 'stripe' } })
    standIn.fail = false
    assert.equal(res.status, 503)
    assert.equal((await body(res)).error!.code, 'GATEWAY_FAILED')
    const last = (await body(await t.request('GET', '/api/v1/coins/purchases?limit=1', { token: ana.token }))).data[0]
    assert.equal(last.status, 'failed')
  })

  it('signs as Stripe does: our header equals the SDK’s own for the same timestamp', () => {
    const payload = '{"id":"evt_x","object":"event"}'
    assert.equal(signature(payload, 1_800_000_000), Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, timestamp: 1_800_000_000 }))
  })

  it('credits a validly signed checkout.session.completed once; the same event again credits nothing', async () => {
    const p = await startPurchase()
    const e = event('checkout.session.completed', session(p))
    const first = await send(e)
    assert.equal(first.status, 200)
    assert.deepEqual((await body(first)).data, { received: true, duplicate: false, outcome: 'credited' })
    assert.equal((await balance()).balance, 500)
    const replay = await send(e)
    assert.equal(replay.status, 200)
    assert.equal((await body(replay)).data.duplicate, true)
    assert.equal((await balance()).balance, 500)
    // Another event about the same session (async_payment_succeeded after completed): still one credit.
    const other = await send(event('checkout.session.async_payment_succeeded', session(p)))
    assert.equal((await body(other)).data.outcome, 'already credited')
    assert.equal((await balance()).balance, 500)
    const receipt = (await body(await t.request('GET', `/api/v1/coins/purchases/${p.id}`, { token: ana.token }))).data
    assert.equal(receipt.status, 'paid')
    assert.equal(receipt.state, 'Paid')
    assert.match(await anaWeb.text(`/coins/purchases/${p.id}`), /Receipt No\./)
  })

  it('credits once when Stripe delivers one event twice at the same moment', async () => {
    const p = await startPurchase()
    const e = event('checkout.session.completed', session(p))
    const results = await Promise.all([send(e), send(e), send(e)])
    assert.deepEqual(results.map((r) => r.status), [200, 200, 200])
    const outcomes = await Promise.all(results.map(async (r) => (await body(r)).data.duplicate))
    assert.equal(outcomes.filter((d) => d === false).length, 1)
    assert.equal((await balance()).balance, 1000)
  })

  it('refuses a bad signature, a changed body and a missing header with 400, recording nothing', async () => {
    const p = await startPurchase()
    const e = event('checkout.session.completed', session(p))
    const payload = JSON.stringify(e)
    const wrongSecret = await deliver(payload, signature(payload, undefined, 'whsec_someoneElsesSecret000000'))
    assert.equal(wrongSecret.status, 400)
    assert.equal((await body(wrongSecret)).error!.code, 'INVALID_SIGNATURE')
    const changed = await deliver(payload.replace('"amount_total":499', '"amount_total":1'), signature(payload))
    assert.equal(changed.status, 400)
    assert.equal((await deliver(payload, null)).status, 400)
    assert.equal((await deliver(payload, 'garbage')).status, 400)
    // Re-serialised JSON (same meaning, other bytes) fails too: the signature is over the raw body.
    assert.equal((await deliver(JSON.stringify(JSON.parse(payload), null, 2), signature(payload))).status, 400)
    assert.equal((await balance()).balance, 1000)
    // Nothing was recorded: the genuine delivery of the same event still credits.
    assert.equal((await body(await deliver(payload, signature(payload)))).data.outcome, 'credited')
    assert.equal((await balance()).balance, 1500)
  })

  it('refuses a stale timestamp (more than 5 minutes old: a captured request replayed), even with a valid HMAC', async () => {
    const p = await startPurchase()
    const payload = JSON.stringify(event('checkout.session.completed', session(p)))
    const now = Math.floor(Date.now() / 1000)
    const stale = await deliver(payload, signature(payload, now - 301))
    assert.equal(stale.status, 400)
    assert.match((await body(stale)).error!.message, /more than 5 minutes/)
    assert.equal((await balance()).balance, 1500)
    assert.equal((await deliver(payload, signature(payload, now - 240))).status, 200, 'within the tolerance')
    assert.equal((await balance()).balance, 2000)
  })

  it('does not credit a session whose amount differs from its purchase, nor one that is not ours', async () => {
    const p = await startPurchase()
    const wrong = await send(event('checkout.session.completed', session(p, { amount_total: 1 })))
    assert.equal(wrong.status, 200)
    assert.match((await body(wrong)).data.outcome, /^refused/)
    const foreign = await send(event('checkout.session.completed', session({ id: 999999, reference: 'cs_elsewhere', amount: 499 })))
    assert.match((await body(foreign)).data.outcome, /^ignored/)
    const otherSession = await send(event('checkout.session.completed', session({ ...p, reference: 'cs_test_999' })))
    assert.match((await body(otherSession)).data.outcome, /^ignored/)
    const unknownType = await send(event('customer.created', { id: 'cus_1', object: 'customer' }))
    assert.match((await body(unknownType)).data.outcome, /^ignored/)
    assert.equal((await balance()).balance, 2000)
  })

  it('waits for a delayed payment method: processing, then credited on async_payment_succeeded, or failed', async () => {
    const p = await startPurchase()
    await send(event('checkout.session.completed', session(p, { payment_status: 'unpaid' })))
    assert.equal((await body(await t.request('GET', `/api/v1/coins/purchases/${p.id}`, { token: ana.token }))).data.status, 'processing')
    assert.equal((await balance()).balance, 2000)
    await send(event('checkout.session.async_payment_succeeded', session(p)))
    assert.equal((await balance()).balance, 2500)
    const q = await startPurchase()
    await send(event('checkout.session.completed', session(q, { payment_status: 'unpaid' })))
    await send(event('checkout.session.async_payment_failed', session(q, { payment_status: 'unpaid' })))
    assert.equal((await body(await t.request('GET', `/api/v1/coins/purchases/${q.id}`, { token: ana.token }))).data.status, 'failed')
    const r = await startPurchase()
    await send(event('checkout.session.expired', session(r, { payment_status: 'unpaid', status: 'expired' })))
    assert.equal((await body(await t.request('GET', `/api/v1/coins/purchases/${r.id}`, { token: ana.token }))).data.status, 'expired')
    assert.equal((await balance()).balance, 2500)
  })

  it('takes refunded coins back in proportion, and what was spent already becomes a debt paid from the next purchase', async () => {
    const bob = await t.register('bob')
    const p = await startPurchase(bob.token)
    await send(event('checkout.session.completed', session(p)))
    assert.equal((await balance(bob.token)).balance, 500)
    const pi = `pi_for_${p.id}`
    // Half the money back: ceil(500 × 250 / 499) = 251 coins.
    const partial = await send(event('charge.refunded', { id: 'ch_bob', object: 'charge', amount: 499, amount_refunded: 250, payment_intent: pi }))
    assert.equal((await body(partial)).data.outcome, 'coins taken 251, owed 0')
    assert.equal((await balance(bob.token)).balance, 249)
    // Bob spends 200 of what is left (as a gift would).
    await t.h.ledger.transfer({ key: 'test:bob-spends', debit: { kind: 'member_coins', userId: bob.id, unit: 'coin' }, credit: { kind: 'platform_commission', name: 'test', unit: 'coin' }, amount: 200 })
    // The rest is refunded: 249 coins to take, 49 in the wallet: never below zero, 200 owed.
    const full = await send(event('charge.refunded', { id: 'ch_bob', object: 'charge', amount: 499, amount_refunded: 499, payment_intent: pi }))
    assert.equal((await body(full)).data.outcome, 'coins taken 49, owed 200')
    assert.deepEqual(await balance(bob.token), { unit: 'coin', balance: 0, available: 0, debt: 200 })
    // An older refund event arriving late changes nothing (amounts refunded only grow).
    const late = await send(event('charge.refunded', { id: 'ch_bob', object: 'charge', amount: 499, amount_refunded: 250, payment_intent: pi }))
    assert.equal((await body(late)).data.outcome, 'coins taken 0, owed 0')
    const receipt = (await body(await t.request('GET', `/api/v1/coins/purchases/${p.id}`, { token: bob.token }))).data
    assert.equal(receipt.state, 'Refunded')
    assert.equal(receipt.refunded_amount, 499)
    // The next purchase pays the debt first.
    const next = await startPurchase(bob.token)
    await send(event('checkout.session.completed', session(next)))
    assert.deepEqual(await balance(bob.token), { unit: 'coin', balance: 300, available: 300, debt: 0 })
    const notes = await t.h.notifications.list(bob.id)
    assert.ok(notes.items.some((n: any) => /refunded or disputed/.test(n.text)))
  })

  it('takes a chargeback’s coins back, and gives them back (forgiving the debt first) when the dispute is won', async () => {
    const cyd = await t.register('cyd')
    const p = await startPurchase(cyd.token)
    await send(event('checkout.session.completed', session(p)))
    await t.h.ledger.transfer({ key: 'test:cy-spends', debit: { kind: 'member_coins', userId: cyd.id, unit: 'coin' }, credit: { kind: 'platform_commission', name: 'test', unit: 'coin' }, amount: 100 })
    const dispute = { id: 'dp_cy', object: 'dispute', amount: 499, charge: 'ch_cy', payment_intent: `pi_for_${p.id}`, status: 'needs_response' }
    const opened = await send(event('charge.dispute.created', dispute))
    assert.equal((await body(opened)).data.outcome, 'coins taken 400, owed 100')
    assert.deepEqual(await balance(cyd.token), { unit: 'coin', balance: 0, available: 0, debt: 100 })
    await send(event('charge.dispute.closed', { ...dispute, status: 'won' }))
    assert.deepEqual(await balance(cyd.token), { unit: 'coin', balance: 400, available: 400, debt: 0 })
    const receipt = (await body(await t.request('GET', `/api/v1/coins/purchases/${p.id}`, { token: cyd.token }))).data
    assert.deepEqual(receipt.adjustments.map((a: any) => [a.kind, a.coins_taken, a.coins_owed]), [['dispute', 400, 100], ['dispute_won', -400, -100]])
    // A refund after the won dispute still takes everything back: the reversal of the credit, then a plain transfer.
    const refund = await send(event('charge.refunded', { id: 'ch_cy', object: 'charge', amount: 499, amount_refunded: 499, payment_intent: `pi_for_${p.id}` }))
    assert.equal((await body(refund)).data.outcome, 'coins taken 400, owed 100')
    assert.deepEqual(await balance(cyd.token), { unit: 'coin', balance: 0, available: 0, debt: 100 })
    // A lost dispute changes nothing more.
    assert.match((await body(await send(event('charge.dispute.closed', { ...dispute, id: 'dp_cy2', status: 'lost' })))).data.outcome, /nothing to change/)
  })

  it('refunds a card purchase from the operator’s API through the stand-in of Stripe’s API; the coins go when Stripe’s charge.refunded arrives', async () => {
    await t.h.users.create({ username: 'stripe_boss', email: 'stripe_boss@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
    const token = (await body(await t.request('POST', '/api/v1/users/login', { json: { login: 'stripe_boss', password: PASSWORD } }))).data.token as string
    const dee = await t.register('dee')
    const p = await startPurchase(dee.token)
    await send(event('checkout.session.completed', session(p)))
    const before = standIn.requests.length
    const res = await t.request('POST', `/api/v1/coins/admin/purchases/${p.id}/refund`, { token })
    assert.equal(res.status, 200)
    const call = standIn.requests[before]!
    assert.equal(call.path, 'POST /v1/refunds')
    assert.equal(call.form.get('payment_intent'), `pi_for_${p.id}`)
    assert.equal(call.idempotencyKey, `hearth-coins-refund-${p.id}-0`)
    assert.equal((await balance(dee.token)).balance, 500, 'nothing moves before Stripe confirms')
    await send(event('charge.refunded', { id: `ch_${p.id}`, object: 'charge', amount: 499, amount_refunded: 499, payment_intent: `pi_for_${p.id}` }))
    assert.equal((await balance(dee.token)).balance, 0)
    assert.equal((await body(await t.request('POST', `/api/v1/coins/admin/purchases/${p.id}/refund`, { token }))).error!.code, 'ALREADY_REFUNDED')
    assert.equal((await t.request('POST', `/api/v1/coins/admin/purchases/${p.id}/refund`, { token: dee.token })).status, 403)
    // Stripe refusing the refund: a readable 503, nothing changed.
    const q = await startPurchase(dee.token)
    await send(event('checkout.session.completed', session(q)))
    standIn.fail = true
    const refused = await t.request('POST', `/api/v1/coins/admin/purchases/${q.id}/refund`, { token })
    standIn.fail = false
    assert.equal(refused.status, 503)
    assert.equal((await body(refused)).error!.code, 'GATEWAY_FAILED')
    assert.equal((await balance(dee.token)).balance, 500)
    // The same from the admin page, without JavaScript.
    const web = t.agent('10.0.0.7')
    await web.loginViaForm('stripe_boss')
    assert.match(await web.text('/coins/admin'), new RegExp(`action="/coins/admin/purchases/${q.id}/refund"`))
    const asked = await web.post(`/coins/admin/purchases/${q.id}/refund`, {})
    assert.equal(asked.status, 303)
    assert.equal(asked.headers.get('location'), '/coins/admin?notice=refund-asked')
    assert.equal(standIn.requests.at(-1)!.path, 'POST /v1/refunds')
  })

  it('ignores refunds of payments that are not ours', async () => {
    const res = await send(event('charge.refunded', { id: 'ch_other', object: 'charge', amount: 1000, amount_refunded: 1000, payment_intent: 'pi_unknown' }))
    assert.match((await body(res)).data.outcome, /^ignored/)
  })

  it('leaves a ledger that `hearth ledger verify` finds balanced, and `hearth plugin info` hides the secrets', async () => {
    assert.equal((await t.h.ledger.verify()).ok, true)
    const bin = fileURLToPath(new URL('../../bin/hearth.js', import.meta.url))
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'ledger', 'verify', '--data', dataDir, '--json'])
    const report = JSON.parse(stdout) as { ok: boolean; problems: string[]; transfers: number }
    assert.deepEqual(report.problems, [])
    assert.equal(report.ok, true)
    assert.ok(report.transfers > 10)
    // `hearth plugin info` shows the Stripe secrets only as set.
    const info = JSON.parse((await promisify(execFile)(process.execPath, [bin, 'plugin', 'info', 'coins', '--data', dataDir, '--json'])).stdout) as { values: Record<string, unknown> }
    assert.equal(info.values.stripe_secret_key, '(set)')
    assert.equal(info.values.stripe_webhook_secret, '(set)')
    assert.equal(info.values.manual_enabled, false)
  })
})

/** A small deterministic random source (mulberry32), so a failing sequence can be run again. */
function random(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]! }
}

describe('coins purchases: random sequences of purchases, spending, refunds, chargebacks, replays and reversals', () => {
  let t: TestApp
  let standIn: StandIn
  const SEED = Number(process.env.COINS_SEED ?? 20261205)

  before(async () => {
    standIn = await stripeStandIn()
    process.env.HEARTH_STRIPE_API_URL = standIn.url
    t = await createTestApp({ enable: ['coins'] })
    await t.h.settings.write('plugin.coins.stripe_secret_key', SECRET_KEY)
    await t.h.settings.write('plugin.coins.stripe_webhook_secret', WEBHOOK_SECRET)
    await t.h.settings.write('plugin.coins.manual_enabled', true)
    await t.h.settings.write('plugin.coins.manual_instructions', 'IBAN DE02 1203 0000 0000 2020 51')
  })
  after(async () => {
    await t.close()
    standIn.server.close()
    delete process.env.HEARTH_STRIPE_API_URL
  })

  it(`keeps every wallet at zero or above, every purchase's sums consistent and the ledger balanced after each step (seed ${SEED})`, { timeout: 120_000 }, async () => {
    const rnd = random(SEED)
    const sql = t.h.store.sqlite
    const packs = [
      (sql.prepare("insert into coins_packs (coins, price, currency) values (500, 499, 'EUR') returning id").get() as { id: number }).id,
      (sql.prepare("insert into coins_packs (coins, price, currency) values (120, 100, 'EUR') returning id").get() as { id: number }).id,
      (sql.prepare("insert into coins_packs (coins, price, currency) values (7, 3, 'EUR') returning id").get() as { id: number }).id,
    ]
    const members = await Promise.all(['pia', 'quin', 'rui'].map((u) => t.register(u)))
    await t.h.users.create({ username: 'prop_boss', email: 'prop_boss@example.org', password: PASSWORD }, { role: 'admin', actorId: null })
    const adminToken = (await body(await t.request('POST', '/api/v1/users/login', { json: { login: 'prop_boss', password: PASSWORD } }))).data.token as string
    const sent: object[] = []
    const deliverOk = async (e: object) => {
      const res = await send(e)
      assert.equal(res.status, 200, JSON.stringify(await res.clone().json()))
      sent.push(e)
    }
    const send = (e: object) => {
      const payload = JSON.stringify(e)
      return t.request('POST', '/api/v1/coins/webhooks/stripe', { body: payload, headers: { 'content-type': 'application/json', 'stripe-signature': signature(payload) } })
    }
    const spent = new Map<number, number>()
    const counts: Record<string, number> = {}
    let n = 0

    const paidStripe = () => sql.prepare("select * from coins_purchases where gateway = 'stripe' and status = 'paid'").all() as any[]
    const steps: Record<string, () => Promise<boolean>> = {
      async buyByCard() {
        const m = rnd.pick(members)
        const res = await t.request('POST', '/api/v1/coins/purchases', { token: m.token, json: { pack_id: rnd.pick(packs), gateway: 'stripe' } })
        if (res.status === 429) return false
        const p = (await body(res)).data.purchase
        await deliverOk(event('checkout.session.completed', { id: p.reference, object: 'checkout.session', client_reference_id: String(p.id), amount_total: p.amount, currency: 'eur', payment_status: 'paid', payment_intent: `pi_prop_${p.id}` }))
        return true
      },
      async buyByTransfer() {
        const m = rnd.pick(members)
        const res = await t.request('POST', '/api/v1/coins/purchases', { token: m.token, json: { pack_id: rnd.pick(packs), gateway: 'manual' } })
        if (res.status !== 201) return false
        const p = (await body(res)).data.purchase
        const ok = await t.request('POST', `/api/v1/coins/admin/purchases/${p.id}/confirm`, { token: adminToken, json: { payment_ref: `PROP-${p.id}` } })
        assert.equal(ok.status, 200)
        return true
      },
      async spend() {
        const m = rnd.pick(members)
        const available = (await t.h.ledger.findAccount({ kind: 'member_coins', userId: m.id, unit: 'coin' }))?.available ?? 0
        if (available < 1) return false
        const amount = 1 + rnd.int(available)
        await t.h.ledger.transfer({ key: `prop:spend:${++n}`, debit: { kind: 'member_coins', userId: m.id, unit: 'coin' }, credit: { kind: 'platform_commission', name: 'prop', unit: 'coin' }, amount })
        spent.set(m.id, (spent.get(m.id) ?? 0) + amount)
        return true
      },
      async refund() {
        const ps = paidStripe().filter((p) => p.refunded_amount + p.disputed_amount < p.amount)
        if (!ps.length) return false
        const p = rnd.pick(ps)
        const refunded = p.refunded_amount + 1 + rnd.int(p.amount - p.refunded_amount - p.disputed_amount)
        await deliverOk(event('charge.refunded', { id: `ch_${p.id}`, object: 'charge', amount: p.amount, amount_refunded: refunded, payment_intent: p.payment_ref }))
        return true
      },
      async dispute() {
        const ps = paidStripe().filter((p) => p.disputed_amount === 0 && p.refunded_amount < p.amount)
        if (!ps.length) return false
        const p = rnd.pick(ps)
        await deliverOk(event('charge.dispute.created', { id: `dp_${p.id}`, object: 'dispute', amount: p.amount - p.refunded_amount, payment_intent: p.payment_ref, status: 'needs_response' }))
        return true
      },
      async disputeClosed() {
        const ps = paidStripe().filter((p) => p.disputed_amount > 0)
        if (!ps.length) return false
        const p = rnd.pick(ps)
        await deliverOk(event('charge.dispute.closed', { id: `dp_${p.id}`, object: 'dispute', amount: p.disputed_amount, payment_intent: p.payment_ref, status: rnd.pick(['won', 'lost']) }))
        return true
      },
      async replay() {
        if (!sent.length) return false
        const res = await send(rnd.pick(sent))
        assert.equal((await body(res)).data.duplicate, true)
        return true
      },
      async reverse() {
        const ps = sql.prepare("select id from coins_purchases where gateway = 'manual' and status = 'paid' and reversed_coins < coins").all() as { id: number }[]
        if (!ps.length) return false
        const res = await t.request('POST', `/api/v1/coins/admin/purchases/${rnd.pick(ps).id}/reverse`, { token: adminToken, json: { note: 'bounced' } })
        assert.equal(res.status, 200)
        return true
      },
    }
    const names = Object.keys(steps)
    const weights = { buyByCard: 4, buyByTransfer: 2, spend: 4, refund: 2, dispute: 1, disputeClosed: 1, replay: 2, reverse: 1 } as Record<string, number>
    const bag = names.flatMap((k) => Array(weights[k]).fill(k) as string[])
    for (let step = 0; step < 160; step++) {
      const name = rnd.pick(bag)
      if (!(await steps[name]!())) continue
      counts[name] = (counts[name] ?? 0) + 1
      const report = await t.h.ledger.verify()
      assert.deepEqual(report.problems, [], `after step ${step} (${name})`)
      for (const m of members) {
        const w = (await body(await t.request('GET', '/api/v1/coins/balance', { token: m.token }))).data
        assert.ok(w.balance >= 0 && w.available >= 0, `wallet of ${m.id} after step ${step} (${name})`)
        const sums = sql
          .prepare(
            `select coalesce((select sum(coins) from coins_purchases where user_id = ? and transfer_id is not null), 0) as credited,
                    coalesce((select sum(a.coins_taken) from coins_purchase_adjustments a join coins_purchases p on p.id = a.purchase_id where p.user_id = ?), 0) as taken,
                    coalesce((select sum(a.coins_owed) from coins_purchase_adjustments a join coins_purchases p on p.id = a.purchase_id where p.user_id = ?), 0) as owed,
                    coalesce((select sum(debt_coins) from coins_purchases where user_id = ?), 0) as debt`,
          )
          .get(m.id, m.id, m.id, m.id) as { credited: number; taken: number; owed: number; debt: number }
        assert.equal(w.balance, sums.credited - sums.taken - (spent.get(m.id) ?? 0), `every coin accounted for (member ${m.id}, step ${step}, ${name})`)
        assert.equal(w.debt, sums.owed, 'debts are what adjustments owed, less what was paid')
        assert.equal(w.debt, sums.debt)
      }
      for (const p of sql.prepare('select * from coins_purchases where transfer_id is not null').all() as any[]) {
        const target = Math.min(p.coins, Math.ceil((p.coins * Math.min(p.refunded_amount + p.disputed_amount, p.amount)) / p.amount))
        assert.equal(p.reversed_coins, target, `purchase ${p.id}: coins given back match the money returned`)
      }
    }
    for (const k of ['buyByCard', 'spend', 'refund', 'replay']) assert.ok((counts[k] ?? 0) > 3, `the sequence exercised ${k}: ${JSON.stringify(counts)}`)
  })
})
