// Rules and legal pages (issue 19): the operator's versioned documents (terms, privacy, community rules, about),
// and which version of each a member accepted.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table legal_documents (
    id integer primary key,
    kind text not null,
    version integer not null,
    body text not null,
    note text not null default '',
    requires_acceptance integer not null default 1,
    author_id integer references users (id) on delete set null,
    published_at text not null,
    unique (kind, version)
  )`.execute(db)
  await sql`create table legal_acceptances (
    user_id integer not null references users (id) on delete cascade,
    document_id integer not null references legal_documents (id) on delete cascade,
    accepted_at text not null,
    primary key (user_id, document_id)
  ) without rowid`.execute(db)
  // The newest document (its id) the member accepted: on the users row every request loads, so the gate costs nothing.
  await sql`alter table users add column legal_accepted integer not null default 0`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table users drop column legal_accepted`.execute(db)
  await sql`drop table legal_acceptances`.execute(db)
  await sql`drop table legal_documents`.execute(db)
}
