// `hearth curation ...`, run as a real subprocess against one temporary data directory, in order.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import SQLite from 'better-sqlite3'
import { createTestApp, tempDir } from '../test/harness.js'

const ROOT = join(import.meta.dirname, '..')

describe('hearth curation', () => {
  const data = tempDir('hearth-cli-curation-')
  const ids: Record<string, number> = {}
  const hearth = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['bin/hearth.js', ...args, '--data', data], { cwd: ROOT, env: { ...process.env, HEARTH_LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  before(async () => {
    const app = await createTestApp({ dataDir: data })
    const author = await app.register('curly')
    ids.public = (await app.h.posts.create(author.id, { text: 'for everyone' })).id
    ids.followers = (await app.h.posts.create(author.id, { text: 'for followers', visibility: 'followers' })).id
    await app.close()
  })
  after(() => rmSync(data, { recursive: true, force: true }))

  it('features a post and a hashtag, manages categories and default hashtags, each audited', () => {
    const featured = hearth('curation', 'feature', String(ids.public), '--position', '3')
    assert.equal(featured.code, 0, featured.stderr)
    assert.match(featured.stdout, new RegExp(`Post ${ids.public} is featured`))
    assert.equal(hearth('curation', 'feature-tag', '#Knitting').code, 0)
    const added = hearth('curation', 'category', 'add', 'Arts & Crafts', '--description', 'Made by hand.')
    assert.equal(added.code, 0, added.stderr)
    assert.match(added.stdout, /\/explore\/c\/arts-crafts/)
    assert.equal(hearth('curation', 'category', 'set', 'arts-crafts', '--off').code, 0)
    assert.equal(hearth('curation', 'defaults', 'gardens', '#walks').code, 0)
    const list = JSON.parse(hearth('curation', 'list', '--json').stdout) as { featured_posts: { post_id: number; position: number }[]; featured_hashtags: { tag: string }[]; categories: { slug: string; enabled: boolean }[]; default_hashtags: string[] }
    assert.deepEqual(list.featured_posts.map((p) => [p.post_id, p.position]), [[ids.public, 3]])
    assert.deepEqual(list.featured_hashtags.map((t) => t.tag), ['knitting'])
    assert.deepEqual(list.categories.map((k) => [k.slug, k.enabled]), [['arts-crafts', false]])
    assert.deepEqual(list.default_hashtags, ['gardens', 'walks'])
    assert.equal(hearth('curation', 'unfeature', String(ids.public)).code, 0)
    assert.equal(hearth('curation', 'unfeature-tag', 'knitting').code, 0)
    assert.equal(hearth('curation', 'category', 'delete', 'arts-crafts').code, 0)
    const db = new SQLite(join(data, 'hearth.db'), { readonly: true })
    const actions = (db.prepare("select action from audit_log where action like 'curation.%' or action like 'category.%' or action = 'onboarding.update' order by id").all() as { action: string }[]).map((r) => r.action)
    db.close()
    assert.deepEqual(actions, ['curation.featured-post.add', 'curation.featured-hashtag.add', 'category.create', 'category.update', 'onboarding.update', 'curation.featured-post.remove', 'curation.featured-hashtag.remove', 'category.delete'])
  })

  it('refuses a post that is not public, bad input and unknown things with a message and exit codes', () => {
    const refused = hearth('curation', 'feature', String(ids.followers))
    assert.equal(refused.code, 2, 'refused input is a usage error')
    assert.match(refused.stderr, /error: .*public/)
    assert.equal(hearth('curation', 'feature', 'abc').code, 2)
    assert.equal(hearth('curation', 'feature', String(ids.public), '--position', '-1').code, 2)
    assert.equal(hearth('curation', 'defaults').code, 2)
    const unknown = hearth('curation', 'category', 'delete', 'nope')
    assert.notEqual(unknown.code, 0)
    assert.match(unknown.stderr, /That category does not exist/)
    const long = hearth('curation', 'category', 'add', 'x'.repeat(61))
    assert.equal(long.code, 2)
    assert.match(long.stderr, /1 to 60 characters/)
  })

  it('explains every command with --help', () => {
    for (const args of [['curation', 'feature'], ['curation', 'category', 'add']]) {
      const help = hearth(...args, '--help')
      assert.equal(help.code, 0)
      assert.match(help.stdout, /Usage: hearth curation/)
    }
  })
})
