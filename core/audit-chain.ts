// The audit log's hash chain (decision 045): one function, used by SQLite's trigger (registered on every
// connection in core/db/connect.ts), the migration that chained the first rows, and `hearth audit verify`.
import { createHash } from 'node:crypto'

export interface ChainedFields {
  id: number
  actor_ref: number | null
  action: string
  target_type: string | null
  target_id: string | null
  details: string
  created_at: string
}

/** sha256 over the previous row's hash and this row's fields, each written out with its length so no two rows read alike. */
export function auditHash(prev: string | null, r: ChainedFields): string {
  const h = createHash('sha256')
  for (const part of [prev ?? '', String(r.id), r.actor_ref === null ? '' : String(r.actor_ref), r.action, r.target_type ?? '', r.target_id ?? '', r.details, r.created_at]) {
    h.update(`${part.length}:`).update(part)
  }
  return h.digest('hex')
}

/** The same, with SQLite's argument order, for the trigger. */
export function auditHashSql(prev: unknown, id: unknown, actor: unknown, action: unknown, targetType: unknown, targetId: unknown, details: unknown, createdAt: unknown): string {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v))
  return auditHash(text(prev), {
    id: Number(id),
    actor_ref: actor === null || actor === undefined ? null : Number(actor),
    action: String(action),
    target_type: text(targetType),
    target_id: text(targetId),
    details: String(details),
    created_at: String(createdAt),
  })
}
