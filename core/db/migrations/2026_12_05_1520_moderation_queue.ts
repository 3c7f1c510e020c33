// The moderation queue (issues 18 and 19): "mark sensitive" as a decision, appeals of removals, sensitive posts,
// content held for review, silenced authors, and each member's content filters.
import { sql, type Kysely } from 'kysely'

const nowDefault = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

/**
 * Rebuild `tables` (a parent first, then the tables that reference it) with `from` replaced by `to` in the parent's
 * definition: SQLite changes a CHECK only by rebuilding its table. Foreign keys are on (they cannot be turned off
 * inside the migration's transaction), so dropping the old parent would set its children's links to null; the
 * children are rebuilt too, pointing at the new parent, and the old tables dropped children first. Each table keeps
 * its columns (from its own stored definition, later columns included) and its indexes.
 */
async function rebuild(db: Kysely<any>, tables: readonly string[], from: string, to: string): Promise<void> {
  const [parent] = tables
  const stored = await sql<{ type: string; name: string; sql: string }>`select type, name, sql from sqlite_master
    where tbl_name in (${sql.join(tables.map((t) => sql.lit(t)))}) and sql is not null`.execute(db)
  const indexes = stored.rows.filter((r) => r.type === 'index').map((r) => r.sql)
  for (const t of tables) {
    let def = stored.rows.find((r) => r.type === 'table' && r.name === t)!.sql.replace(/^create table\s+"?(\w+)"?/i, `create table "${t}_next"`)
    def = def.replace(new RegExp(`references\\s+"?${parent}"?\\s*\\(`, 'gi'), `references "${parent}_next" (`)
    if (t === parent) {
      if (!def.includes(from)) throw new Error(`${parent} has an unexpected CHECK; not rebuilding it`)
      def = def.replace(from, to)
    }
    await sql.raw(def).execute(db)
    await sql.raw(`insert into "${t}_next" select * from "${t}"`).execute(db)
  }
  for (const t of [...tables].reverse()) await sql.raw(`drop table "${t}"`).execute(db)
  // Renaming the new parent rewrites its children's references to the final name.
  for (const t of tables) await sql.raw(`alter table "${t}_next" rename to "${t}"`).execute(db)
  for (const i of indexes) await sql.raw(i).execute(db)
}

const REPORTS = ['report_resolutions', 'reports', 'member_warnings'] as const
const OUTCOMES_OLD = "outcome in ('dismiss','remove','warn','suspend')"
const OUTCOMES_NEW = "outcome in ('dismiss','remove','sensitive','warn','suspend')"
const POLICY = ['policy_rules', 'policy_hits'] as const
const ACTIONS_OLD = "action in ('refuse', 'flag')"
const ACTIONS_NEW = "action in ('refuse', 'flag', 'hold', 'sensitive', 'silence')"

export async function up(db: Kysely<any>): Promise<void> {
  await rebuild(db, REPORTS, OUTCOMES_OLD, OUTCOMES_NEW)
  await rebuild(db, POLICY, ACTIONS_OLD, ACTIONS_NEW)
  // How long a `silence` rule silences the author.
  await sql`alter table policy_rules add column silence_days integer not null default 7`.execute(db)

  // A member appeals a removal once; staff uphold it or overturn it (which restores what a hold kept).
  await db.schema
    .createTable('report_appeals')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('resolution_id', 'integer', (c) => c.notNull().unique().references('report_resolutions.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('open').check(sql`status in ('open','upheld','overturned')`))
    .addColumn('decided_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('decision_note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('decided_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(nowDefault))
    .execute()
  await db.schema.createIndex('report_appeals_status').on('report_appeals').columns(['status', 'id']).execute()

  // Sensitive media: blurred behind a warning (the author's choice, staff's or a rule's).
  await sql`alter table posts add column sensitive integer not null default 0`.execute(db)
  // Held (a rule's hold, hidden after reports, or taken down by staff and kept for an appeal): shown to its author
  // only, until staff decide or the appeal window ends. The reason says which.
  for (const t of ['posts', 'comments']) {
    await sql`alter table ${sql.table(t)} add column held_at text`.execute(db)
    await sql`alter table ${sql.table(t)} add column held_reason text check (held_reason in ('review', 'reports', 'removed'))`.execute(db)
  }
  // A silenced author's posts reach only their followers until this time.
  await sql`alter table users add column silenced_until text`.execute(db)

  // Words a member does not want to see (lowercased), matched as text in the lists' own queries.
  await db.schema
    .createTable('member_filter_words')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('word', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('member_filter_words_pk', ['user_id', 'word'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('member_filter_words').execute()
  await sql`alter table users drop column silenced_until`.execute(db)
  for (const t of ['posts', 'comments']) {
    await sql`alter table ${sql.table(t)} drop column held_reason`.execute(db)
    await sql`alter table ${sql.table(t)} drop column held_at`.execute(db)
  }
  await sql`alter table posts drop column sensitive`.execute(db)
  await db.schema.dropTable('report_appeals').execute()
  await sql`alter table policy_rules drop column silence_days`.execute(db)
  await sql`delete from policy_rules where action not in ('refuse', 'flag')`.execute(db)
  await rebuild(db, POLICY, ACTIONS_NEW, ACTIONS_OLD)
  await sql`update report_resolutions set outcome = 'dismiss' where outcome = 'sensitive'`.execute(db)
  await rebuild(db, REPORTS, OUTCOMES_NEW, OUTCOMES_OLD)
}
