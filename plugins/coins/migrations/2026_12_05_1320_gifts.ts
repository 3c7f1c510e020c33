// Creates the gift tables: the catalog, each gift sent (what its ledger transfers were for), each member's totals
// given and received (levels and badges), withdrawals, and the members staff verified to receive gifts.
import { sql, type Kysely } from 'kysely'

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('coins_gifts')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('icon', 'text')
    .addColumn('media_id', 'integer', (c) => c.references('media.id').onDelete('set null'))
    .addColumn('price', 'integer', (c) => c.notNull().check(sql`price >= 1`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('retired_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()

  await db.schema
    .createTable('coins_gift_sends')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('gift_id', 'integer', (c) => c.notNull().references('coins_gifts.id'))
    .addColumn('sender_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('receiver_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('target_kind', 'text', (c) => c.notNull())
    .addColumn('target_id', 'integer', (c) => c.notNull())
    .addColumn('target_label', 'text', (c) => c.notNull())
    .addColumn('target_url', 'text')
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('price', 'integer', (c) => c.notNull())
    .addColumn('share', 'integer', (c) => c.notNull())
    .addColumn('commission', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('release_at', 'text', (c) => c.notNull())
    .addColumn('released_at', 'text')
    .addColumn('notified_at', 'text')
    .addUniqueConstraint('coins_gift_sends_key', ['sender_id', 'key'])
    .execute()
  // Covers the daily limit's sum (price), read on every send.
  await db.schema.createIndex('coins_gift_sends_sender').on('coins_gift_sends').columns(['sender_id', 'created_at', 'price']).execute()
  await db.schema.createIndex('coins_gift_sends_receiver').on('coins_gift_sends').columns(['receiver_id', 'created_at']).execute()
  await db.schema.createIndex('coins_gift_sends_target').on('coins_gift_sends').columns(['target_kind', 'target_id']).execute()
  await sql`create index coins_gift_sends_due on coins_gift_sends (release_at) where released_at is null`.execute(db)
  await sql`create index coins_gift_sends_unnotified on coins_gift_sends (receiver_id, id) where notified_at is null`.execute(db)

  await db.schema
    .createTable('coins_totals')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id'))
    .addColumn('given', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('received', 'integer', (c) => c.notNull().defaultTo(0))
    .execute()

  await db.schema
    .createTable('coins_withdrawals')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount >= 1`))
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('requested', 'approved', 'paid', 'rejected', 'cancelled')`))
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('pending_transfer_id', 'integer', (c) => c.notNull())
    .addColumn('key', 'text')
    .addColumn('reference', 'text')
    .addColumn('reason', 'text')
    .addColumn('decided_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('coins_withdrawals_user').on('coins_withdrawals').columns(['user_id', 'id']).execute()
  await sql`create unique index coins_withdrawals_key on coins_withdrawals (user_id, key) where key is not null`.execute(db)
  await db.schema.createIndex('coins_withdrawals_status').on('coins_withdrawals').columns(['status', 'id']).execute()

  await db.schema
    .createTable('coins_verified')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('verified_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['coins_verified', 'coins_withdrawals', 'coins_totals', 'coins_gift_sends', 'coins_gifts']) await db.schema.dropTable(t).ifExists().execute()
}
