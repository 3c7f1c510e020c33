// Verification moved into core (users.verified_at, core/verification): the members staff verified here become
// core's verified members, and coins' own list goes. Core's migrations run before any plugin's, so the column exists.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`update users set verified_at = coalesce(verified_at, (select v.created_at from coins_verified v where v.user_id = users.id)),
    verified_by = coalesce(verified_by, (select v.verified_by from coins_verified v where v.user_id = users.id))
    where id in (select user_id from coins_verified) and deleted_at is null`.execute(db)
  await sql`drop table coins_verified`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`create table coins_verified (
    user_id integer primary key references users (id) on delete cascade,
    verified_by integer references users (id),
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  )`.execute(db)
  await sql`insert into coins_verified (user_id, verified_by, created_at) select id, verified_by, verified_at from users where verified_at is not null`.execute(db)
}
