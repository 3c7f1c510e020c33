// The search migration: it indexes rows that existed before it, and its down step removes every trace.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { down, up } from '../db/migrations/2026_11_21_1420_search.js'

describe('search migration', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  const objects = async () =>
    (await sql<{ name: string }>`select name from sqlite_master where name like '%\_fts%' escape '\\' order by name`.execute(t.h.db)).rows.map((r) => r.name)

  it('backfills members, posts and hashtags written before it ran, and drops cleanly', async () => {
    assert.ok((await objects()).includes('posts_fts_update'))
    await down(t.h.db)
    assert.deepEqual(await objects(), [], 'no tables or triggers left')
    // Written while there was no index at all.
    const { token } = await t.register('early_bird')
    await t.request('PUT', '/api/v1/users/me', { token, json: { display_name: 'Early Bird', bio: 'Sunrise photographer' } })
    const res = await t.request('POST', '/api/v1/posts', { token, json: { text: 'Dawn chorus recording #dawnchorus' } })
    assert.equal(res.status, 201)
    await up(t.h.db)
    const get = async (path: string) => ((await (await t.request('GET', path)).json()) as { data: any[] }).data
    assert.deepEqual((await get('/api/v1/search/users?q=sunrise')).map((u) => u.username), ['early_bird'])
    assert.deepEqual((await get('/api/v1/search/users?q=early')).map((u) => u.username), ['early_bird'])
    assert.equal((await get('/api/v1/search/posts?q=chorus')).length, 1)
    assert.deepEqual((await get('/api/v1/search/hashtags?q=dawn')).map((h) => h.tag), ['dawnchorus'])
    for (const fts of ['users_fts', 'posts_fts', 'hashtags_fts']) await sql.raw(`insert into ${fts}(${fts}, rank) values ('integrity-check', 1)`).execute(t.h.db)
  })
})
