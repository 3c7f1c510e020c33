// A post, a profile or a story shared in a message (decision 030): the message keeps only what was shared (kind and
// id); the card is resolved for each reader when they read it, so it shows only to those who may see it now.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('messages_shares')
    .addColumn('message_id', 'integer', (c) => c.primaryKey().references('messages_messages.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref', 'integer', (c) => c.notNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('messages_shares').execute()
}
