// Creates the messages tables: conversations (direct and group), their participants (role, standing, what each
// sees and has read), messages (metadata only: the text lives in messages_bodies, behind bodies.ts), the bodies,
// messages deleted for one member, and each member's messaging preferences.
import { sql, type Kysely } from 'kysely'

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages_conversations')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('direct', 'group')`))
    .addColumn('name', 'text')
    // "LOW:HIGH" user ids for a direct conversation, so two members have one; null for groups.
    .addColumn('direct_key', 'text', (c) => c.unique())
    .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('last_message_id', 'integer')
    // Later: a conversation-wide disappearing timer (seconds), null when off.
    .addColumn('disappear_seconds', 'integer')
    .execute()

  await db.schema
    .createTable('messages_participants')
    .addColumn('conversation_id', 'integer', (c) => c.notNull().references('messages_conversations.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('member').check(sql`role in ('owner', 'admin', 'member')`))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('active').check(sql`state in ('active', 'left', 'removed')`))
    // A direct conversation someone may not message them in lands in their requests: pending until accepted or declined.
    .addColumn('request', 'text', (c) => c.notNull().defaultTo('none').check(sql`request in ('none', 'pending', 'declined')`))
    .addColumn('joined_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('left_at', 'text')
    // They see messages with from_id < id <= until_id (until_id null while they are in): nothing from before they
    // joined a group, nothing sent after they left or were removed.
    .addColumn('from_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('until_id', 'integer')
    .addColumn('muted', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('archived', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pinned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_read_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('messages_participants_pk', ['conversation_id', 'user_id'])
    .execute()
  await db.schema.createIndex('messages_participants_user').on('messages_participants').columns(['user_id', 'state']).execute()

  await db.schema
    .createTable('messages_messages')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('conversation_id', 'integer', (c) => c.notNull().references('messages_conversations.id').onDelete('cascade'))
    .addColumn('sender_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('text').check(sql`kind in ('text', 'media', 'file', 'voice', 'system')`))
    // The sender's own id for the message, so a retried send stores it once.
    .addColumn('client_id', 'text')
    .addColumn('reply_to_id', 'integer', (c) => c.references('messages_messages.id').onDelete('set null'))
    // A system line's event: {"type":"added","user":12} and the like.
    .addColumn('event', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('edited_at', 'text')
    // Unsent for everyone: the body is gone, the row stays as "unsent" so the thread keeps its shape.
    .addColumn('unsent_at', 'text')
    // Later: disappearing messages.
    .addColumn('expires_at', 'text')
    .execute()
  await db.schema.createIndex('messages_messages_conversation').on('messages_messages').columns(['conversation_id', 'id']).execute()
  await db.schema.createIndex('messages_messages_client').on('messages_messages').columns(['conversation_id', 'sender_id', 'client_id']).unique().where(sql.ref('client_id'), 'is not', null).execute()

  await db.schema
    .createTable('messages_bodies')
    .addColumn('message_id', 'integer', (c) => c.primaryKey().references('messages_messages.id').onDelete('cascade'))
    .addColumn('body', 'text', (c) => c.notNull())
    .execute()

  await db.schema
    .createTable('messages_hidden')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('message_id', 'integer', (c) => c.notNull().references('messages_messages.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('messages_hidden_pk', ['user_id', 'message_id'])
    .execute()

  await db.schema
    .createTable('messages_prefs')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('read_receipts', 'integer', (c) => c.notNull().defaultTo(1))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['messages_prefs', 'messages_hidden', 'messages_bodies', 'messages_messages', 'messages_participants', 'messages_conversations']) await db.schema.dropTable(t).ifExists().execute()
}
