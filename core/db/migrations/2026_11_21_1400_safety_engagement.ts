// Blocks and mutes, member preferences (privacy, notifications), reactions, comments, bookmarks and collections.
import { sql, type Kysely } from 'kysely'

const nowDefault = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  const pair = async (table: string, a: string, b: string) => {
    await db.schema
      .createTable(table)
      .addColumn(a, 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn(b, 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
      .addPrimaryKeyConstraint(`${table}_pk`, [a, b])
      .addCheckConstraint(`${table}_not_self`, sql.raw(`${a} <> ${b}`))
      .execute()
    await db.schema.createIndex(`${table}_${b}`).on(table).column(b).execute()
  }
  await pair('blocks', 'blocker_id', 'blocked_id')
  await pair('mutes', 'muter_id', 'muted_id')

  await db.schema
    .createTable('user_preferences')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_preferences_pk', ['user_id', 'key'])
    .execute()

  await db.schema.alterTable('posts').addColumn('dislikes_count', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  await db.schema
    .createTable('reactions')
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('like','dislike')`))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addPrimaryKeyConstraint('reactions_pk', ['post_id', 'user_id'])
    .execute()
  await db.schema.createIndex('reactions_post_kind').on('reactions').columns(['post_id', 'kind', 'created_at']).execute()
  await db.schema.createIndex('reactions_user').on('reactions').columns(['user_id', 'created_at']).execute()

  await db.schema
    .createTable('comments')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('parent_id', 'integer', (c) => c.references('comments.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('likes_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('replies_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('edited_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .execute()
  await db.schema.createIndex('comments_post').on('comments').columns(['post_id', 'parent_id', 'created_at']).execute()
  await db.schema.createIndex('comments_author').on('comments').columns(['author_id', 'created_at']).execute()
  await db.schema
    .createTable('comment_likes')
    .addColumn('comment_id', 'integer', (c) => c.notNull().references('comments.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addPrimaryKeyConstraint('comment_likes_pk', ['comment_id', 'user_id'])
    .execute()
  await db.schema
    .createTable('comment_mentions')
    .addColumn('comment_id', 'integer', (c) => c.notNull().references('comments.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('comment_mentions_pk', ['comment_id', 'user_id'])
    .execute()

  await db.schema
    .createTable('bookmarks')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addPrimaryKeyConstraint('bookmarks_pk', ['user_id', 'post_id'])
    .execute()
  await db.schema.createIndex('bookmarks_user').on('bookmarks').columns(['user_id', 'created_at']).execute()

  await db.schema
    .createTable('collections')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility in ('public','private')`))
    // A private collection can be shared with anyone holding this link token.
    .addColumn('share_token', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .execute()
  await db.schema.createIndex('collections_owner_name').on('collections').columns(['owner_id', 'name']).unique().execute()
  await db.schema
    .createTable('collection_posts')
    .addColumn('collection_id', 'integer', (c) => c.notNull().references('collections.id').onDelete('cascade'))
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('added_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addPrimaryKeyConstraint('collection_posts_pk', ['collection_id', 'post_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['collection_posts', 'collections', 'bookmarks', 'comment_mentions', 'comment_likes', 'comments', 'reactions', 'user_preferences', 'mutes', 'blocks']) {
    await db.schema.dropTable(t).execute()
  }
  await db.schema.alterTable('posts').dropColumn('dislikes_count').execute()
}
