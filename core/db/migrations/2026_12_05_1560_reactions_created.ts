// The dashboard's daily likes and engagement (core/admin/metrics.ts) count a day of likes by this index.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index reactions_likes_created on reactions (created_at) where kind = 'like'`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index reactions_likes_created`.execute(db)
}
