// Attachments of messages: photos and videos (core media items), files and voice notes (the plugin's own files),
// in order, with view-once and a voice note's duration and waveform; and who opened which view-once item.
import { sql, type Kysely } from 'kysely'

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages_attachments')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('message_id', 'integer', (c) => c.notNull().references('messages_messages.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('media', 'file', 'voice')`))
    // A photo or video: core's media item (its files are core's, removed through ctx.core.media.remove).
    .addColumn('media_id', 'integer')
    // A file or a voice note: the plugin's own files (ctx.core.files keys); a voice note has the upload until converted,
    // then its Opus (WebM) and AAC (M4A) versions.
    .addColumn('file_key', 'text')
    .addColumn('alt_key', 'text')
    .addColumn('file_name', 'text')
    .addColumn('mime', 'text')
    .addColumn('size_bytes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('ready').check(sql`status in ('processing', 'ready', 'failed')`))
    .addColumn('duration_ms', 'integer')
    // A voice note's loudness as 48 numbers from 0 to 100, drawn as bars.
    .addColumn('waveform', 'text')
    .addColumn('view_once', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.createIndex('messages_attachments_message').on('messages_attachments').columns(['message_id', 'position']).execute()
  await db.schema.createIndex('messages_attachments_media').on('messages_attachments').column('media_id').where(sql.ref('media_id'), 'is not', null).execute()

  await db.schema
    .createTable('messages_opens')
    .addColumn('attachment_id', 'integer', (c) => c.notNull().references('messages_attachments.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('opened_at', 'text', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('messages_opens_pk', ['attachment_id', 'user_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('messages_opens').ifExists().execute()
  await db.schema.dropTable('messages_attachments').ifExists().execute()
}
