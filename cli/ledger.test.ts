// `hearth ledger verify|export`, run as a real subprocess against one temporary data directory, in order.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import SQLite from 'better-sqlite3'
import { createTestApp, tempDir } from '../test/harness.js'
import { hearth, show } from '../test/cli.js'

describe('hearth ledger', () => {
  const dir = tempDir()
  before(async () => {
    const t = await createTestApp({ dataDir: dir })
    const { ledger } = t.h
    const world = { kind: 'world', name: 'manual', unit: 'coin' } as const
    const wallet = { kind: 'member_coins', userId: 1, unit: 'coin' } as const
    await ledger.transfer({ key: 'buy:1', debit: world, credit: wallet, amount: 500, meta: { ref: 'bank, "march"' } })
    await ledger.transfer({ key: 'gift:1', debit: wallet, credit: { kind: 'platform_commission', name: 'gifts', unit: 'coin' }, amount: 20 })
    await t.close()
  })

  test('verify says the ledger balances and exits 0', async () => {
    const r = await hearth(['ledger', 'verify', '--data', dir])
    assert.equal(r.code, 0, show(r))
    assert.equal(r.stdout, 'The ledger balances: 3 accounts, 2 transfers.\n')
  })

  test('export writes the transfers as CSV to standard output', async () => {
    const r = await hearth(['ledger', 'export', '--data', dir])
    assert.equal(r.code, 0, show(r))
    const lines = r.stdout.trimEnd().split('\n')
    assert.equal(lines.length, 3)
    assert.match(lines[1]!, /^1,[^,]+,buy:1,posted,world:manual:coin,member_coins:u1:coin,500,coin,,,,"\{""ref"":""bank, \\""march\\""""\}"$/)
    assert.match(lines[2]!, /^2,[^,]+,gift:1,posted,member_coins:u1:coin,platform_commission:gifts:coin,20,coin,,,,\{\}$/)
  })

  test('export --out writes a file and refuses to overwrite one', async () => {
    const file = join(dir, 'ledger.csv')
    const r = await hearth(['ledger', 'export', '--data', dir, '--out', file])
    assert.equal(r.code, 0, show(r))
    assert.equal(r.stdout, `2 transfers written to ${file}.\n`)
    assert.equal(readFileSync(file, 'utf8').split('\n').length, 4)
    const again = await hearth(['ledger', 'export', '--data', dir, '--out', file])
    assert.equal(again.code, 1, show(again))
    assert.match(again.stderr, /^error: .*ledger\.csv already exists\.\n/)
  })

  test('verify exits 1 with one sentence on stderr when a stored balance was changed', async () => {
    const db = new SQLite(join(dir, 'hearth.db'))
    db.prepare("update ledger_accounts set credits_posted = credits_posted + 1 where key = 'member_coins:u1:coin'").run()
    db.close()
    const r = await hearth(['ledger', 'verify', '--data', dir])
    assert.equal(r.code, 1, show(r))
    assert.equal(r.stdout, '')
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '))
    assert.equal(errors.length, 1, show(r))
    assert.match(errors[0]!, /^error: The ledger does not balance: Account \d+ \(member_coins:u1:coin\) stores debits 20, credits 501, .* \(and 1 more\)\.$/)
    const j = await hearth(['ledger', 'verify', '--data', dir, '--json'])
    assert.equal(j.code, 1)
    assert.equal(JSON.parse(j.stdout).problems.length, 2)
  })
})
