// The dashboard's rollups (issue 18): one row per metric and day, filled by a job, so the dashboard reads a few
// hundred rows instead of counting millions; and the days each member was seen, for active members.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table admin_stats (
    metric text not null,
    day text not null,
    value integer not null,
    primary key (metric, day)
  ) without rowid`.execute(db)
  await sql`create table member_days (
    day text not null,
    user_id integer not null references users (id) on delete cascade,
    primary key (day, user_id)
  ) without rowid`.execute(db)
  await sql`create index member_days_user on member_days (user_id, day)`.execute(db)
  // The rollup counts each day's rows through these.
  await sql`create index users_created on users (created_at)`.execute(db)
  await sql`create index posts_created on posts (created_at)`.execute(db)
  await sql`create index comments_created on comments (created_at)`.execute(db)
  await sql`create index reports_created on reports (created_at)`.execute(db)
  await sql`create index reports_resolved on reports (resolved_at) where resolved_at is not null`.execute(db)
  await sql`create index jobs_failed on jobs (updated_at) where status = 'failed'`.execute(db)
  // The days already known: each session's last sight.
  await sql`insert or ignore into member_days (day, user_id) select substr(last_seen_at, 1, 10), user_id from sessions`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const i of ['users_created', 'posts_created', 'comments_created', 'reports_created', 'reports_resolved', 'jobs_failed']) await sql`drop index ${sql.id(i)}`.execute(db)
  await sql`drop table member_days`.execute(db)
  await sql`drop table admin_stats`.execute(db)
}
