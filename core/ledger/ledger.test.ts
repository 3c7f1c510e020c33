// The ledger: idempotent transfers, accounts that never go negative (also across processes), linked and pending transfers, reversals, verify and export.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { tempDir } from '../../test/harness.js'
import { openStore, type Store } from '../db/connect.js'
import { CORE_MIGRATIONS, migrateOwner } from '../db/migrate.js'
import { AppError } from '../errors.js'
import { createLedgerService, csvField, type AccountSpec, type LedgerService } from './service.js'

const world: AccountSpec = { kind: 'world', name: 'stripe', unit: 'coin' }
const coins = (userId: number): AccountSpec => ({ kind: 'member_coins', userId, unit: 'coin' })
const hold = (userId: number): AccountSpec => ({ kind: 'earnings_hold', userId, unit: 'coin' })
const fee: AccountSpec = { kind: 'platform_commission', name: 'gifts', unit: 'coin' }

/** Asserts that `p` rejects with an AppError of `code`. */
async function refused(p: Promise<unknown>, code: string): Promise<AppError> {
  try {
    await p
  } catch (err) {
    assert.ok(err instanceof AppError, `an AppError, got ${err}`)
    assert.equal(err.code, code, err.message)
    return err
  }
  assert.fail(`expected ${code}`)
}

describe('ledger', () => {
  let store: Store
  let ledger: LedgerService
  let clock = new Date('2026-12-05T10:00:00.000Z')
  const dir = tempDir()
  const count = async () => (await sql<{ n: number }>`select count(*) as n from ledger_transfers`.execute(store.db)).rows[0]!.n
  const available = async (spec: AccountSpec) => (await ledger.findAccount(spec))?.available ?? 0

  before(async () => {
    store = openStore(join(dir, 'hearth.db'))
    await migrateOwner(store.db, 'core', CORE_MIGRATIONS)
    ledger = createLedgerService(store.db, { now: () => clock })
  })
  after(() => store.close())

  it('makes one transfer of a key used twice, and answers the second call with the first transfer', async () => {
    const first = await ledger.transfer({ key: 'buy:1', debit: world, credit: coins(1), amount: 500, meta: { pack: 'small', ref: 'cs_1' } })
    const again = await ledger.transfer({ key: 'buy:1', debit: world, credit: coins(1), amount: 500, meta: { ref: 'cs_1', pack: 'small' } })
    assert.deepEqual(again, first)
    assert.equal(await count(), 1)
    assert.equal(await available(coins(1)), 500)
    assert.equal((await ledger.findAccount(world))!.balance, -500, 'the outside world goes negative as money comes in')
  })

  it('refuses a used key with other values as IDEMPOTENCY_CONFLICT and changes nothing', async () => {
    await refused(ledger.transfer({ key: 'buy:1', debit: world, credit: coins(1), amount: 501 }), 'IDEMPOTENCY_CONFLICT')
    await refused(ledger.transfer({ key: 'buy:1', debit: world, credit: coins(2), amount: 500, meta: { pack: 'small', ref: 'cs_1' } }), 'IDEMPOTENCY_CONFLICT')
    assert.equal(await count(), 1)
    assert.equal(await ledger.findAccount(coins(2)), null, 'the account the refused call named was not left behind')
  })

  it('refuses bad amounts, keys, units and accounts with a clear error', async () => {
    for (const amount of [0, -5, 1.5, Number.NaN, 2 ** 60]) await refused(ledger.transfer({ key: `bad:${amount}`, debit: world, credit: coins(1), amount }), 'VALIDATION_FAILED')
    await refused(ledger.transfer({ key: 'has space', debit: world, credit: coins(1), amount: 1 }), 'VALIDATION_FAILED')
    await refused(ledger.transfer({ key: 'units', debit: { kind: 'world', name: 'stripe', unit: 'EUR' }, credit: coins(1), amount: 1 }), 'VALIDATION_FAILED')
    await refused(ledger.transfer({ key: 'self', debit: coins(1), credit: coins(1), amount: 1 }), 'VALIDATION_FAILED')
    await refused(ledger.transfer({ key: 'nobody', debit: { kind: 'member_coins', name: 'x', unit: 'coin' }, credit: coins(1), amount: 1 }), 'VALIDATION_FAILED')
    await refused(ledger.transfer({ key: 'missing', debit: 999_999, credit: coins(1), amount: 1 }), 'NOT_FOUND')
    assert.equal(await count(), 1)
  })

  it('refuses to take a member account below zero with INSUFFICIENT_FUNDS', async () => {
    const err = await refused(ledger.transfer({ key: 'spend:too-much', debit: coins(1), credit: fee, amount: 501 }), 'INSUFFICIENT_FUNDS')
    assert.equal(err.status, 422)
    assert.equal(await available(coins(1)), 500)
    assert.equal(await ledger.byKey('spend:too-much'), null)
  })

  it('makes linked transfers all together or not at all', async () => {
    await ledger.transfer({ key: 'buy:2', debit: world, credit: coins(2), amount: 100 })
    // 80 + 30 > 100: the second leg fails, so the first is undone.
    await refused(
      ledger.linked([
        { key: 'gift:1:share', debit: coins(2), credit: hold(3), amount: 80 },
        { key: 'gift:1:fee', debit: coins(2), credit: fee, amount: 30 },
      ]),
      'INSUFFICIENT_FUNDS',
    )
    assert.equal(await available(coins(2)), 100)
    assert.equal(await ledger.byKey('gift:1:share'), null)
    const made = await ledger.linked([
      { key: 'gift:2:share', debit: coins(2), credit: hold(3), amount: 80 },
      { key: 'gift:2:fee', debit: coins(2), credit: fee, amount: 20 },
    ])
    assert.equal(made.length, 2)
    assert.equal(await available(coins(2)), 0)
    assert.deepEqual(await ledger.linked([{ key: 'gift:2:share', debit: coins(2), credit: hold(3), amount: 80 }, { key: 'gift:2:fee', debit: coins(2), credit: fee, amount: 20 }]), made, 'a replayed batch answers the same transfers')
    await refused(ledger.linked([{ key: 'gift:2:share', debit: coins(2), credit: hold(3), amount: 80 }, { key: 'gift:3:fee', debit: coins(2), credit: fee, amount: 20 }]), 'IDEMPOTENCY_CONFLICT')
  })

  it('makes an account a batch names twice once, and sees each transfer’s effect on the next one’s check', async () => {
    await ledger.transfer({ key: 'buy:20', debit: world, credit: coins(20), amount: 50 })
    // hold(21) does not exist yet: both legs credit it, the first making it.
    const made = await ledger.linked([
      { key: 'twice:1', debit: coins(20), credit: hold(21), amount: 30 },
      { key: 'twice:2', debit: coins(20), credit: hold(21), amount: 20 },
    ])
    assert.equal(made[0]!.credit_account_id, made[1]!.credit_account_id)
    assert.equal((await ledger.findAccount(hold(21)))?.balance, 50)
    assert.equal(await available(coins(20)), 0)
    // The second leg's check reads the sums the first leg left, not those read when the batch began.
    await ledger.transfer({ key: 'buy:22', debit: world, credit: coins(22), amount: 50 })
    await refused(ledger.linked([{ key: 'twice:3', debit: coins(22), credit: hold(21), amount: 30 }, { key: 'twice:4', debit: coins(22), credit: fee, amount: 30 }]), 'INSUFFICIENT_FUNDS')
    assert.equal(await available(coins(22)), 50)
  })

  it('holds a pending amount, then posts it or voids it, once', async () => {
    await ledger.transfer({ key: 'buy:4', debit: world, credit: coins(4), amount: 100 })
    const p = await ledger.transfer({ key: 'withdraw:1', debit: coins(4), credit: { kind: 'pending_withdrawals', userId: 4, unit: 'coin' }, amount: 60, pending: true })
    let acct = (await ledger.findAccount(coins(4)))!
    assert.deepEqual([acct.balance, acct.available, acct.pending_out], [100, 40, 60])
    await refused(ledger.transfer({ key: 'spend:held', debit: coins(4), credit: fee, amount: 41 }), 'INSUFFICIENT_FUNDS')
    const posted = await ledger.post(p.id, { key: 'withdraw:1:paid', meta: { ref: 'bank-77' } })
    assert.equal(posted.type, 'post')
    assert.deepEqual(await ledger.post(p.id, { key: 'withdraw:1:paid', meta: { ref: 'bank-77' } }), posted, 'the same key posts once')
    const err = await refused(ledger.void(p.id, { key: 'withdraw:1:rejected' }), 'PENDING_RESOLVED')
    assert.equal(err.details.resolution, 'post')
    acct = (await ledger.findAccount(coins(4)))!
    assert.deepEqual([acct.balance, acct.available, acct.pending_out], [40, 40, 0])

    const q = await ledger.transfer({ key: 'withdraw:2', debit: coins(4), credit: { kind: 'pending_withdrawals', userId: 4, unit: 'coin' }, amount: 40, pending: true })
    assert.equal(await available(coins(4)), 0)
    await ledger.void(q.id, { key: 'withdraw:2:rejected' })
    assert.equal(await available(coins(4)), 40)
    await refused(ledger.post(q.id, { key: 'withdraw:2:paid' }), 'PENDING_RESOLVED')
    await refused(ledger.post(posted.id, { key: 'post-a-post' }), 'NOT_FOUND')
  })

  it('voids a pending transfer whose timeout passed, and refuses to post it', async () => {
    await ledger.transfer({ key: 'buy:5', debit: world, credit: coins(5), amount: 10 })
    const p = await ledger.transfer({ key: 'hold:5', debit: coins(5), credit: fee, amount: 10, pending: true, timeoutSeconds: 60 })
    assert.equal(p.timeout_at, '2026-12-05T10:01:00.000Z')
    assert.equal(await ledger.expirePending(), 0, 'not yet')
    clock = new Date('2026-12-05T10:01:00.000Z')
    await refused(ledger.post(p.id, { key: 'hold:5:post' }), 'PENDING_EXPIRED')
    assert.equal(await ledger.expirePending(), 1)
    assert.equal(await ledger.expirePending(), 0, 'each is voided once')
    assert.equal((await ledger.byKey(`ledger:expired:${p.id}`))?.type, 'void')
    assert.equal(await available(coins(5)), 10)
    await refused(ledger.transfer({ key: 'hold:6', debit: coins(5), credit: fee, amount: 1, timeoutSeconds: 60 }), 'VALIDATION_FAILED')
  })

  it('gives a purchase back with a compensating transfer, never more than it was', async () => {
    const buy = await ledger.transfer({ key: 'buy:6', debit: world, credit: coins(6), amount: 300 })
    const part = await ledger.reverse(buy.id, { key: 'refund:6a', amount: 100, meta: { reason: 'refund' } })
    assert.deepEqual([part.debit_account_id, part.credit_account_id, part.reverses_id, part.amount], [buy.credit_account_id, buy.debit_account_id, buy.id, 100])
    assert.deepEqual(await ledger.reverse(buy.id, { key: 'refund:6a', amount: 100, meta: { reason: 'refund' } }), part)
    await refused(ledger.reverse(buy.id, { key: 'refund:6b', amount: 201 }), 'REVERSAL_TOO_LARGE')
    await ledger.transfer({ key: 'spend:6', debit: coins(6), credit: fee, amount: 150 })
    // A chargeback of the rest: the member spent some of it, and the wallet may not go negative.
    await refused(ledger.reverse(buy.id, { key: 'chargeback:6' }), 'INSUFFICIENT_FUNDS')
    await ledger.reverse(buy.id, { key: 'chargeback:6', amount: 50 })
    assert.equal(await available(coins(6)), 0)
    assert.equal((await ledger.get(buy.id))?.amount, 300, 'the purchase itself is unchanged')
  })

  it('commits a transfer with the caller’s transaction, and a refused one leaves the caller’s writes', async () => {
    await store.db.transaction().execute(async (trx) => {
      await sql`create table side (note text)`.execute(trx)
      await sql`insert into side values ('kept')`.execute(trx)
      await refused(ledger.transfer({ key: 'spend:7', debit: coins(7), credit: fee, amount: 1 }, { db: trx }), 'INSUFFICIENT_FUNDS')
      await ledger.transfer({ key: 'buy:7', debit: world, credit: coins(7), amount: 7 }, { db: trx })
    })
    assert.equal((await sql<{ n: number }>`select count(*) as n from side`.execute(store.db)).rows[0]!.n, 1)
    assert.equal(await available(coins(7)), 7)
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        await ledger.transfer({ key: 'buy:8', debit: world, credit: coins(8), amount: 8 }, { db: trx })
        throw new Error('the caller fails later')
      }),
      /the caller fails later/,
    )
    assert.equal(await ledger.byKey('buy:8'), null, 'rolled back with the caller')
  })

  it('keeps transfers immutable and protected accounts non-negative even against direct SQL', async () => {
    assert.throws(() => store.sqlite.prepare("update ledger_transfers set amount = 1 where key = 'buy:1'").run(), /immutable/)
    assert.throws(() => store.sqlite.prepare("delete from ledger_transfers where key = 'buy:1'").run(), /never deleted/)
    assert.throws(() => store.sqlite.prepare("update ledger_accounts set debits_posted = debits_posted + 1 where key = 'member_coins:u2:coin'").run(), /CHECK constraint/)
  })

  it('verifies a ledger that balances, and finds a stored balance changed behind its back', async () => {
    const ok = await ledger.verify()
    assert.deepEqual(ok.problems, [])
    assert.ok(ok.ok && ok.transfers > 10 && ok.accounts > 5)
    store.sqlite.prepare("update ledger_accounts set credits_posted = credits_posted + 5 where key = 'member_coins:u1:coin'").run()
    const bad = await ledger.verify()
    assert.equal(bad.ok, false)
    assert.ok(bad.problems.some((p) => /member_coins:u1:coin.*stores debits 0, credits 505/.test(p)), bad.problems.join(' '))
    assert.ok(bad.problems.some((p) => /coin accounts sum to 5 posted/.test(p)), bad.problems.join(' '))
    store.sqlite.prepare("update ledger_accounts set credits_posted = credits_posted - 5 where key = 'member_coins:u1:coin'").run()
    assert.equal((await ledger.verify()).ok, true)
  })

  it('lists an account’s history newest first, with the other side of each transfer, a page at a time', async () => {
    const acct = (await ledger.findAccount(coins(6)))!
    const first = await ledger.history(acct.id, { limit: 2 })
    assert.deepEqual(first.items.map((e) => [e.transfer.key, e.direction, e.counterpart.kind]), [
      ['chargeback:6', 'out', 'world'],
      ['spend:6', 'out', 'platform_commission'],
    ])
    const rest = await ledger.history(acct.id, { limit: 2, cursor: first.nextCursor })
    assert.deepEqual(rest.items.map((e) => e.transfer.key), ['refund:6a', 'buy:6'])
    assert.equal(rest.nextCursor, null)
  })

  it('exports every transfer as CSV, oldest first, with spreadsheet formulas made inert', async () => {
    let csv = ''
    const n = await ledger.exportCsv((chunk) => void (csv += chunk))
    const lines = csv.trimEnd().split('\n')
    assert.equal(lines[0], 'id,created_at,key,type,debit_account,credit_account,amount,unit,pending_id,reverses_id,timeout_at,meta')
    assert.equal(lines.length, n + 1)
    assert.equal(lines[1], '1,2026-12-05T10:00:00.000Z,buy:1,posted,world:stripe:coin,member_coins:u1:coin,500,coin,,,,"{""pack"":""small"",""ref"":""cs_1""}"')
    assert.equal(csvField('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`)
    assert.equal(csvField(-3), '-3')
  })

  it('lets exactly what a wallet holds be spent when two processes race for it', async () => {
    await ledger.transfer({ key: 'buy:race', debit: world, credit: coins(1), amount: 10 })
    await ledger.transfer({ key: 'drain:race', debit: coins(1), credit: fee, amount: 500 })
    assert.equal(await available(coins(1)), 10)
    const file = join(dir, 'hearth.db')
    const racers = ['a', 'b'].map((name) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../test/fixtures/ledger/racer.ts'), file, name, '30'], { stdio: ['pipe', 'pipe', 'inherit'] })
      const lines = createInterface({ input: child.stdout! })
      const iter = lines[Symbol.asyncIterator]()
      return { child, next: async () => (await iter.next()).value as string }
    })
    for (const r of racers) assert.equal(await r.next(), 'ready')
    for (const r of racers) r.child.stdin!.write('go\n')
    const results = (await Promise.all(racers.map((r) => r.next()))).map((l) => JSON.parse(l) as { ok: number; refused: number })
    assert.equal(results[0]!.ok + results[1]!.ok, 10, JSON.stringify(results))
    assert.equal(results[0]!.refused + results[1]!.refused, 50)
    const acct = (await ledger.findAccount(coins(1)))!
    assert.equal(acct.available, 0)
    assert.equal((await ledger.verify()).ok, true)
  })
})
