// Curation (issue 18): categories of posts, members' interests in them, and what staff feature on Explore (posts, hashtags).
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('categories')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .execute()
  // A category's page walks its posts newest first along this index; a deleted category leaves its posts without one.
  await sql`alter table posts add column category_id integer references categories(id) on delete set null`.execute(db)
  await db.schema.createIndex('posts_category_published').on('posts').columns(['category_id', 'published_at', 'id']).where(sql.ref('category_id'), 'is not', null).execute()
  await db.schema
    .createTable('member_categories')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('category_id', 'integer', (c) => c.notNull().references('categories.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .addPrimaryKeyConstraint('member_categories_pk', ['user_id', 'category_id'])
    .execute()
  await db.schema
    .createTable('featured_posts')
    .addColumn('post_id', 'integer', (c) => c.primaryKey().references('posts.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('until', 'text')
    .addColumn('featured_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .execute()
  await db.schema
    .createTable('featured_hashtags')
    .addColumn('tag', 'text', (c) => c.primaryKey())
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('until', 'text')
    .addColumn('featured_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('featured_hashtags').execute()
  await db.schema.dropTable('featured_posts').execute()
  await db.schema.dropTable('member_categories').execute()
  await db.schema.dropIndex('posts_category_published').execute()
  await sql`alter table posts drop column category_id`.execute(db)
  await db.schema.dropTable('categories').execute()
}
