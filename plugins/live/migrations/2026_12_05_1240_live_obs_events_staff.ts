// Stream keys for OBS (stored hashed, with the stream settings a push uses), where a stream comes from, scheduled
// live events and their reminders, and staff's go-live rules per member (verified for live, banned until).
import { sql, type Kysely } from 'kysely'

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('live_keys')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    /** The go-live form's values as JSON (title, audience, chat, …), checked again when a push starts a stream. */
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('last_used_at', 'text')
    .execute()

  await db.schema.alterTable('live_streams').addColumn('source', 'text', (c) => c.notNull().defaultTo('browser').check(sql`source in ('browser', 'rtmp')`)).execute()

  await db.schema
    .createTable('live_events')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('audience', 'text', (c) => c.notNull().check(sql`audience in ('public', 'followers')`))
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('scheduled').check(sql`status in ('scheduled', 'live', 'ended', 'cancelled')`))
    .addColumn('stream_id', 'integer', (c) => c.references('live_streams.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('live_events_status').on('live_events').columns(['status', 'starts_at']).execute()
  await db.schema.createIndex('live_events_user').on('live_events').columns(['user_id', 'status']).execute()
  await db.schema.createIndex('live_events_stream').on('live_events').column('stream_id').execute()

  await db.schema
    .createTable('live_event_reminders')
    .addColumn('event_id', 'integer', (c) => c.notNull().references('live_events.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('live_event_reminders_pk', ['event_id', 'user_id'])
    .execute()

  await db.schema
    .createTable('live_access')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    /** 1: staff verified the member for live (the "verified" choice of who may go live). */
    .addColumn('verified', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('banned_until', 'text')
    .addColumn('ban_reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('updated_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()
}
