// Rate limits and budgets kept across restarts (decision 019): one fixed-window counter per scope and owner.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // reset_at in epoch milliseconds: the limiter compares it with Date.now() on every hit.
  await sql`create table rate_limits (
    key text primary key,
    count integer not null,
    reset_at integer not null
  ) without rowid`.execute(db)
  await db.schema.createIndex('rate_limits_reset_at').on('rate_limits').column('reset_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limits').execute()
}
