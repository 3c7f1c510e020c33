// Disappearing and scheduled messages, search, reactions and the change log a reconnecting page replays:
// scheduled messages waiting to be sent, one reaction per member per message, each conversation's changes to
// messages already sent (edits, unsends, reactions, disappearances) numbered in the sequence message ids use, and
// an FTS5 index of message bodies kept by triggers on messages_bodies (so no path that writes a body can forget it).
import { sql, type Kysely } from 'kysely'

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages_scheduled')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('conversation_id', 'integer', (c) => c.notNull().references('messages_conversations.id').onDelete('cascade'))
    .addColumn('sender_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    // What will be sent; held here until then (it reaches messages_bodies only when sent).
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('disappear_seconds', 'integer')
    .addColumn('send_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    // pending until its job runs; then sent (message_id) or not_sent (reason, shown to the sender).
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'sent', 'not_sent')`))
    .addColumn('message_id', 'integer', (c) => c.references('messages_messages.id').onDelete('set null'))
    .addColumn('reason', 'text')
    .execute()
  await db.schema.createIndex('messages_scheduled_sender').on('messages_scheduled').columns(['sender_id', 'status', 'send_at']).execute()

  await db.schema
    .createTable('messages_reactions')
    .addColumn('message_id', 'integer', (c) => c.notNull().references('messages_messages.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('emoji', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('messages_reactions_pk', ['message_id', 'user_id'])
    .execute()

  // seq shares messages_messages' id sequence (changes.ts takes the next id from it), so one number orders new
  // messages and changes alike, and a page's last seen sequence number means the same thing for both.
  await db.schema
    .createTable('messages_changes')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('conversation_id', 'integer', (c) => c.notNull().references('messages_conversations.id').onDelete('cascade'))
    // No foreign key: a disappeared message's change outlives its row.
    .addColumn('message_id', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('edited', 'unsent', 'reactions', 'disappeared')`))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('messages_changes_conversation').on('messages_changes').columns(['conversation_id', 'seq']).execute()

  // The search index reads its text from messages_bodies (external content) and is kept by these triggers.
  await sql`create virtual table messages_search using fts5(body, content='messages_bodies', content_rowid='message_id', tokenize='unicode61 remove_diacritics 2')`.execute(db)
  await sql`create trigger messages_search_insert after insert on messages_bodies begin
    insert into messages_search(rowid, body) values (new.message_id, new.body); end`.execute(db)
  await sql`create trigger messages_search_delete after delete on messages_bodies begin
    insert into messages_search(messages_search, rowid, body) values ('delete', old.message_id, old.body); end`.execute(db)
  await sql`create trigger messages_search_update after update on messages_bodies begin
    insert into messages_search(messages_search, rowid, body) values ('delete', old.message_id, old.body);
    insert into messages_search(rowid, body) values (new.message_id, new.body); end`.execute(db)
  await sql`insert into messages_search(messages_search) values ('rebuild')`.execute(db)

  await db.schema.createIndex('messages_messages_expires').on('messages_messages').column('expires_at').where(sql.ref('expires_at'), 'is not', null).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_messages_expires').ifExists().execute()
  for (const t of ['messages_search_insert', 'messages_search_delete', 'messages_search_update']) await sql`drop trigger if exists ${sql.raw(t)}`.execute(db)
  await sql`drop table if exists messages_search`.execute(db)
  for (const t of ['messages_changes', 'messages_reactions', 'messages_scheduled']) await db.schema.dropTable(t).ifExists().execute()
}
