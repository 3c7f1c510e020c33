// Staff actions on members (issue 18): a suspension may end by itself, and a warning waits to be read on the next visit.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column suspended_until text`.execute(db)
  // How many warnings the member has not yet read: on the users row, which every request already loads.
  await sql`alter table users add column warnings_unseen integer not null default 0`.execute(db)
  await sql`alter table member_warnings add column seen_at text`.execute(db)
  await sql`create index reports_reporter on reports (reporter_id, id) where reporter_id is not null`.execute(db)
  await sql`create index audit_log_target on audit_log (target_type, target_id, id)`.execute(db)
  await sql`create index audit_log_actor on audit_log (actor_id, id)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const i of ['audit_log_actor', 'audit_log_target', 'reports_reporter']) await sql`drop index ${sql.id(i)}`.execute(db)
  await sql`alter table member_warnings drop column seen_at`.execute(db)
  await sql`alter table users drop column warnings_unseen`.execute(db)
  await sql`alter table users drop column suspended_until`.execute(db)
}
