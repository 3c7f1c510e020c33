// Creates the live plugin's tables: streams, their chat, and the viewers a streamer timed out or banned from it.
import { sql, type Kysely } from 'kysely'

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('live_streams')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('audience', 'text', (c) => c.notNull().check(sql`audience in ('public', 'followers')`))
    .addColumn('chat', 'text', (c) => c.notNull().check(sql`chat in ('on', 'followers', 'off')`))
    .addColumn('save_replay', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('live').check(sql`status in ('live', 'ended')`))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('ended_at', 'text')
    .execute()
  await db.schema.createIndex('live_streams_status').on('live_streams').columns(['status', 'id']).execute()
  await db.schema.createIndex('live_streams_user').on('live_streams').columns(['user_id', 'status']).execute()

  await db.schema
    .createTable('live_chat')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('stream_id', 'integer', (c) => c.notNull().references('live_streams.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('deleted_at', 'text')
    .execute()
  await db.schema.createIndex('live_chat_stream').on('live_chat').columns(['stream_id', 'id']).execute()

  await db.schema
    .createTable('live_bans')
    .addColumn('stream_id', 'integer', (c) => c.notNull().references('live_streams.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    /** Null: banned for the whole stream; else a time-out that ends then. */
    .addColumn('until', 'text')
    .addPrimaryKeyConstraint('live_bans_pk', ['stream_id', 'user_id'])
    .execute()
}
