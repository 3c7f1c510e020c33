// Coins in the operators' console: who may see wallets and freeze them, what a frozen wallet refuses (with no coin
// moved), the pages without JS and their bad input, staff actions on purchases in the audit log, and the dashboard's
// coin figures counted by core's rollup.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type Agent, type TestApp } from '../../test/harness.js'

type Json = { status: string; data: any; error?: { code: string; message: string; details: any } }
type User = { id: number; token: string; name: string }

describe('coins in the console: wallets, freezing, audit, figures', () => {
  let t: TestApp
  const u: Record<string, User> = {}
  let credits = 0
  let rose: number
  let pack: number
  let anaPost: number
  let boss: Agent

  const api = async (method: string, path: string, who?: User, json?: unknown) => {
    const res = await t.request(method, path, { token: who?.token, json })
    return { status: res.status, body: (await res.json()) as Json }
  }
  const credit = (who: User, amount: number) =>
    t.h.ledger.transfer({ key: `test:credit:${++credits}`, debit: { kind: 'world', name: 'test', unit: 'coin' }, credit: { kind: 'member_coins', userId: who.id, unit: 'coin' }, amount })
  const transfers = () => (t.h.store.sqlite.prepare('select count(*) as n from ledger_transfers').get() as { n: number }).n
  const audits = (action: string) => t.h.store.sqlite.prepare('select actor_id, target_id, details from audit_log where action = ? order by id').all(action) as { actor_id: number; target_id: string; details: string }[]
  const gift = (who: User, target: { kind: string; id: number }) => api('POST', `/api/v1/coins/gifts/${rose}/send`, who, { target })

  async function refused(call: Promise<{ status: number; body: Json }>, status: number, code: string) {
    const before = transfers()
    const r = await call
    assert.equal(r.status, status, JSON.stringify(r.body))
    assert.equal(r.body.error?.code, code, JSON.stringify(r.body))
    assert.equal(transfers(), before, 'no transfer')
    return r
  }

  before(async () => {
    t = await createTestApp({ enable: ['coins'] })
    const coinsSettings = { manual_enabled: true, manual_instructions: 'IBAN DE02 1203 0000 0000 2020 51', gift_hold_days: 0, withdrawal_minimum: 1 }
    for (const [k, v] of Object.entries(coinsSettings)) await t.h.settings.write(`plugin.coins.${k}`, v)
    for (const name of ['boss', 'mod', 'cash', 'ana', 'ben']) u[name] = { ...(await t.register(name)), name }
    await t.h.users.setRole(u.boss!.id, 'admin', null)
    await t.h.users.setRole(u.mod!.id, 'moderator', null)
    // A custom role that may view money and nothing else.
    assert.equal((await api('POST', '/api/v1/admin/roles', u.boss, { name: 'money', label: 'Money', permissions: ['view_money'] })).status, 201)
    assert.equal((await api('PUT', `/api/v1/admin/users/${u.cash!.id}/roles`, u.boss, { staff_role: 'money' })).status, 200)
    rose = (await api('POST', '/api/v1/coins/admin/gifts', u.boss, { name: 'Rose', price: 10, icon: 'rose', position: 1 })).body.data.id
    pack = (await api('POST', '/api/v1/coins/admin/packs', u.boss, { coins: 100, price: 199, currency: 'EUR', position: 1, active: true })).body.data.id
    anaPost = (await api('POST', '/api/v1/posts', u.ana, { text: 'A painting' })).body.data.id
    boss = t.agent('10.0.0.9')
    assert.equal((await boss.loginViaForm('boss')).status, 303)
  })
  after(async () => {
    const report = await t.h.ledger.verify()
    assert.deepEqual(report.problems, [])
    await t.close()
  })

  it('shows a wallet to staff who may view money, and only admins freeze it', async () => {
    await credit(u.ben!, 100)
    const seen = await api('GET', '/api/v1/admin/coins/wallets/ben', u.cash)
    assert.equal(seen.status, 200)
    assert.equal(seen.body.data.coins, 100)
    assert.equal(seen.body.data.frozen, null)
    assert.equal((await api('GET', '/api/v1/admin/coins/wallets/ben/history', u.cash)).body.data.length, 1)
    assert.equal((await api('GET', '/api/v1/admin/coins', u.cash)).status, 200)
    // A moderator moderates; money is not theirs to see. A member sees nothing of the console.
    assert.equal((await api('GET', '/api/v1/admin/coins/wallets/ben', u.mod)).status, 403)
    assert.equal((await api('GET', '/api/v1/admin/coins/wallets/ben', u.ana)).status, 403)
    await refused(api('POST', '/api/v1/admin/coins/wallets/ben/freeze', u.cash, { reason: 'Chargebacks' }), 403, 'FORBIDDEN')
    assert.equal((await api('GET', '/api/v1/admin/coins/wallets/nobody', u.cash)).status, 404)
  })

  it('refuses a freeze without a reason, with too long a reason, or of a member who does not exist', async () => {
    await refused(api('POST', '/api/v1/admin/coins/wallets/ben/freeze', u.boss, { reason: '  ' }), 400, 'VALIDATION_FAILED')
    await refused(api('POST', '/api/v1/admin/coins/wallets/ben/freeze', u.boss, { reason: 'x'.repeat(501) }), 400, 'VALIDATION_FAILED')
    await refused(api('POST', '/api/v1/admin/coins/wallets/ben/freeze', u.boss, {}), 400, 'VALIDATION_FAILED')
    await refused(api('POST', '/api/v1/admin/coins/wallets/nobody/freeze', u.boss, { reason: 'Fraud' }), 404, 'NOT_FOUND')
    assert.equal((await api('GET', '/api/v1/admin/coins/wallets/ben', u.boss)).body.data.frozen, null)
  })

  it('a frozen wallet cannot buy, give, receive or withdraw, and moves again once thawed; both steps audited', async () => {
    await credit(u.ana!, 50)
    // Earnings ben could withdraw, from a gift before the freeze (hold 0: available at once).
    assert.equal((await gift(u.ana!, { kind: 'profile', id: u.ben!.id })).status, 201)
    const frozen = await api('POST', '/api/v1/admin/coins/wallets/ben/freeze', u.boss, { reason: 'Three chargebacks this week' })
    assert.deepEqual(frozen.body.data, { frozen: true })
    assert.deepEqual((await api('POST', '/api/v1/admin/coins/wallets/ben/freeze', u.boss, { reason: 'Again' })).body.data, { frozen: false }, 'freezing twice changes nothing')
    const wallet = (await api('GET', '/api/v1/admin/coins/wallets/ben', u.cash)).body.data
    assert.equal(wallet.frozen.reason, 'Three chargebacks this week')
    assert.equal(wallet.frozen.by, 'boss')
    assert.equal(wallet.earnings_available, 8)

    const sent = await refused(gift(u.ben!, { kind: 'post', id: anaPost }), 403, 'WALLET_FROZEN')
    assert.match(sent.body.error!.message, /frozen/)
    await refused(gift(u.ana!, { kind: 'profile', id: u.ben!.id }), 403, 'GIFTS_NOT_ACCEPTED')
    const purchases = () => (t.h.store.sqlite.prepare('select count(*) as n from coins_purchases').get() as { n: number }).n
    const before = purchases()
    await refused(api('POST', '/api/v1/coins/purchases', u.ben, { pack_id: pack, gateway: 'manual' }), 403, 'WALLET_FROZEN')
    assert.equal(purchases(), before, 'no purchase started')
    await refused(api('POST', '/api/v1/coins/withdrawals', u.ben, { amount: 1, method: 'bank', details: 'DE89 3704 0044 0532 0130 00' }), 403, 'WALLET_FROZEN')

    assert.deepEqual((await api('DELETE', '/api/v1/admin/coins/wallets/ben/freeze', u.boss)).body.data, { thawed: true })
    assert.deepEqual((await api('DELETE', '/api/v1/admin/coins/wallets/ben/freeze', u.boss)).body.data, { thawed: false })
    assert.equal((await gift(u.ben!, { kind: 'post', id: anaPost })).status, 201, 'a thawed wallet gives again')
    assert.equal(audits('coins.wallet.frozen').length, 1)
    assert.equal(audits('coins.wallet.thawed').length, 1)
    assert.ok(audits('coins.wallet.frozen').every((a) => a.actor_id === u.boss!.id && a.target_id === String(u.ben!.id)))
  })

  it('the pages work without JavaScript: find a wallet, freeze with a reason, a missing reason shown on the page, thaw', async () => {
    const found = await boss.get('/admin/coins?username=%40ben')
    assert.equal(found.status, 303)
    assert.equal(found.headers.get('location'), '/admin/coins/wallets/ben')
    const page = await boss.text('/admin/coins/wallets/ben')
    assert.match(page, /Coins of/)
    assert.match(page, /data-frozen="no"/)
    assert.match(page, /data-transfer=/, 'the history is listed')

    const empty = await boss.post('/admin/coins/wallets/ben/freeze', { reason: '' })
    assert.equal(empty.status, 400)
    assert.match(await empty.text(), /Say why the wallet is frozen/)
    const done = await boss.post('/admin/coins/wallets/ben/freeze', { reason: 'Bought with a stolen card' })
    assert.equal(done.status, 303)
    assert.equal(done.headers.get('location'), '/admin/coins/wallets/ben?notice=frozen')
    assert.match(await boss.text('/admin/coins/wallets/ben?notice=frozen'), /The wallet is frozen\.[\s\S]*Bought with a stolen card/)
    assert.match(await boss.text('/admin/coins'), /data-frozen-wallets[\s\S]*@ben/)
    assert.equal((await boss.post('/admin/coins/wallets/ben/thaw', {})).status, 303)
    assert.match(await boss.text('/admin/coins/wallets/ben'), /data-frozen="no"/)
    // A name that cannot be a member's answers as missing.
    assert.equal((await boss.get('/admin/coins/wallets/..%2Fx')).status, 404)
  })

  it('audits staff actions on packs and purchases', async () => {
    assert.ok(audits('coins.pack.created').some((a) => a.target_id === String(pack)))
    const granted = await api('POST', '/api/v1/coins/admin/grants', u.boss, { username: 'ana', pack_id: pack, payment_ref: 'BANK-2026-0001', note: '' })
    assert.equal(granted.status, 201, JSON.stringify(granted.body))
    const row = audits('coins.purchase.granted').at(-1)!
    assert.equal(row.actor_id, u.boss!.id)
    assert.equal(JSON.parse(row.details).payment_ref, 'BANK-2026-0001')
    const id = granted.body.data.id
    assert.equal((await api('POST', `/api/v1/coins/admin/purchases/${id}/reverse`, u.boss, { note: 'The bank sent it back' })).status, 200)
    assert.equal(audits('coins.purchase.reversed').at(-1)!.target_id, String(id))
  })

  it('counts coins bought, given and the commission per day for the dashboard, shown to those who may view money', async () => {
    assert.equal((await api('POST', '/api/v1/admin/dashboard/refresh', u.boss)).status, 200)
    const tiles = (who: User) => api('GET', '/api/v1/admin/dashboard?period=7', who)
    const data = (await tiles(u.cash!)).body.data
    const flow = data.tiles.find((x: { id: string }) => x.id === 'coins-flow')
    assert.ok(flow, JSON.stringify(data.tiles.map((x: { id: string }) => x.id)))
    const figure = (id: string) => flow.series.find((s: { id: string }) => s.id === id).figure
    assert.equal(figure('coins.bought'), 100, 'the pack granted')
    assert.equal(figure('coins.gifted'), 20, 'two roses')
    const commission = data.tiles.find((x: { id: string }) => x.id === 'coins-commission').series[0].figure
    assert.equal(commission, 4, '20 % of two roses')
    const modTiles = (await tiles(u.mod!)).body.data.tiles.map((x: { id: string }) => x.id)
    assert.ok(!modTiles.includes('coins-flow'), 'a moderator does not see money')
  })
})
