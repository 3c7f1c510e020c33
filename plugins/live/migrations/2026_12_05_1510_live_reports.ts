// Reports on streams, replays and chat lines (reports.ts): which stream each report filed by this plugin is about, and
// the frame captured for it, so staff can look at the stream (or its replay) from the report, the frame is removed
// once the report is decided, and a replay under an open report outlives its retention.
import { sql, type Kysely } from 'kysely'

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('live_reports')
    .addColumn('report_id', 'integer', (c) => c.primaryKey())
    .addColumn('stream_id', 'integer', (c) => c.notNull().references('live_streams.id').onDelete('cascade'))
    /** The JPEG's file name under DATA/plugins/live/reports (null: no frame could be taken). */
    .addColumn('frame', 'text')
    /** 1 until core's queue decides the report (action:report.resolved). */
    .addColumn('open', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('live_reports_stream').on('live_reports').columns(['stream_id', 'open']).execute()
}
