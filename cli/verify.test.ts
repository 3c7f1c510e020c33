// `hearth verify grant|revoke|list|requests`, run as a real subprocess against one temporary data directory, in order.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import SQLite from 'better-sqlite3'
import { createTestApp, tempDir } from '../test/harness.js'

const ROOT = join(import.meta.dirname, '..')

describe('hearth verify', () => {
  const data = tempDir('hearth-cli-verify-')
  const hearth = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['bin/hearth.js', ...args, '--data', data], { cwd: ROOT, env: { ...process.env, HEARTH_LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  before(async () => {
    const app = await createTestApp({ dataDir: data })
    const v = await app.register('vera')
    await app.request('POST', '/api/v1/verification', { token: v.token, json: { reason: 'I am the choir’s conductor, people ask.', links: ['https://choir.example'] } })
    await app.close()
  })
  after(() => rmSync(data, { recursive: true, force: true }))

  it('lists requests, grants, lists the verified, revokes with a note; each audited as the CLI', () => {
    const requests = hearth('verify', 'requests', '--status', 'pending')
    assert.equal(requests.code, 0, requests.stderr)
    assert.match(requests.stdout, /@vera\s+pending .* https:\/\/choir\.example/)
    const granted = hearth('verify', 'grant', 'vera', '--note', 'Welcome.')
    assert.equal(granted.code, 0, granted.stderr)
    assert.match(granted.stdout, /@vera is verified\./)
    const list = JSON.parse(hearth('verify', 'list', '--json').stdout) as { items: { username: string }[] }
    assert.deepEqual(list.items.map((m) => m.username), ['vera'])
    assert.equal(hearth('verify', 'revoke', 'vera', '--note', 'Left the choir.').code, 0)
    assert.match(hearth('verify', 'list').stdout, /Nobody is verified\./)
    const db = new SQLite(join(data, 'hearth.db'), { readonly: true })
    const rows = db.prepare("select action, actor_id from audit_log where action like 'verification.%' order by id").all() as { action: string; actor_id: number | null }[]
    const status = (db.prepare('select status from verification_requests').get() as { status: string }).status
    db.close()
    assert.deepEqual(rows, [{ action: 'verification.grant', actor_id: null }, { action: 'verification.revoke', actor_id: null }])
    assert.equal(status, 'approved', 'the waiting request is approved by the grant')
  })

  it('answers mistakes with a message and a usage exit code', () => {
    const twice = hearth('verify', 'revoke', 'vera')
    assert.equal(twice.code, 1)
    assert.match(twice.stderr, /^error: @vera is not verified\./)
    assert.equal(hearth('verify', 'grant', 'nobody').code, 1)
    assert.equal(hearth('verify', 'requests', '--status', 'maybe').code, 2)
    assert.equal(hearth('verify', 'list', '--page', '0').code, 2)
    assert.equal(hearth('verify', 'grant').code, 2)
    const help = hearth('verify', '--help')
    assert.equal(help.code, 0)
    for (const verb of ['grant', 'revoke', 'list', 'requests']) assert.match(help.stdout, new RegExp(`\\b${verb}\\b`))
  })
})
