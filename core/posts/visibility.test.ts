// visibleTo filters the rows a query chose; it never becomes the index that chooses them.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { visibleTo } from './visibility.js'

describe('visibleTo', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  for (const viewer of [7, null]) {
    it(`lets the caller’s condition pick the rows: posts by id are read by their key, not by scanning published posts (viewer ${viewer})`, () => {
      const ids = Array.from({ length: 500 }, (_, i) => i + 1)
      const q = t.h.db.selectFrom('posts').select('posts.id').where('posts.id', 'in', ids).where(visibleTo(null)).where(visibleTo(viewer)).compile()
      const plan = (t.h.store.sqlite.prepare(`explain query plan ${q.sql}`).all(...q.parameters) as { detail: string }[]).map((r) => r.detail)
      assert.match(plan[0]!, /SEARCH posts USING INTEGER PRIMARY KEY/, plan.join('\n'))
    })
  }
})
