// Web push (issue 19): each browser a member turned push on in, as its push service gave it (endpoint and keys).
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create table push_subscriptions (
    id integer primary key,
    user_id integer not null references users (id) on delete cascade,
    endpoint text not null unique,
    p256dh text not null,
    auth text not null,
    user_agent text,
    created_at text not null,
    last_sent_at text
  )`.execute(db)
  await sql`create index push_subscriptions_user on push_subscriptions (user_id)`.execute(db)
}
