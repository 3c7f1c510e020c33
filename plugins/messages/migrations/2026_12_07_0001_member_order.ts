// A conversation's active members in the order they joined, by index: the inbox lists a group's first members and
// counts the rest (queries.ts `membersShown`, `memberCounts`) from this index alone, without reading or sorting the
// rows of a 1,000-member group.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('messages_participants_order').on('messages_participants').columns(['conversation_id', 'state', 'joined_at', 'user_id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_participants_order').ifExists().execute()
}
