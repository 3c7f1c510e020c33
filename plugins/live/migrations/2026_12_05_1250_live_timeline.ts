// The stream timeline (decision 044): a deliberate delay and slow mode per stream, every
// chat line and timeline event (hearts, pins, later gifts) stamped with stream time, the HLS segments each stream
// made (for the delayed playlist and replays), the replays kept, and the moderators a streamer names.
import { sql, type Kysely } from 'kysely'

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('live_streams').addColumn('delay_seconds', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('live_streams').addColumn('slow_seconds', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  // Milliseconds after the stream's start (created_at) on the stream's timeline; 0 for lines written before this.
  await db.schema.alterTable('live_chat').addColumn('at_ms', 'integer', (c) => c.notNull().defaultTo(0)).execute()

  await db.schema
    .createTable('live_timeline')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('stream_id', 'integer', (c) => c.notNull().references('live_streams.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('at_ms', 'integer', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute()
  await db.schema.createIndex('live_timeline_stream').on('live_timeline').columns(['stream_id', 'at_ms']).execute()

  await db.schema
    .createTable('live_segments')
    .addColumn('stream_id', 'integer', (c) => c.notNull().references('live_streams.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('duration', 'real', (c) => c.notNull())
    .addColumn('at_ms', 'integer', (c) => c.notNull())
    .addColumn('discontinuity', 'integer', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('live_segments_pk', ['stream_id', 'seq'])
    .execute()

  await db.schema
    .createTable('live_replays')
    .addColumn('stream_id', 'integer', (c) => c.primaryKey().references('live_streams.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('processing').check(sql`status in ('processing', 'ready', 'failed')`))
    .addColumn('duration', 'real', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('expires_at', 'text')
    .execute()
  await db.schema.createIndex('live_replays_expires').on('live_replays').column('expires_at').execute()

  await db.schema
    .createTable('live_moderators')
    .addColumn('streamer_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('live_moderators_pk', ['streamer_id', 'user_id'])
    .execute()
  await db.schema.createIndex('live_moderators_user').on('live_moderators').column('user_id').execute()
}
