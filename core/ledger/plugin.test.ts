// ctx.core.ledger: the service as a plugin sees it, each plugin's keys kept apart by its name.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { tempDir } from '../../test/harness.js'
import { openStore, type Store } from '../db/connect.js'
import { CORE_MIGRATIONS, migrateOwner } from '../db/migrate.js'
import { pluginLedger } from './plugin.js'
import { createLedgerService } from './service.js'

describe('ctx.core.ledger', () => {
  let store: Store
  before(async () => {
    store = openStore(join(tempDir(), 'hearth.db'))
    await migrateOwner(store.db, 'core', CORE_MIGRATIONS)
  })
  after(() => store.close())

  it('stores a plugin’s keys under its name, so two plugins using one key make two transfers', async () => {
    const ledger = createLedgerService(store.db)
    const coins = pluginLedger(ledger, 'coins')
    const live = pluginLedger(ledger, 'live')
    const input = { key: 'grant:1', debit: { kind: 'world', name: 'manual', unit: 'coin' }, credit: { kind: 'member_coins', userId: 1, unit: 'coin' }, amount: 5 } as const
    const a = await coins.transfer(input)
    const b = await live.transfer(input)
    assert.equal(a.key, 'coins:grant:1')
    assert.equal(b.key, 'live:grant:1')
    assert.deepEqual(await coins.transfer(input), a)
    assert.equal((await coins.byKey('grant:1'))?.id, a.id)
    assert.equal(await coins.byKey('coins:grant:1'), null)
    assert.equal((await coins.findAccount(input.credit))?.balance, 10)
    const p = await coins.transfer({ key: 'hold:1', debit: input.credit, credit: { kind: 'platform_commission', name: 'gifts', unit: 'coin' }, amount: 3, pending: true })
    assert.equal((await coins.void(p.id, { key: 'hold:1:void' })).key, 'coins:hold:1:void')
    assert.equal((await coins.reverse(a.id, { key: 'refund:1' })).key, 'coins:refund:1')
    assert.equal((await ledger.verify()).ok, true)
  })
})
