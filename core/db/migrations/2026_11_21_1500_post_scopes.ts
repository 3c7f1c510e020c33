// Post scopes: posts that belong to a space a plugin keeps (a group), visible by the scope's rules.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('post_scopes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('public', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`))
    .execute()
  await db.schema
    .createTable('post_scope_members')
    .addColumn('scope_id', 'text', (c) => c.notNull().references('post_scopes.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('post_scope_members_pk', ['scope_id', 'user_id'])
    .execute()
  await db.schema.alterTable('posts').addColumn('scope', 'text', (c) => c.references('post_scopes.id').onDelete('cascade')).execute()
  await db.schema.createIndex('posts_scope').on('posts').columns(['scope', 'published_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('posts_scope').execute()
  await db.schema.alterTable('posts').dropColumn('scope').execute()
  await db.schema.dropTable('post_scope_members').execute()
  await db.schema.dropTable('post_scopes').execute()
}
