// Reposts and quotes are posts (decision 025): a plain repost is a post of the reposter's with no text that points at
// the original (repost_of), a quote is the reposter's own post that embeds it (quote_of). A per-post switch turns
// reposts of a post off (the account-wide one is a privacy preference, privacy.allow_reposts). No foreign keys: an
// original's deletion must not turn a repost into an empty post of its own ("set null"); a dangling id finds no
// original, which reads exactly like a hidden one.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table posts add column repost_of integer`.execute(db)
  await sql`alter table posts add column quote_of integer`.execute(db)
  await sql`alter table posts add column reposts_enabled integer not null default 1`.execute(db)
  // One plain repost per member per post (a repeat finds this one); counts walk an original's reposts and quotes.
  await sql`create unique index posts_repost_of on posts (repost_of, author_id) where repost_of is not null`.execute(db)
  await sql`create index posts_quote_of on posts (quote_of) where quote_of is not null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index posts_quote_of`.execute(db)
  await sql`drop index posts_repost_of`.execute(db)
  await sql`alter table posts drop column reposts_enabled`.execute(db)
  await sql`alter table posts drop column quote_of`.execute(db)
  await sql`alter table posts drop column repost_of`.execute(db)
}
