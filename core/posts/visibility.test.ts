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

  it('lets the caller’s condition pick the rows: a post by id is read by its key, not by scanning published posts', () => {
    const q = t.h.db.selectFrom('posts').select('posts.id').where('posts.id', 'in', Array.from({ length: 100 }, (_, i) => i + 1)).where(visibleTo(7)).compile()
    const plan = (t.h.store.sqlite.prepare(`explain query plan ${q.sql}`).all(...q.parameters) as { detail: string }[]).map((r) => r.detail)
    assert.match(plan[0]!, /SEARCH posts USING INTEGER PRIMARY KEY/)
    assert.ok(!plan.some((d) => /posts_scheduled|MULTI-INDEX OR/.test(d) && !/blocks/.test(d) && /posts/.test(d)), plan.join('\n'))
  })
})
