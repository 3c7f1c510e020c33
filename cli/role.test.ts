// `hearth role list|set|delete|give`, run as a real subprocess against one temporary data directory, in order.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import SQLite from 'better-sqlite3'
import { createTestApp, tempDir } from '../test/harness.js'

const ROOT = join(import.meta.dirname, '..')

describe('hearth role', () => {
  const data = tempDir('hearth-cli-role-')
  const hearth = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['bin/hearth.js', ...args, '--data', data], { cwd: ROOT, env: { ...process.env, HEARTH_LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  before(async () => {
    const app = await createTestApp({ dataDir: data })
    await app.register('rolly')
    await app.close()
  })
  after(() => rmSync(data, { recursive: true, force: true }))

  it('makes a role, gives it, lists it, takes it back and deletes it, each audited', () => {
    assert.equal(hearth('role', 'set', 'support', '--permissions', 'manage_members,view_money', '--label', 'Support').code, 0)
    const given = hearth('role', 'give', 'rolly', 'support')
    assert.equal(given.code, 0, given.stderr)
    assert.match(given.stdout, /@rolly is member \+ support\./)
    const list = JSON.parse(hearth('role', 'list', '--json').stdout) as { name: string; members: number; permissions: string[] }[]
    assert.deepEqual(list.map((r) => [r.name, r.members, r.permissions]), [['support', 1, ['manage_members', 'view_money']]])
    assert.equal(hearth('role', 'give', 'rolly', '--none').code, 0)
    assert.equal(hearth('role', 'delete', 'support').code, 0)
    const db = new SQLite(join(data, 'hearth.db'), { readonly: true })
    const actions = (db.prepare("select action from audit_log where action like 'role.%' or action = 'user.staff-role' order by id").all() as { action: string }[]).map((r) => r.action)
    db.close()
    assert.deepEqual(actions, ['role.create', 'user.staff-role', 'user.staff-role', 'role.delete'])
  })

  it('refuses an unknown permission and a missing role with a readable error', () => {
    const bad = hearth('role', 'set', 'x', '--permissions', 'launch_rockets')
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /^error: Unknown permission: launch_rockets\./m)
    const missing = hearth('role', 'give', 'rolly', 'nope')
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /^error: That role does not exist\./m)
    assert.match(hearth('role', '--help').stdout, /custom staff roles/)
  })
})
