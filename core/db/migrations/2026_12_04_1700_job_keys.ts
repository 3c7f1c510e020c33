// Jobs get an idempotency key: among pending and running jobs a key names at most one (decision 015).
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('key', 'text').execute()
  // Partial: a finished job frees its key, so a scheduled thing can be scheduled again under the same name.
  await sql`create unique index jobs_key_outstanding on jobs (key) where key is not null and status in ('pending', 'running')`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('jobs_key_outstanding').execute()
  await db.schema.alterTable('jobs').dropColumn('key').execute()
}
