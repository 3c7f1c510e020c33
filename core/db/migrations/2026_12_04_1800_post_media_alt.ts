// Alt text per photo or video of a post, given by its author (never made up from the file name): empty means none.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table post_media add column alt text not null default ''`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table post_media drop column alt`.execute(db)
}
