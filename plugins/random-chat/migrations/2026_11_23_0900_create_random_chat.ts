// Creates the random chat tables: sessions (who met whom, when, how it ended; never what was said),
// members' Meet profiles (what filters match), bans from random chat, and mutual "Add" presses.
import { sql, type Kysely } from 'kysely'

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('random_chat_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('a_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('b_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('video', 'text')`))
    .addColumn('a_interests', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('b_interests', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('shared', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('started_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('ended_at', 'text')
    .addColumn('end_reason', 'text')
    .addColumn('ended_by', 'integer')
    .addColumn('messages', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()
  await db.schema.createIndex('random_chat_sessions_a').on('random_chat_sessions').columns(['a_id', 'started_at']).execute()
  await db.schema.createIndex('random_chat_sessions_b').on('random_chat_sessions').columns(['b_id', 'started_at']).execute()
  await db.schema.createIndex('random_chat_sessions_started').on('random_chat_sessions').column('started_at').execute()

  await db.schema
    .createTable('random_chat_profiles')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('show_identity', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('region', 'text')
    .addColumn('language', 'text')
    .addColumn('gender', 'text')
    .addColumn('birth_year', 'integer')
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()

  await db.schema
    .createTable('random_chat_bans')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('until', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('banned_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()

  await db.schema
    .createTable('random_chat_adds')
    .addColumn('session_id', 'text', (c) => c.notNull().references('random_chat_sessions.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('random_chat_adds_pk', ['session_id', 'user_id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['random_chat_adds', 'random_chat_bans', 'random_chat_profiles', 'random_chat_sessions']) await db.schema.dropTable(t).ifExists().execute()
}
