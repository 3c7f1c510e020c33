// Onboarding (issue 19): whether a new member still has the welcome page ahead of them (on the users row every request loads).
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column onboarding integer not null default 0`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop column onboarding`.execute(db)
}
