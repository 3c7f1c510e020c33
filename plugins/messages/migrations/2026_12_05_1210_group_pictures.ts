// A group conversation's picture: a core media item its owner or an admin chose (members alone may load it).
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages_conversations').addColumn('picture_media_id', 'integer').execute()
  await db.schema.createIndex('messages_conversations_picture').on('messages_conversations').column('picture_media_id').where('picture_media_id', 'is not', null).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('messages_conversations_picture').execute()
  await db.schema.alterTable('messages_conversations').dropColumn('picture_media_id').execute()
}
