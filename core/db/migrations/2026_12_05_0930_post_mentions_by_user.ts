// The profile's "Tagged" tab reads the posts that mention a member, newest first: an index from the member.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('post_mentions_user').on('post_mentions').columns(['user_id', 'post_id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('post_mentions_user').execute()
}
