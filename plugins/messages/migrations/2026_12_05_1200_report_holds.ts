// Files held for reports: the photos, videos, files and voice notes of reported messages (and the messages captured
// around them), kept for staff while the report is open even if the message is unsent or disappears meanwhile.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages_report_holds')
    .addColumn('report_id', 'integer', (c) => c.notNull())
    .addColumn('attachment_id', 'integer', (c) => c.notNull())
    .addColumn('message_id', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('media_id', 'integer')
    .addColumn('file_key', 'text')
    .addColumn('alt_key', 'text')
    .addColumn('file_name', 'text')
    .addColumn('mime', 'text')
    .addColumn('size_bytes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('duration_ms', 'integer')
    .addColumn('view_once', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .addPrimaryKeyConstraint('messages_report_holds_pk', ['report_id', 'attachment_id'])
    .execute()
  await db.schema.createIndex('messages_report_holds_attachment').on('messages_report_holds').column('attachment_id').execute()
  await db.schema.createIndex('messages_report_holds_media').on('messages_report_holds').column('media_id').where(sql.ref('media_id'), 'is not', null).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('messages_report_holds').execute()
}
