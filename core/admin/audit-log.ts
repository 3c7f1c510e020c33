// Reading the audit log: filtered pages, exports (CSV and JSON, written in chunks), and verifying its hash chain
// (core/audit-chain.ts): a row changed, removed or inserted by hand breaks the chain at that row.
import { z } from 'zod'
import { auditHash } from '../audit-chain.js'
import type { Db } from '../db/connect.js'
import { decodeCursor, pageOf, type Page } from '../pagination.js'
import { parse } from '../validation.js'

const DAY = /^\d{4}-\d\d-\d\d$/

/** The log's filters, shared by the page, the API and the CLI. Empty strings mean "any". */
export const auditFilters = z.object({
  actor: z.string().trim().max(40).optional(),
  action: z.string().trim().max(60).regex(/^[a-z0-9._-]*$/, { error: 'The action is lowercase words with dots, like user.suspend (a prefix matches: user.).' }).optional(),
  target_type: z.string().trim().max(40).optional(),
  target_id: z.string().trim().max(40).optional(),
  from: z.union([z.literal(''), z.string().regex(DAY, { error: 'from is a day, YYYY-MM-DD.' })]).optional(),
  to: z.union([z.literal(''), z.string().regex(DAY, { error: 'to is a day, YYYY-MM-DD.' })]).optional(),
})
export type AuditFilters = z.infer<typeof auditFilters>

export interface AuditEntryView {
  id: number
  created_at: string
  /** The actor's username now, or null (the CLI, an automatic action, or an account since deleted: see actor_id). */
  actor: string | null
  actor_id: number | null
  action: string
  target_type: string | null
  target_id: string | null
  details: Record<string, unknown>
  hash: string | null
}

function query(db: Db, f: AuditFilters) {
  let q = db
    .selectFrom('audit_log')
    .leftJoin('users', 'users.id', 'audit_log.actor_id')
    .select(['audit_log.id', 'audit_log.created_at', 'users.username as actor', 'audit_log.actor_ref as actor_id', 'audit_log.action', 'audit_log.target_type', 'audit_log.target_id', 'audit_log.details', 'audit_log.hash'])
  if (f.actor) {
    const name = f.actor.replace(/^@/, '')
    q = /^\d+$/.test(name) ? q.where('audit_log.actor_ref', '=', Number(name)) : q.where('users.username', '=', name)
  }
  // A prefix: "user." finds every action on members; "user.suspend" that one.
  if (f.action) q = f.action.endsWith('.') ? q.where('audit_log.action', 'like', `${f.action}%`) : q.where('audit_log.action', '=', f.action)
  if (f.target_type) q = q.where('audit_log.target_type', '=', f.target_type)
  if (f.target_id) q = q.where('audit_log.target_id', '=', f.target_id)
  if (f.from) q = q.where('audit_log.created_at', '>=', `${f.from}T00:00:00.000Z`)
  if (f.to) q = q.where('audit_log.created_at', '<', `${f.to}T99`)
  return q
}

type Raw = Awaited<ReturnType<ReturnType<typeof query>['execute']>>[number]
const view = (r: Raw): AuditEntryView => ({ ...r, actor: r.actor ?? null, actor_id: r.actor_id ?? null, details: JSON.parse(r.details) as Record<string, unknown> })

/** Entries matching the filters, newest first. */
export async function auditPage(db: Db, input: unknown, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<AuditEntryView>> {
  const f = parse(auditFilters, input ?? {})
  const limit = options.limit ?? 50
  const after = decodeCursor(options.cursor, { id: 'id' })
  let q = query(db, f).orderBy('audit_log.id', 'desc').limit(limit + 1)
  if (after) q = q.where('audit_log.id', '<', Number(after.id))
  const page = pageOf(await q.execute(), limit, (r) => ({ id: r.id }))
  return { items: page.items.map(view), nextCursor: page.nextCursor }
}

const CSV_COLUMNS = ['id', 'created_at', 'actor', 'actor_id', 'action', 'target_type', 'target_id', 'details', 'hash'] as const

/** A CSV field: quoted when it holds a comma, quote or line break; a leading = + - @ is defused for spreadsheets. */
function csvField(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

/**
 * The matching entries, oldest first, as CSV lines or a JSON array, in chunks of 1,000 rows (so a long log is never
 * held whole). Each row keeps its hash, so an export can be checked against the chain later.
 */
export async function* auditExport(db: Db, input: unknown, format: 'csv' | 'json'): AsyncGenerator<string> {
  const f = parse(auditFilters, input ?? {})
  let after = 0
  let first = true
  yield format === 'csv' ? `${CSV_COLUMNS.join(',')}\r\n` : '['
  for (;;) {
    const rows = await query(db, f).where('audit_log.id', '>', after).orderBy('audit_log.id').limit(1000).execute()
    if (!rows.length) break
    after = rows[rows.length - 1]!.id
    const out: string[] = []
    for (const r of rows.map(view)) {
      if (format === 'csv') out.push(`${CSV_COLUMNS.map((c) => csvField(r[c])).join(',')}\r\n`)
      else out.push(`${first ? '' : ','}\n${JSON.stringify(r)}`)
      first = false
    }
    yield out.join('')
  }
  if (format === 'json') yield '\n]\n'
}

export interface ChainReport {
  ok: boolean
  /** Rows checked. */
  rows: number
  /** The first row where the chain breaks, and why. */
  broken: { id: number; problem: string } | null
  /** The hash of the newest row: note it somewhere else, and a later check shows whether rows were cut off the end. */
  head: string | null
}

/** Walk the whole chain, oldest first, in chunks; stops at the first break. */
export async function verifyAuditChain(db: Db): Promise<ChainReport> {
  let prev: string | null = null
  let after = 0
  let rows = 0
  for (;;) {
    const chunk = await db.selectFrom('audit_log').select(['id', 'actor_id', 'actor_ref', 'action', 'target_type', 'target_id', 'details', 'created_at', 'prev_hash', 'hash']).where('id', '>', after).orderBy('id').limit(2000).execute()
    if (!chunk.length) break
    for (const r of chunk) {
      rows++
      const broken = (problem: string): ChainReport => ({ ok: false, rows, broken: { id: r.id, problem }, head: null })
      if (r.prev_hash !== prev) return broken(prev === null ? 'The first row names a row before it.' : 'It does not follow the row before it: a row was removed or added here.')
      if (r.hash !== auditHash(prev, r)) return broken('Its content does not match its hash: the row was changed.')
      if (r.actor_id !== null && r.actor_id !== r.actor_ref) return broken('Its actor was changed.')
      prev = r.hash
    }
    after = chunk[chunk.length - 1]!.id
  }
  return { ok: true, rows, broken: null, head: prev }
}
