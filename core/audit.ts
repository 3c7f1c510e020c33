// The audit log: who did what to whom. Every administrative change writes one row.
import type { Db } from './db/connect.js'

export interface AuditEntry {
  actorId: number | null
  action: string
  targetType?: string
  targetId?: string | number
  details?: Record<string, unknown>
}

export async function audit(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({
      actor_id: entry.actorId,
      action: entry.action,
      target_type: entry.targetType ?? null,
      target_id: entry.targetId === undefined ? null : String(entry.targetId),
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute()
}
