// Creates the groups, their members, join requests, bans and invite links.
import { sql, type Kysely } from 'kysely'

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('groups_groups')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('privacy', 'text', (c) => c.notNull().check(sql`privacy in ('public', 'private', 'hidden')`))
    .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('groups_groups_privacy').on('groups_groups').columns(['privacy', 'id']).execute()

  await db.schema
    .createTable('groups_members')
    .addColumn('group_id', 'integer', (c) => c.notNull().references('groups_groups.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('member', 'moderator', 'admin', 'owner')`))
    .addColumn('joined_at', 'text', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('groups_members_pk', ['group_id', 'user_id'])
    .execute()
  await db.schema.createIndex('groups_members_user').on('groups_members').columns(['user_id', 'group_id']).execute()
  await sql`create unique index groups_members_one_owner on groups_members(group_id) where role = 'owner'`.execute(db)

  for (const table of ['groups_requests', 'groups_bans']) {
    let t = db.schema
      .createTable(table)
      .addColumn('group_id', 'integer', (c) => c.notNull().references('groups_groups.id').onDelete('cascade'))
      .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    if (table === 'groups_bans') t = t.addColumn('banned_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    await t
      .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
      .addPrimaryKeyConstraint(`${table}_pk`, ['group_id', 'user_id'])
      .execute()
  }

  await db.schema
    .createTable('groups_invites')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('group_id', 'integer', (c) => c.notNull().references('groups_groups.id').onDelete('cascade'))
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('created_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('max_uses', 'integer')
    .addColumn('uses', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('groups_invites_group').on('groups_invites').columns(['group_id']).execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['groups_invites', 'groups_bans', 'groups_requests', 'groups_members', 'groups_groups']) await db.schema.dropTable(t).execute()
}
