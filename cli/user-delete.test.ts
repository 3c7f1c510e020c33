// `hearth user ban|delete`, run as a real subprocess against one temporary data directory, in order: a ban is a
// suspension until lifted, audited as a ban; a deletion asks for --yes, then runs at once with the plugins' hooks.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import SQLite from 'better-sqlite3'
import { createTestApp, tempDir } from '../test/harness.js'

const ROOT = join(import.meta.dirname, '..')

describe('hearth user ban and delete', () => {
  const data = tempDir('hearth-cli-delete-')
  const hearth = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['bin/hearth.js', ...args, '--data', data], { cwd: ROOT, env: { ...process.env, HEARTH_LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }
  const query = <T>(sql: string, ...args: unknown[]) => {
    const db = new SQLite(join(data, 'hearth.db'), { readonly: true })
    try {
      return db.prepare(sql).all(...args) as T[]
    } finally {
      db.close()
    }
  }
  let spammer = 0

  before(async () => {
    const app = await createTestApp({ dataDir: data, enable: ['messages'] })
    await app.register('banme')
    const s = await app.register('spammer')
    spammer = s.id
    await app.request('POST', '/api/v1/posts', { token: s.token, json: { text: 'buy my stuff' } })
    await app.close()
  })
  after(() => rmSync(data, { recursive: true, force: true }))

  it('bans: suspended until lifted, audited as a ban', () => {
    assert.equal(hearth('user', 'ban', 'banme').code, 2, '--reason is required')
    const r = hearth('user', 'ban', 'banme', '--reason', 'Ban evasion')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /@banme is banned\./)
    assert.deepEqual(query("select suspended_reason as r, suspended_until as u from users where username = 'banme'"), [{ r: 'Ban evasion', u: null }])
    assert.equal(query<{ action: string }>('select action from audit_log order by id desc limit 1')[0]!.action, 'user.ban')
  })

  it('deletes only with --yes, at once, as the policy says', () => {
    const dry = hearth('user', 'delete', 'spammer', '--reason', 'Spam')
    assert.equal(dry.code, 2)
    assert.match(dry.stderr, /Run it again with --yes/)
    assert.equal(query('select id from posts where author_id = ?', spammer).length, 1, 'nothing deleted without --yes')
    const r = hearth('user', 'delete', 'spammer', '--reason', 'Spam', '--yes', '--json')
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(JSON.parse(r.stdout), { user: 'spammer', deleted: true, policy: 'purge' })
    assert.deepEqual(query('select username from users where id = ?', spammer), [{ username: `deleted-${spammer}` }])
    assert.equal(query('select id from posts where author_id = ?', spammer).length, 0)
    assert.deepEqual(query<{ action: string }>("select action from audit_log where target_id = ? and action like 'user.delete%' order by id", String(spammer)).map((a) => a.action), ['user.delete', 'user.delete.done'])
  })
})
