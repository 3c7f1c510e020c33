// Server usage (issue 18): requests, time spent and bytes served per minute and route, counted in memory and
// written once a minute, so the console can chart requests per minute and name the slowest routes.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table request_stats (
    minute text not null,
    route text not null,
    requests integer not null,
    api integer not null,
    errors integer not null,
    total_ms integer not null,
    max_ms integer not null,
    bytes integer not null,
    primary key (minute, route)
  ) without rowid`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table request_stats`.execute(db)
}
