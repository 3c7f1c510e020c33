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

  it('refuses to run a shape without a value for one of its slots', async () => {
    const shapes = queryShapes(t.h.db)
    await assert.rejects(shapes.all('k', (slot) => t.h.db.selectFrom('users').selectAll().where('id', '=', slot<number>('id')), {}), /No value for id/)
  })
})
