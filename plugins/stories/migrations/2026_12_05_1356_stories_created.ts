// Stories by the time they were made: the dashboard's stories per day counts each day through it.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index stories_items_created on stories_items (created_at)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index stories_items_created`.execute(db)
}
