// The audit log as a hash chain (issue 18): each row's hash covers its content and the previous row's hash, so a row
// changed or deleted by hand shows in `hearth audit verify`. The hash is computed by SQLite itself in a trigger
// (hearth_audit_hash, registered by core/db/connect.ts), so rows written by any process chain in commit order.
import { sql, type Kysely } from 'kysely'
import { auditHash } from '../../audit-chain.js'

export async function up(db: Kysely<any>): Promise<void> {
  // actor_id is a foreign key that a deleted account sets to null; the hash covers this copy, which nothing changes.
  await sql`alter table audit_log add column actor_ref integer`.execute(db)
  await sql`alter table audit_log add column prev_hash text`.execute(db)
  await sql`alter table audit_log add column hash text`.execute(db)
  // The rows so far, chained in id order.
  let prev: string | null = null
  const rows = await sql<{ id: number; actor_id: number | null; action: string; target_type: string | null; target_id: string | null; details: string; created_at: string }>`select id, actor_id, action, target_type, target_id, details, created_at from audit_log order by id`.execute(db)
  for (const r of rows.rows) {
    const hash = auditHash(prev, { ...r, actor_ref: r.actor_id })
    await sql`update audit_log set actor_ref = ${r.actor_id}, prev_hash = ${prev}, hash = ${hash} where id = ${r.id}`.execute(db)
    prev = hash
  }
  await sql`create trigger audit_log_chain after insert on audit_log begin
    update audit_log set
      actor_ref = new.actor_id,
      prev_hash = (select hash from audit_log where id < new.id order by id desc limit 1),
      hash = hearth_audit_hash((select hash from audit_log where id < new.id order by id desc limit 1), new.id, new.actor_id, new.action, new.target_type, new.target_id, new.details, new.created_at)
    where id = new.id;
  end`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger audit_log_chain`.execute(db)
  for (const c of ['hash', 'prev_hash', 'actor_ref']) await sql`alter table audit_log drop column ${sql.id(c)}`.execute(db)
}
