// The nav badge's conversations (queries.ts `unreadCounts`, on every page a member opens): only a member's unread,
// unmuted conversations and their requests, so the badge reads those few rows instead of every conversation the
// member is in (500 conversations: 0.55 ms a page). The condition is the query's own, word for word: SQLite uses a
// partial index only for a query whose WHERE says what the index's does; its columns are those of
// messages_participants_user, which the planner would otherwise prefer for their two equalities.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index messages_participants_badge on messages_participants (user_id, state)
    where state = 'active' and ((request = 'none' and muted = 0 and unread_count > 0) or request = 'pending')`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_participants_badge').ifExists().execute()
}
