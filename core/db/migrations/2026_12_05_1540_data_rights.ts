// Member data rights (issue 19): exports built by a job and kept for a while, account deletion after a grace
// period, and staff "view as" kept on the staff member's session.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  // When a requested deletion happens (null: none asked), and when it happened (the row stays as a tombstone).
  await sql`alter table users add column deletion_due_at text`.execute(db)
  await sql`alter table users add column deleted_at text`.execute(db)
  await sql`create index users_deletion_due on users (deletion_due_at) where deletion_due_at is not null`.execute(db)
  await sql`create table account_exports (
    id integer primary key,
    user_id integer not null references users (id) on delete cascade,
    status text not null check (status in ('pending', 'building', 'ready', 'failed')),
    file text,
    bytes integer,
    error text,
    created_at text not null,
    ready_at text,
    expires_at text
  )`.execute(db)
  await sql`create index account_exports_user on account_exports (user_id, id)`.execute(db)
  await sql`create index account_exports_expiry on account_exports (expires_at) where expires_at is not null`.execute(db)
  // The member a staff session is looking as (read-only), or null.
  await sql`alter table sessions add column view_as_user_id integer references users (id) on delete set null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table sessions drop column view_as_user_id`.execute(db)
  await sql`drop table account_exports`.execute(db)
  await sql`drop index users_deletion_due`.execute(db)
  await sql`alter table users drop column deleted_at`.execute(db)
  await sql`alter table users drop column deletion_due_at`.execute(db)
}
