// A gift sent in a conversation (the coins plugin's): the message keeps what the gift was when it was sent (name,
// price, built-in icon or picture) and the coins plugin's id of the send, once (a second announcement writes nothing).
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages_gifts')
    .addColumn('message_id', 'integer', (c) => c.primaryKey().references('messages_messages.id').onDelete('cascade'))
    .addColumn('send_id', 'integer', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('price', 'integer', (c) => c.notNull())
    .addColumn('icon', 'text')
    .addColumn('media_id', 'integer')
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('messages_gifts').execute()
}
