// Creates the stories tables: stories, their audience lists, views, reactions, close friends and highlights.
import { sql, type Kysely } from 'kysely'

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('stories_items')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('author_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('photo', 'video', 'text')`))
    .addColumn('media_id', 'integer', (c) => c.references('media.id').onDelete('set null'))
    .addColumn('text', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('background', 'text')
    .addColumn('audience', 'text', (c) => c.notNull().check(sql`audience in ('public', 'followers', 'close_friends', 'custom')`))
    .addColumn('view_once', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute()
  await db.schema.createIndex('stories_items_author_expires').on('stories_items').columns(['author_id', 'expires_at']).execute()
  await db.schema.createIndex('stories_items_expires').on('stories_items').column('expires_at').execute()
  await db.schema.createIndex('stories_items_media').on('stories_items').column('media_id').execute()

  await db.schema
    .createTable('stories_audience')
    .addColumn('story_id', 'integer', (c) => c.notNull().references('stories_items.id').onDelete('cascade'))
    .addColumn('list', 'text', (c) => c.notNull().check(sql`list in ('custom', 'hide')`))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('stories_audience_pk', ['story_id', 'list', 'user_id'])
    .execute()

  await db.schema
    .createTable('stories_views')
    .addColumn('story_id', 'integer', (c) => c.notNull().references('stories_items.id').onDelete('cascade'))
    .addColumn('viewer_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('viewed_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('stories_views_pk', ['story_id', 'viewer_id'])
    .execute()
  await db.schema.createIndex('stories_views_viewer').on('stories_views').columns(['viewer_id', 'story_id']).execute()

  await db.schema
    .createTable('stories_reactions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('story_id', 'integer', (c) => c.notNull().references('stories_items.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('emoji', 'text')`))
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('stories_reactions_story').on('stories_reactions').columns(['story_id', 'user_id']).execute()

  await db.schema
    .createTable('stories_close_friends')
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('friend_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('stories_close_friends_pk', ['owner_id', 'friend_id'])
    .execute()
  await db.schema.createIndex('stories_close_friends_friend').on('stories_close_friends').column('friend_id').execute()

  await db.schema
    .createTable('stories_highlights')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('owner_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addUniqueConstraint('stories_highlights_owner_title', ['owner_id', 'title'])
    .execute()

  await db.schema
    .createTable('stories_highlight_items')
    .addColumn('highlight_id', 'integer', (c) => c.notNull().references('stories_highlights.id').onDelete('cascade'))
    .addColumn('story_id', 'integer', (c) => c.notNull().references('stories_items.id').onDelete('cascade'))
    .addColumn('added_at', 'text', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('stories_highlight_items_pk', ['highlight_id', 'story_id'])
    .execute()
  await db.schema.createIndex('stories_highlight_items_story').on('stories_highlight_items').column('story_id').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['stories_highlight_items', 'stories_highlights', 'stories_close_friends', 'stories_reactions', 'stories_views', 'stories_audience', 'stories_items']) {
    await db.schema.dropTable(t).execute()
  }
}
