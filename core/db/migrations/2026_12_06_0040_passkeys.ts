// Passkeys (WebAuthn, issue 19): a member's credentials, the random user handle authenticators store with them, and
// the single-use challenges of registering and signing in (decision 053-passkeys).
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table passkeys (
    id integer primary key,
    user_id integer not null references users (id) on delete cascade,
    credential_id text not null unique,
    public_key blob not null,
    counter integer not null default 0,
    transports text not null default '[]',
    name text not null,
    device_type text not null,
    backed_up integer not null default 0,
    created_at text not null,
    last_used_at text
  )`.execute(db)
  await sql`create index passkeys_user on passkeys (user_id, id)`.execute(db)
  // Never the member's id or name: the handle is what a passkey on a shared device reveals about its account.
  await sql`create table passkey_handles (
    user_id integer primary key references users (id) on delete cascade,
    handle text not null unique
  )`.execute(db)
  await sql`create table passkey_challenges (
    challenge text primary key,
    purpose text not null check (purpose in ('register', 'login', 'second-factor')),
    user_id integer references users (id) on delete cascade,
    expires_at text not null
  )`.execute(db)
  await sql`create index passkey_challenges_expiry on passkey_challenges (expires_at)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table passkey_challenges`.execute(db)
  await sql`drop table passkey_handles`.execute(db)
  await sql`drop table passkeys`.execute(db)
}
