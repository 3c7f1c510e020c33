// Posts with their media, hashtags, mentions, hide-from lists and pins; the fan-out feed table.
import { sql, type Kysely } from 'kysely'

const nowDefault = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('posts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('visibility', 'text', (c) => c.notNull().check(sql`visibility in ('public','followers','only_me')`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('scheduled','published')`))
    .addColumn('publish_at', 'text')
    // The time the post appeared (its sort key); set when it is published.
    .addColumn('published_at', 'text')
    .addColumn('comments_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('likes_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('comments_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('edited_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .execute()
  await db.schema.createIndex('posts_author_published').on('posts').columns(['author_id', 'published_at', 'id']).execute()
  await db.schema.createIndex('posts_published').on('posts').columns(['status', 'visibility', 'published_at']).execute()
  await db.schema.createIndex('posts_scheduled').on('posts').columns(['status', 'publish_at']).execute()

  await db.schema
    .createTable('post_media')
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('media_id', 'integer', (c) => c.notNull().unique().references('media.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('post_media_pk', ['post_id', 'position'])
    .execute()

  await db.schema
    .createTable('hashtags')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('tag', 'text', (c) => c.notNull().unique().modifyEnd(sql`collate nocase`))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .execute()
  await db.schema
    .createTable('post_hashtags')
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('hashtag_id', 'integer', (c) => c.notNull().references('hashtags.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('post_hashtags_pk', ['post_id', 'hashtag_id'])
    .execute()
  await db.schema.createIndex('post_hashtags_tag').on('post_hashtags').columns(['hashtag_id', 'post_id']).execute()

  await db.schema
    .createTable('post_mentions')
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('post_mentions_pk', ['post_id', 'user_id'])
    .execute()

  await db.schema
    .createTable('post_hidden_from')
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('post_hidden_from_pk', ['post_id', 'user_id'])
    .execute()

  await db.schema
    .createTable('pins')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addPrimaryKeyConstraint('pins_pk', ['user_id', 'post_id'])
    .execute()

  await db.schema
    .createTable('feed_items')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
    .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('published_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('feed_items_pk', ['user_id', 'post_id'])
    .execute()
  await db.schema.createIndex('feed_items_read').on('feed_items').columns(['user_id', 'published_at', 'post_id']).execute()
  await db.schema.createIndex('feed_items_author').on('feed_items').columns(['user_id', 'author_id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['feed_items', 'pins', 'post_hidden_from', 'post_mentions', 'post_hashtags', 'hashtags', 'post_media', 'posts']) {
    await db.schema.dropTable(t).execute()
  }
}
