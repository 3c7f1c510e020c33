// The audit log: every staff and automatic action, filtered, exported as CSV or JSON, and its hash chain verified.
// Admins only: it names every moderator's decisions.
import type { Context } from 'hono'
import type { AppEnv } from '../../http/env.js'
import { ok, paginated } from '../../http/envelope.js'
import { parseLimit } from '../../pagination.js'
import type { Services } from '../../services.js'
import { validationFailed } from '../../errors.js'
import { auditExport, auditFilters, auditPage, verifyAuditChain, type AuditFilters } from '../audit-log.js'
import type { AdminSection } from '../registry.js'
import { parse } from '../../validation.js'

/** Who acted, for an audit row made by no member: how it was made (`via`: the setup link), automatic, else the CLI. */
export function auditVia(details: string): string {
  try {
    const d = JSON.parse(details) as { via?: unknown; automatic?: unknown }
    if (d.automatic === true) return 'Automatic'
    return typeof d.via === 'string' ? d.via[0]!.toUpperCase() + d.via.slice(1) : 'CLI'
  } catch {
    return 'CLI'
  }
}

const KEYS = ['actor', 'action', 'target_type', 'target_id', 'from', 'to'] as const
const filtersOf = (c: Context<AppEnv>) => parse(auditFilters, Object.fromEntries(KEYS.map((k) => [k, c.req.query(k) ?? ''])))
const queryOf = (f: AuditFilters) => new URLSearchParams(Object.entries(f).filter(([, v]) => v) as [string, string][]).toString()

/** An export as a download, streamed from the database a chunk at a time. */
function download(c: Context<AppEnv>, s: Services, f: AuditFilters, format: 'csv' | 'json'): Response {
  const chunks = auditExport(s.db, f, format)
  const encoder = new TextEncoder()
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await chunks.next()
      if (next.done) controller.close()
      else controller.enqueue(encoder.encode(next.value))
    },
  })
  const name = `hearth-audit-${new Date().toISOString().slice(0, 10)}.${format}`
  return c.body(stream, 200, { 'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` })
}

export function auditSection(s: Services): AdminSection {
  const { db, admin } = s
  const field = (name: (typeof KEYS)[number], label: string, f: AuditFilters, type = 'text') => (
    <div class="field">
      <label for={`a-${name}`}>{label}</label>
      <input id={`a-${name}`} name={name} type={type} value={f[name] ?? ''} maxLength={60} />
    </div>
  )
  return {
    id: 'audit',
    label: 'Audit log',
    icon: 'scroll-text',
    order: 80,
    need: 'admin',
    pages(r) {
      r.get('/', async (c) => {
        const f = filtersOf(c)
        const page = await auditPage(db, f, { cursor: c.req.query('cursor'), limit: 100 })
        const q = queryOf(f)
        const check = c.req.query('verify') === '1' ? await verifyAuditChain(db) : null
        return admin.page(
          c,
          { title: 'Audit log' },
          <>
            <form method="get" action="/admin/audit" class="admin-filters card" role="search" aria-label="Filter the audit log">
              {field('actor', 'Who (username)', f)}
              {field('action', 'Action (user. for all on members)', f)}
              {field('target_type', 'Target type', f)}
              {field('target_id', 'Target id', f)}
              {field('from', 'From', f, 'date')}
              {field('to', 'To', f, 'date')}
              <button type="submit" class="secondary">Filter</button>
            </form>
            <p class="actions">
              <a class="button secondary" href={`/admin/audit/export.csv${q ? `?${q}` : ''}`} download>
                Export CSV
              </a>
              <a class="button secondary" href={`/admin/audit/export.json${q ? `?${q}` : ''}`} download>
                Export JSON
              </a>
              <a class="button secondary" href="/admin/audit?verify=1">
                Verify the chain
              </a>
            </p>
            {check &&
              (check.ok ? (
                <p class="alert alert-ok" role="status" data-chain="ok">
                  The chain holds: {check.rows} rows, each following the one before. Newest hash: <code>{check.head ?? 'none'}</code>
                </p>
              ) : (
                <p class="alert alert-error" role="alert" data-chain="broken">
                  The chain breaks at row {check.broken!.id}: {check.broken!.problem}
                </p>
              ))}
            <div class="table-wrap">
              <table data-audit>
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Who</th>
                    <th>What</th>
                    <th>Target</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((e) => (
                    <tr data-audit-row={e.id}>
                      <td>{e.created_at.replace('T', ' ').slice(0, 19)}</td>
                      <td>{e.actor ? `@${e.actor}` : e.actor_id !== null ? `#${e.actor_id} (deleted)` : auditVia(JSON.stringify(e.details))}</td>
                      <td>
                        {e.action} <span class="muted mono">{Object.keys(e.details).length ? JSON.stringify(e.details) : ''}</span>
                      </td>
                      <td>{e.target_type ? e.target_type === 'user' ? <a href={`/admin/users/${e.target_id}`}>user {e.target_id}</a> : `${e.target_type} ${e.target_id}` : ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            {page.nextCursor && (
              <p>
                <a href={`/admin/audit?${q ? `${q}&` : ''}cursor=${page.nextCursor}`}>Older entries</a>
              </p>
            )}
          </>,
        )
      })
      r.get('/export.csv', (c) => download(c, s, filtersOf(c), 'csv'))
      r.get('/export.json', (c) => download(c, s, filtersOf(c), 'json'))
    },
    api(r) {
      r.get('/', async (c) => paginated(c, await auditPage(db, filtersOf(c), { cursor: c.req.query('cursor'), limit: parseLimit(c.req.query('limit'), 50, 500) })))
      r.get('/export', (c) => {
        const format = c.req.query('format') ?? 'json'
        if (format !== 'csv' && format !== 'json') throw validationFailed({ format: 'The format is csv or json.' })
        return download(c, s, filtersOf(c), format)
      })
      r.get('/verify', async (c) => ok(c, await verifyAuditChain(db)))
    },
  }
}
