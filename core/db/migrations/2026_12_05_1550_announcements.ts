// Announcements and re-engagement (issue 19): what staff send to many members, who it reached, and the rules
// that remind members who stopped coming.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table announcements (
    id integer primary key,
    author_id integer references users (id) on delete set null,
    title text not null,
    body text not null,
    channels text not null,
    audience text not null,
    status text not null default 'sending',
    origin text,
    total integer not null default 0,
    reached integer not null default 0,
    cursor integer not null default 0,
    banner_ended_at text,
    created_at text not null,
    finished_at text
  )`.execute(db)
  // One row per member an announcement reached: what makes a retried batch skip them, and what the banner shows.
  await sql`create table announcement_recipients (
    announcement_id integer not null references announcements (id) on delete cascade,
    user_id integer not null references users (id) on delete cascade,
    created_at text not null,
    dismissed_at text,
    primary key (announcement_id, user_id)
  ) without rowid`.execute(db)
  await sql`create index announcement_recipients_user on announcement_recipients (user_id, announcement_id) where dismissed_at is null`.execute(db)

  await sql`create table reengage_rules (
    id integer primary key,
    name text not null,
    inactive_days integer not null,
    action text not null,
    message text not null default '',
    period_days integer not null,
    enabled integer not null default 1,
    created_at text not null,
    updated_at text not null,
    last_run_at text
  )`.execute(db)
  await sql`create table reengage_log (
    id integer primary key,
    rule_id integer not null references reengage_rules (id) on delete cascade,
    user_id integer not null references users (id) on delete cascade,
    sent_at text not null,
    outcome text not null default 'queued'
  )`.execute(db)
  await sql`create index reengage_log_rule_user on reengage_log (rule_id, user_id, sent_at)`.execute(db)
  await sql`create index reengage_log_rule on reengage_log (rule_id, id)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['reengage_log', 'reengage_rules', 'announcement_recipients', 'announcements']) await sql`drop table ${sql.id(t)}`.execute(db)
}
