// The audit log: every row chained to the one before by a hash (SQLite's trigger), `hearth audit verify` finding a row
// changed or removed by hand (as a real subprocess), filters, and CSV and JSON exports.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { rmSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import SQLite from 'better-sqlite3'
import { createTestApp, tempDir, type TestApp } from '../../test/harness.js'
import { ROOT } from '../paths.js'
import { auditHash } from '../audit-chain.js'
import { verifyAuditChain } from './audit-log.js'

function hearth(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/hearth.js', ...args], { cwd: ROOT, env: { ...process.env, HEARTH_LOG_LEVEL: 'silent' }, encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('the audit log', () => {
  const data = tempDir('hearth-audit-')
  let t: TestApp
  let admin: { id: number; token: string }
  let ana: { id: number; token: string }

  before(async () => {
    t = await createTestApp({ dataDir: data })
    admin = await t.register('audadmin')
    ana = await t.register('audana')
    await t.h.users.setRole(admin.id, 'admin', null)
    await t.h.users.suspend(ana.id, '=HYPERLINK("http://evil")', admin.id)
    await t.h.users.unsuspend(ana.id, admin.id)
    await t.request('POST', `/api/v1/admin/users/${ana.id}/warn`, { token: admin.token, json: { note: 'Mind the "rules", please' } })
  })
  after(async () => {
    await t.close()
    rmSync(data, { recursive: true, force: true })
  })

  it('chains each row to the one before, whoever writes it', async () => {
    const rows = t.h.store.sqlite.prepare('select * from audit_log order by id').all() as any[]
    assert.ok(rows.length >= 4)
    let prev: string | null = null
    for (const r of rows) {
      assert.equal(r.prev_hash, prev)
      assert.equal(r.hash, auditHash(prev, r))
      prev = r.hash
    }
    assert.deepEqual(await verifyAuditChain(t.h.db), { ok: true, rows: rows.length, broken: null, head: prev })
  })

  it('filters by actor, action prefix and target, and pages newest first', async () => {
    const get = async (q: string) => ((await (await t.request('GET', `/api/v1/admin/audit?${q}`, { token: admin.token })).json()) as any).data
    const onAna = await get(`target_type=user&target_id=${ana.id}&action=user.`)
    assert.deepEqual(onAna.map((e: any) => e.action), ['user.warn', 'user.unsuspend', 'user.suspend'])
    assert.ok(onAna.every((e: any) => e.actor === 'audadmin' && /^[0-9a-f]{64}$/.test(e.hash)))
    assert.deepEqual((await get('actor=audadmin&action=user.warn')).length, 1)
    assert.equal((await t.request('GET', '/api/v1/admin/audit?from=yesterday', { token: admin.token })).status, 400)
    const html = await (await t.request('GET', `/admin/audit?action=user.suspend`, { token: admin.token })).text()
    assert.match(html, /data-audit-row/)
    assert.doesNotMatch(html, /user\.warn/)
  })

  it('exports CSV (formulas defused, quotes escaped) and JSON, with each row’s hash', async () => {
    const csv = await (await t.request('GET', `/admin/audit/export.csv?target_id=${ana.id}`, { token: admin.token })).text()
    const lines = csv.trim().split('\r\n')
    assert.equal(lines[0], 'id,created_at,actor,actor_id,action,target_type,target_id,details,hash')
    assert.ok(lines.some((l) => l.includes(`"{""reason"":""=HYPERLINK(\\""http://evil\\"")""}"`)), csv)
    const res = await t.request('GET', `/api/v1/admin/audit/export?format=json&action=user.`, { token: admin.token })
    assert.match(res.headers.get('content-disposition')!, /attachment; filename="hearth-audit-\d{4}-\d\d-\d\d\.json"/)
    const rows = JSON.parse(await res.text()) as any[]
    assert.ok(rows.length >= 3 && rows.every((r) => r.action.startsWith('user.')))
    assert.ok(rows[0].id < rows[1].id, 'oldest first')
    assert.equal((await t.request('GET', '/api/v1/admin/audit/export?format=xml', { token: admin.token })).status, 400)
  })

  it('`hearth audit verify` passes an intact log and finds a row changed or removed by hand', async () => {
    await t.close()
    const help = hearth('audit', 'verify', '--help')
    assert.equal(help.code, 0)
    assert.match(help.stdout, /check that every audit row follows the one before it/)
    const okRun = hearth('audit', 'verify', '--data', data)
    assert.equal(okRun.code, 0, okRun.stderr)
    assert.match(okRun.stdout, /The audit chain holds: \d+ rows\./)

    const db = new SQLite(join(data, 'hearth.db'))
    const suspend = db.prepare("select id, details from audit_log where action = 'user.suspend'").get() as { id: number; details: string }
    db.prepare('update audit_log set details = ? where id = ?').run('{"reason":"Nothing happened"}', suspend.id)
    db.close()
    const changed = hearth('audit', 'verify', '--data', data)
    assert.equal(changed.code, 1)
    assert.match(changed.stderr, new RegExp(`^error: The audit chain breaks at row ${suspend.id}: Its content does not match its hash: the row was changed\\.`, 'm'))
    assert.match(changed.stderr, /^hint: /m)
    assert.doesNotMatch(changed.stderr, /^\s+at /m, 'no stack trace')

    const db2 = new SQLite(join(data, 'hearth.db'))
    db2.prepare('update audit_log set details = ? where id = ?').run(suspend.details, suspend.id)
    db2.prepare('delete from audit_log where id = ?').run(suspend.id)
    db2.close()
    const removed = JSON.parse(hearth('audit', 'verify', '--json', '--data', data).stdout)
    assert.equal(removed.ok, false)
    assert.ok(removed.broken.id > suspend.id)
    assert.match(removed.broken.problem, /a row was removed or added here/)

    const exported = hearth('audit', 'export', '--format', 'json', '--action', 'user.', '--data', data)
    assert.equal(exported.code, 0, exported.stderr)
    assert.ok((JSON.parse(exported.stdout) as any[]).every((r) => r.action.startsWith('user.')))
    t = await createTestApp({ dataDir: data })
  })
})
