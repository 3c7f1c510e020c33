// Notifications: one row per event and recipient, grouped into batches while unread.
import { sql, type Kysely } from 'kysely'

const nowDefault = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    // A deleted post or comment takes its notifications with it.
    .addColumn('post_id', 'integer', (c) => c.references('posts.id').onDelete('cascade'))
    .addColumn('comment_id', 'integer', (c) => c.references('comments.id').onDelete('cascade'))
    .addColumn('group_key', 'text')
    .addColumn('batch_id', 'integer', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('read_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addCheckConstraint('notifications_not_self', sql`actor_id is null or actor_id <> user_id`)
    .execute()
  await db.schema.createIndex('notifications_user_batch').on('notifications').columns(['user_id', 'batch_id', 'id']).execute()
  // Finds the open (unread) batch a new row joins.
  await db.schema.createIndex('notifications_open').on('notifications').columns(['user_id', 'group_key']).where(sql.ref('read_at'), 'is', null).execute()
  for (const column of ['actor_id', 'post_id', 'comment_id']) {
    await db.schema.createIndex(`notifications_${column}`).on('notifications').column(column).execute()
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notifications').execute()
}
