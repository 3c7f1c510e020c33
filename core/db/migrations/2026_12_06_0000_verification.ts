// Verification (issue 18): the badge on the users row (read wherever a name is, with no join), and members' requests
// for it, which staff approve or reject. One open request per member at a time.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table users add column verified_at text`.execute(db)
  await sql`alter table users add column verified_by integer references users (id) on delete set null`.execute(db)
  await sql`create index users_verified on users (verified_at) where verified_at is not null`.execute(db)
  await sql`create table verification_requests (
    id integer primary key,
    user_id integer not null references users (id) on delete cascade,
    reason text not null,
    links text not null default '[]',
    status text not null default 'pending',
    staff_note text not null default '',
    decided_by integer references users (id) on delete set null,
    decided_at text,
    created_at text not null
  )`.execute(db)
  await sql`create unique index verification_requests_one_open on verification_requests (user_id) where status = 'pending'`.execute(db)
  await sql`create index verification_requests_user on verification_requests (user_id, id)`.execute(db)
  await sql`create index verification_requests_status on verification_requests (status, id)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table verification_requests`.execute(db)
  await sql`drop index users_verified`.execute(db)
  await sql`alter table users drop column verified_by`.execute(db)
  await sql`alter table users drop column verified_at`.execute(db)
}
