// A property test of the money paths: random sequences of credits (standing in for purchases), refunds, gifts, hold
// releases, withdrawals, approvals, payments, rejections and cancellations, checked after every step against a model
// and against `ledger verify` (every transfer balances, sums equal stored balances, no protected account negative).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'

type User = { id: number; token: string; name: string }

/** A small seeded generator (mulberry32), so a failing sequence can be run again with COINS_SEED. */
function random(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)), pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]! }
}

const SEED = Number(process.env.COINS_SEED ?? 20261205)
const STEPS = Number(process.env.COINS_STEPS ?? 400)

describe(`coins: random sequences keep the ledger whole (seed ${SEED})`, () => {
  let t: TestApp
  const members: User[] = []
  let boss: User
  const gifts: { id: number; price: number; share: number; fee: number }[] = []

  const api = async (method: string, path: string, who: User, json?: unknown) => {
    const res = await t.request(method, path, { token: who.token, json })
    return { status: res.status, body: (await res.json()) as { data: any; error?: { code: string } } }
  }

  before(async () => {
    t = await createTestApp({ enable: ['coins'] })
    boss = { ...(await t.register('boss')), name: 'boss' }
    await t.h.users.setRole(boss.id, 'admin', null)
    for (const name of ['ana', 'ben', 'cal', 'dee', 'eve']) members.push({ ...(await t.register(name)), name })
    await t.h.plugins.loaded.get('coins')!.settings.set('withdrawal_minimum', 20)
    for (const price of [7, 30, 55]) {
      const g = (await api('POST', '/api/v1/coins/admin/gifts', boss, { name: `G${price}`, price })).body.data
      const fee = Math.floor((price * 20) / 100)
      gifts.push({ id: g.id, price, share: price - fee, fee })
    }
  })
  after(() => t.close())

  it(`${STEPS} random steps: the model and the ledger agree after each, and the ledger verifies`, async () => {
    const r = random(SEED)
    const model = new Map(members.map((m) => [m.id, { coins: 0, hold: 0, available: 0, withdrawing: 0, paid: 0 }]))
    let fees = 0
    const credits: { id: number; userId: number; left: number }[] = []
    const open = new Map<number, { userId: number; amount: number; status: 'requested' | 'approved' }>()
    const counts: Record<string, number> = {}
    const sql = t.h.store.sqlite
    const account = async (kind: 'member_coins' | 'member_earnings' | 'earnings_hold', userId: number) => t.h.ledger.findAccount({ kind, userId, unit: 'coin' })

    for (let step = 0; step < STEPS; step++) {
      const m = r.pick(members)
      const mm = model.get(m.id)!
      const action = r.pick(['credit', 'credit', 'refund', 'gift', 'gift', 'gift', 'gift', 'release', 'withdraw', 'withdraw', 'approve', 'pay', 'reject', 'cancel'])
      let outcome = 'ok'
      switch (action) {
        case 'credit': {
          const amount = r.int(1, 150)
          const tr = await t.h.ledger.transfer({ key: `prop:credit:${step}`, debit: { kind: 'world', name: 'prop', unit: 'coin' }, credit: { kind: 'member_coins', userId: m.id, unit: 'coin' }, amount })
          credits.push({ id: tr.id, userId: m.id, left: amount })
          mm.coins += amount
          break
        }
        case 'refund': {
          // A refund or chargeback: a compensating transfer, refused when the coins were spent already.
          const c = credits.filter((x) => x.left > 0)
          if (!c.length) break
          const credit = r.pick(c)
          const amount = r.int(1, credit.left)
          try {
            await t.h.ledger.reverse(credit.id, { key: `prop:refund:${step}`, amount })
            credit.left -= amount
            model.get(credit.userId)!.coins -= amount
          } catch (err) {
            assert.equal((err as { code?: string }).code, 'INSUFFICIENT_FUNDS')
            assert.ok(model.get(credit.userId)!.coins < amount)
            outcome = 'INSUFFICIENT_FUNDS'
          }
          break
        }
        case 'gift': {
          const to = r.pick(members.filter((x) => x.id !== m.id))
          const g = r.pick(gifts)
          const res = await api('POST', `/api/v1/coins/gifts/${g.id}/send`, m, { target: { kind: 'profile', id: to.id } })
          if (mm.coins >= g.price) {
            assert.equal(res.status, 201, JSON.stringify(res.body))
            mm.coins -= g.price
            model.get(to.id)!.hold += g.share
            fees += g.fee
          } else {
            assert.equal(res.body.error?.code, 'INSUFFICIENT_FUNDS')
            outcome = 'INSUFFICIENT_FUNDS'
          }
          break
        }
        case 'release': {
          sql.prepare("update coins_gift_sends set release_at = '2000-01-01T00:00:00.000Z' where released_at is null and id % 2 = ?").run(step % 2)
          const due = sql.prepare("select receiver_id, sum(share) as n from coins_gift_sends where released_at is null and release_at <= '2000-01-02' group by receiver_id").all() as { receiver_id: number; n: number }[]
          await t.h.scheduler.run('coins', 'release-holds')
          for (const d of due) {
            const x = model.get(d.receiver_id)!
            x.hold -= d.n
            x.available += d.n
          }
          break
        }
        case 'withdraw': {
          const amount = r.int(1, Math.max(1, mm.available + 10))
          const res = await api('POST', '/api/v1/coins/withdrawals', m, { amount, method: 'bank', details: 'IBAN XX00 0000' })
          if (amount < 20) {
            assert.equal(res.body.error?.code, 'BELOW_MINIMUM')
            outcome = 'BELOW_MINIMUM'
          } else if (amount > mm.available) {
            assert.equal(res.body.error?.code, 'INSUFFICIENT_FUNDS')
            outcome = 'INSUFFICIENT_FUNDS'
          } else {
            assert.equal(res.status, 201, JSON.stringify(res.body))
            open.set(res.body.data.id, { userId: m.id, amount, status: 'requested' })
            mm.available -= amount
            mm.withdrawing += amount
          }
          break
        }
        case 'approve':
        case 'pay':
        case 'reject':
        case 'cancel': {
          const ids = [...open.keys()]
          if (!ids.length) break
          const id = r.pick(ids)
          const w = open.get(id)!
          const owner = members.find((x) => x.id === w.userId)!
          const res =
            action === 'cancel'
              ? await api('POST', `/api/v1/coins/withdrawals/${id}/cancel`, owner)
              : await api('POST', `/api/v1/coins/admin/withdrawals/${id}/${action}`, boss, action === 'pay' ? { reference: `ref-${step}` } : action === 'reject' ? { reason: 'no' } : {})
          const allowed = action === 'approve' || action === 'cancel' ? w.status === 'requested' : true
          if (!allowed) {
            assert.equal(res.body.error?.code, 'WITHDRAWAL_DECIDED')
            outcome = 'WITHDRAWAL_DECIDED'
            break
          }
          assert.equal(res.status, 200, JSON.stringify(res.body))
          const x = model.get(w.userId)!
          if (action === 'approve') w.status = 'approved'
          else {
            open.delete(id)
            x.withdrawing -= w.amount
            if (action === 'pay') x.paid += w.amount
            else x.available += w.amount
          }
          break
        }
      }
      counts[`${action}:${outcome}`] = (counts[`${action}:${outcome}`] ?? 0) + 1

      const report = await t.h.ledger.verify()
      assert.deepEqual(report.problems, [], `step ${step} (${action}, seed ${SEED})`)
      for (const member of members) {
        const x = model.get(member.id)!
        const where = `step ${step} (${action}), @${member.name}, seed ${SEED}`
        assert.equal((await account('member_coins', member.id))?.available ?? 0, x.coins, `coins: ${where}`)
        assert.equal((await account('earnings_hold', member.id))?.balance ?? 0, x.hold, `hold: ${where}`)
        const earnings = await account('member_earnings', member.id)
        assert.equal(earnings?.available ?? 0, x.available, `available: ${where}`)
        assert.equal(earnings?.pending_out ?? 0, x.withdrawing, `withdrawing: ${where}`)
        for (const v of Object.values(x)) assert.ok(v >= 0, where)
      }
      assert.equal((await t.h.ledger.findAccount({ kind: 'platform_commission', name: 'gifts', unit: 'coin' }))?.balance ?? 0, fees)
    }
    // The sequence exercised every path, refusals included.
    for (const k of ['credit:ok', 'refund:ok', 'gift:ok', 'gift:INSUFFICIENT_FUNDS', 'release:ok', 'withdraw:ok', 'approve:ok', 'pay:ok', 'reject:ok']) assert.ok(counts[k], `${k} happened: ${JSON.stringify(counts)}`)
  })
})
