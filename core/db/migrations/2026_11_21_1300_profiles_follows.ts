// Profiles (bio, links, avatar and its audience, private switch, account type, counts) and the follow graph.
import { sql, type Kysely } from 'kysely'

const nowDefault = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  const add = (name: string, type: 'text' | 'integer', build?: (c: any) => any) =>
    db.schema.alterTable('users').addColumn(name, type, build ?? ((c) => c)).execute()
  await add('bio', 'text', (c) => c.notNull().defaultTo(''))
  await add('links', 'text', (c) => c.notNull().defaultTo('[]'))
  await add('avatar_media_id', 'integer', (c) => c.references('media.id').onDelete('set null'))
  await add('avatar_visibility', 'text', (c) => c.notNull().defaultTo('public'))
  await add('is_private', 'integer', (c) => c.notNull().defaultTo(0))
  await add('account_type', 'text', (c) => c.notNull().defaultTo('personal'))
  await add('followers_count', 'integer', (c) => c.notNull().defaultTo(0))
  await add('following_count', 'integer', (c) => c.notNull().defaultTo(0))
  await add('posts_count', 'integer', (c) => c.notNull().defaultTo(0))

  await db.schema
    .createTable('avatar_audience')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('member_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('avatar_audience_pk', ['user_id', 'member_id'])
    .execute()

  await db.schema
    .createTable('follows')
    .addColumn('follower_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('followee_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addPrimaryKeyConstraint('follows_pk', ['follower_id', 'followee_id'])
    .addCheckConstraint('follows_not_self', sql`follower_id <> followee_id`)
    .execute()
  await db.schema.createIndex('follows_followee').on('follows').columns(['followee_id', 'created_at']).execute()

  await db.schema
    .createTable('follow_requests')
    .addColumn('requester_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('target_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addPrimaryKeyConstraint('follow_requests_pk', ['requester_id', 'target_id'])
    .execute()
  await db.schema.createIndex('follow_requests_target').on('follow_requests').columns(['target_id', 'created_at']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['follow_requests', 'follows', 'avatar_audience']) await db.schema.dropTable(t).execute()
  for (const c of ['posts_count', 'following_count', 'followers_count', 'account_type', 'is_private', 'avatar_visibility', 'avatar_media_id', 'links', 'bio']) {
    await db.schema.alterTable('users').dropColumn(c).execute()
  }
}
