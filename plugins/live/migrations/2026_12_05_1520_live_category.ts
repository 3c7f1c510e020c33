// A stream's category (core's curation, issue 18): nullable, the id rather than the slug (a slug may change), and
// `on delete set null` so a deleted category simply leaves its streams without one. The index serves the live
// directory filtered by category (live streams of one category, newest first).
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table live_streams add column category_id integer references categories(id) on delete set null`.execute(db)
  await db.schema.createIndex('live_streams_category').on('live_streams').columns(['category_id', 'status', 'id']).where(sql.ref('category_id'), 'is not', null).execute()
}
