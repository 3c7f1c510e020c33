// Access control (issue 19): blocks of addresses, email domains and usernames; invite links; sign-ups waiting
// for an admin's approval (their account is suspended until then, so it is hidden like one).
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table access_blocks (
    id integer primary key,
    kind text not null check (kind in ('ip', 'email_domain', 'username')),
    value text not null,
    severity text not null check (severity in ('approval', 'refuse', 'no_access')),
    note text not null default '',
    expires_at text,
    created_by integer references users (id) on delete set null,
    created_at text not null,
    check (severity != 'no_access' or kind = 'ip')
  )`.execute(db)
  await sql`create table invites (
    id integer primary key,
    code text not null unique,
    note text not null default '',
    max_uses integer check (max_uses is null or max_uses > 0),
    uses integer not null default 0 check (uses >= 0 and (max_uses is null or uses <= max_uses)),
    expires_at text,
    revoked_at text,
    created_by integer references users (id) on delete set null,
    created_at text not null
  )`.execute(db)
  await db.schema.alterTable('users').addColumn('approval', 'text', (c) => c.check(sql`approval in ('pending', 'rejected')`)).execute()
  await db.schema.alterTable('users').addColumn('signup_reason', 'text').execute()
  await db.schema.alterTable('users').addColumn('invite_id', 'integer', (c) => c.references('invites.id').onDelete('set null')).execute()
  await sql`create index users_pending on users (id) where approval = 'pending'`.execute(db)
}
