// The member's colour scheme for the site: 'system' follows the device (prefers-color-scheme), or 'light' / 'dark'.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column color_scheme text not null default 'system'`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop column color_scheme`.execute(db)
}
