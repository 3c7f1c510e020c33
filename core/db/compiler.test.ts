// LIMIT is written into the SQL, never bound: SQLite prepares a statement with a bound LIMIT again at each run (it
// reads the value while planning), which cost the home feed more than half of its SQL time (decision 060).
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { createTestApp, type TestApp } from '../../test/harness.js'
import { sqlLimit } from './compiler.js'

describe('LIMIT in the SQL text', () => {
  let t: TestApp
  before(async () => {
    t = await createTestApp()
  })
  after(() => t.close())

  it('compiles a whole-number limit as text and leaves anything else bound', () => {
    const q = t.h.db.selectFrom('users').select('id').where('id', 'in', t.h.db.selectFrom('posts').select('author_id').limit(5)).limit(20).offset(40).compile()
    assert.match(q.sql, /limit 5\) limit 20 offset \?$/)
    assert.deepEqual(q.parameters, [40])
    assert.match(t.h.db.selectFrom('users').select('id').limit('3' as unknown as number).compile().sql, /limit \?$/)
  })

  it('writes sqlLimit into raw SQL and refuses what is not a whole number', () => {
    assert.equal(sql`select 1 limit ${sqlLimit(7)}`.compile(t.h.db).sql, 'select 1 limit 7')
    assert.throws(() => sqlLimit(Number.NaN), /whole number/)
    assert.throws(() => sqlLimit(2.5), /whole number/)
  })

  it('leaves no bound LIMIT in the statements of the home feed, a profile, a post and the explore page', async () => {
    const ana = await t.register('ana')
    const bob = await t.register('bob')
    await t.request('POST', `/api/v1/users/bob/follow`, { token: ana.token })
    const post = await (await t.request('POST', '/api/v1/posts', { token: bob.token, json: { text: 'hello #hearth' } })).json() as { data: { id: number } }
    await t.request('POST', `/api/v1/posts/${post.data.id}/like`, { token: ana.token })
    await t.request('POST', `/api/v1/posts/${post.data.id}/comments`, { token: ana.token, json: { text: 'nice' } })
    const seen: string[] = []
    const sqlite = t.h.store.sqlite
    const prepare = sqlite.prepare.bind(sqlite)
    sqlite.prepare = ((source: string) => (seen.push(source), prepare(source))) as typeof prepare
    try {
      for (const path of ['/api/v1/feed/home', `/api/v1/feed/user/${bob.id}`, `/api/v1/posts/${post.data.id}`, `/api/v1/posts/${post.data.id}/comments`, '/api/v1/feed/explore']) {
        const res = await t.request('GET', path, { token: ana.token })
        assert.equal(res.status, 200, path)
      }
    } finally {
      sqlite.prepare = prepare
    }
    assert.ok(seen.length > 10, `statements were seen (${seen.length})`)
    assert.deepEqual(seen.filter((s) => /limit\s+\?/i.test(s)), [])
  })

  it('has no raw SQL in core or plugins that binds a LIMIT (sqlLimit writes it)', () => {
    const root = join(import.meta.dirname, '..', '..')
    const offenders: string[] = []
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name)
        if (statSync(path).isDirectory()) walk(path)
        else if (/\.tsx?$/.test(name) && !name.endsWith('.test.ts')) {
          readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
            if (/limit \$\{(?!sqlLimit\()/i.test(line) && !/this.append\(|Error\(/.test(line)) offenders.push(`${path.slice(root.length + 1)}:${i + 1}`)
            if (/['"`][^'"`]*\blimit \?/i.test(line)) offenders.push(`${path.slice(root.length + 1)}:${i + 1}`)
          })
        }
      }
    }
    for (const dir of ['core', 'plugins']) walk(join(root, dir))
    assert.deepEqual(offenders, [])
  })
})
