// Email (issue 19): whether a member's address is confirmed, and the one-use tokens emailed links carry
// (address confirmation, password reset, an address change waiting for its confirmation).
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('users').addColumn('email_verified_at', 'text').execute()
  await sql`create table email_tokens (
    id integer primary key,
    user_id integer not null references users (id) on delete cascade,
    purpose text not null check (purpose in ('verify', 'reset', 'change')),
    token_hash text not null unique,
    email text not null,
    created_at text not null,
    expires_at text not null,
    used_at text
  )`.execute(db)
  await sql`create index email_tokens_user on email_tokens (user_id, purpose)`.execute(db)
}
