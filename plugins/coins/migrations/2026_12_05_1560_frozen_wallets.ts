// Wallets staff froze (issue 17), and the indexes of the dashboard's coin figures: while a row stands, the member can neither buy, give, receive nor withdraw coins.
import { sql, type Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('coins_frozen')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('frozen_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`))
    .execute()
  // The dashboard's daily figures (wallets-service.ts) count a day of gifts and of paid purchases by these.
  await db.schema.createIndex('coins_gift_sends_created').on('coins_gift_sends').columns(['created_at']).execute()
  await sql`create index coins_purchases_paid on coins_purchases (paid_at) where paid_at is not null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('coins_purchases_paid').execute()
  await db.schema.dropIndex('coins_gift_sends_created').execute()
  await db.schema.dropTable('coins_frozen').execute()
}
