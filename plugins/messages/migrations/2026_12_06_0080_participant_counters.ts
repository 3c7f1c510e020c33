// What the inbox, the nav badge and the fan-out read per participant instead of counting messages (decision
// "messages speed"): the conversation's latest message within their standing (`latest_id`, kept by every new
// message), how many messages they have not read (`unread_count`, kept by send, read, delete-for-me, unsend and the
// disappearing purge), and whether a notification was raised for those unread messages already (`told`, so a busy
// group notifies each member once until they read it). Existing rows are backfilled from the messages themselves.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages_participants').addColumn('latest_id', 'integer').execute()
  await db.schema.alterTable('messages_participants').addColumn('unread_count', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('messages_participants').addColumn('told', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  await sql`update messages_participants set latest_id = (
      select case when messages_participants.until_id is not null and messages_participants.until_id < c.last_message_id then messages_participants.until_id else c.last_message_id end
      from messages_conversations c where c.id = messages_participants.conversation_id)`.execute(db)
  // The same count as queries.ts's `unreadTruth`, for every participant at once.
  await sql`update messages_participants set unread_count = (
      select count(*) from messages_messages m where m.conversation_id = messages_participants.conversation_id
        and m.id > messages_participants.from_id and (messages_participants.until_id is null or m.id <= messages_participants.until_id)
        and (m.expires_at is null or m.expires_at > strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        and not exists (select 1 from messages_hidden h where h.user_id = messages_participants.user_id and h.message_id = m.id)
        and m.id > messages_participants.last_read_id and m.sender_id != messages_participants.user_id and m.kind != 'system' and m.unsent_at is null)`.execute(db)
  // Unread messages from before this column were notified when they arrived (or the member was reading them).
  await sql`update messages_participants set told = 1 where unread_count > 0`.execute(db)
  // The inbox walks a member's conversations in its order (pinned, then latest) and stops after a page.
  await db.schema
    .createIndex('messages_participants_inbox')
    .on('messages_participants')
    .columns(['user_id', 'request', 'archived', 'pinned', 'latest_id', 'conversation_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_participants_inbox').ifExists().execute()
  for (const c of ['told', 'unread_count', 'latest_id']) await db.schema.alterTable('messages_participants').dropColumn(c).execute()
}
