// Custom staff roles (issue 18): a named set of permissions an admin gives members, beside the built-in moderator and admin.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table staff_roles (
    id integer primary key,
    name text not null unique check (length(name) between 1 and 40),
    label text not null,
    permissions text not null default '[]',
    created_at text not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
  )`.execute(db)
  await sql`alter table users add column staff_role_id integer references staff_roles (id) on delete set null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop column staff_role_id`.execute(db)
  await sql`drop table staff_roles`.execute(db)
}
