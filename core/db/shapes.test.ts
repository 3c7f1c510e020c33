// Query shapes: built and compiled once, each run with its own values.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { queryShapes } from './shapes.js'

describe('query shapes', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
    for (const n of ['ana', 'bob', 'cyd']) await t.register(n)
  })
  after(() => t.close())

  it('builds a shape once and binds each run’s values', async () => {
    const shapes = queryShapes(t.h.db)
    let builds = 0
    const byName = (name: string) =>
      shapes.all(
        'user-by-name',
        (slot) => {
          builds++
          return t.h.db.selectFrom('users').select('username').where('username', '=', slot<string>('name')).where('id', '>', 0)
        },
        { name },
      )
    assert.deepEqual(await byName('ana'), [{ username: 'ana' }])
    assert.deepEqual(await byName('cyd'), [{ username: 'cyd' }])
    assert.deepEqual(await byName('nobody'), [])
    assert.equal(builds, 1)
  })

  it('writes a slot used as a LIMIT into the SQL at each run, never binding it', async () => {
    const shapes = queryShapes(t.h.db)
    const seen: string[] = []
    const prepare = t.h.store.sqlite.prepare.bind(t.h.store.sqlite)
    t.h.store.sqlite.prepare = ((source: string) => (seen.push(source), prepare(source))) as typeof prepare
    try {
      const first = (k: number) => shapes.all('first-k', (slot) => t.h.db.selectFrom('users').select('username').orderBy('id').limit(slot<number>('k')), { k })
      assert.deepEqual(await first(1), [{ username: 'ana' }])
      assert.equal((await first(2)).length, 2)
      assert.ok(seen.some((s) => / limit 1$/.test(s)) && seen.some((s) => / limit 2$/.test(s)), seen.join('\n'))
      assert.ok(!seen.some((s) => /limit \?/.test(s)))
      await assert.rejects(first(1.5), /must be a whole number/)
    } finally {
      t.h.store.sqlite.prepare = prepare
    }
  })

  it('runs a shape on the caller’s transaction when given one: its writes commit or roll back with it', async () => {
    const shapes = queryShapes(t.h.db)
    const rename = (trx: typeof t.h.db, from: string, to: string) =>
      shapes.all('rename', (slot) => t.h.db.updateTable('users').set({ username: slot<string>('to') }).where('username', '=', slot<string>('from')).returning('username'), { from, to }, trx)
    await assert.rejects(
      t.h.db.transaction().execute(async (trx) => {
        assert.deepEqual(await rename(trx, 'cyd', 'cy'), [{ username: 'cy' }])
        throw new Error('undo')
      }),
      /undo/,
    )
    assert.ok(await t.h.db.selectFrom('users').select('id').where('username', '=', 'cyd').executeTakeFirst(), 'rolled back with the transaction')
    await t.h.db.transaction().execute((trx) => rename(trx, 'cyd', 'cy'))
    assert.ok(await t.h.db.selectFrom('users').select('id').where('username', '=', 'cy').executeTakeFirst(), 'committed with it')
  })

  it('refuses to run a shape without a value for one of its slots', async () => {
    const shapes = queryShapes(t.h.db)
    await assert.rejects(shapes.all('k', (slot) => t.h.db.selectFrom('users').selectAll().where('id', '=', slot<number>('id')), {}), /No value for id/)
  })
})
