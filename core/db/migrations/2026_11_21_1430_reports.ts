// Reports into one moderation queue, the resolutions that close them, and warnings recorded on members.
import { sql, type Kysely } from 'kysely'

const nowDefault = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('report_resolutions')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('target_user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('outcome', 'text', (c) => c.notNull().check(sql`outcome in ('dismiss','remove','warn','suspend')`))
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('actor_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('reports_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .execute()
  await db.schema.createIndex('report_resolutions_target').on('report_resolutions').columns(['target_type', 'target_id', 'id']).execute()

  // No foreign key on the target: a report outlives the post or comment it is about, with its snapshot.
  await db.schema
    .createTable('reports')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('reporter_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('target_user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('reason', 'text', (c) => c.notNull().check(sql`reason in ('spam','harassment','hate','violence','nudity','self-harm','misinformation','other')`))
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('snapshot', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open','resolved')`))
    .addColumn('resolution_id', 'integer', (c) => c.references('report_resolutions.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .addColumn('resolved_at', 'text')
    .execute()
  await db.schema.createIndex('reports_status').on('reports').columns(['status', 'id']).execute()
  await db.schema.createIndex('reports_target').on('reports').columns(['target_type', 'target_id', 'status']).execute()
  await db.schema.createIndex('reports_target_user').on('reports').column('target_user_id').execute()
  // A member has at most one open report per target: a second one merges into the first.
  await db.schema.createIndex('reports_open_once').on('reports').columns(['reporter_id', 'target_type', 'target_id']).unique().where(sql.ref('status'), '=', 'open').execute()

  await db.schema
    .createTable('member_warnings')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('resolution_id', 'integer', (c) => c.references('report_resolutions.id').onDelete('set null'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('actor_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .execute()
  await db.schema.createIndex('member_warnings_user').on('member_warnings').columns(['user_id', 'id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['member_warnings', 'reports', 'report_resolutions']) await db.schema.dropTable(t).execute()
}
