// Creates the tables of buying coins: packs, purchases with what was refunded or owed, their adjustments, the Stripe
// events already handled, and the answers kept for Idempotency-Key.
import { sql, type Kysely } from 'kysely'

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ','now'))`

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('coins_packs')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('coins', 'integer', (c) => c.notNull().check(sql`coins >= 1`))
    .addColumn('price', 'integer', (c) => c.notNull().check(sql`price >= 1`))
    .addColumn('currency', 'text', (c) => c.notNull().check(sql`length(currency) = 3 and currency = upper(currency)`))
    .addColumn('position', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1).check(sql`active in (0, 1)`))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()

  await db.schema
    .createTable('coins_purchases')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    // No foreign key, as in the ledger: a receipt outlives whatever happens to the account.
    .addColumn('user_id', 'integer', (c) => c.notNull())
    .addColumn('pack_id', 'integer', (c) => c.references('coins_packs.id').onDelete('restrict'))
    .addColumn('gateway', 'text', (c) => c.notNull().check(sql`gateway in ('stripe', 'manual')`))
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending').check(sql`status in ('pending', 'processing', 'paid', 'failed', 'expired', 'canceled')`))
    // What was bought, copied from the pack: a pack changed later does not change a receipt.
    .addColumn('coins', 'integer', (c) => c.notNull().check(sql`coins >= 1`))
    .addColumn('amount', 'integer', (c) => c.notNull().check(sql`amount >= 1`))
    .addColumn('currency', 'text', (c) => c.notNull())
    // The gateway's name for the payment being made: a Checkout Session id, or the reference a bank transfer carries.
    .addColumn('reference', 'text')
    .addColumn('checkout_url', 'text')
    // The gateway's name for the payment once made: a PaymentIntent id, or the bank's reference for the transfer.
    .addColumn('payment_ref', 'text')
    .addColumn('transfer_id', 'integer')
    .addColumn('refunded_amount', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disputed_amount', 'integer', (c) => c.notNull().defaultTo(0))
    // Coins taken back or owed for refunds and disputes, of which `debt_coins` could not be taken (already spent).
    .addColumn('reversed_coins', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('debt_coins', 'integer', (c) => c.notNull().defaultTo(0))
    // Coins given back through the ledger's reversal of `transfer_id` (never more than `coins`).
    .addColumn('ledger_reversed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('granted_by', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addColumn('paid_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull().defaultTo(now))
    .addCheckConstraint('coins_purchases_sums', sql`debt_coins >= 0 and debt_coins <= reversed_coins and reversed_coins <= coins and ledger_reversed <= coins`)
    .execute()
  await db.schema.createIndex('coins_purchases_user').on('coins_purchases').columns(['user_id', 'id']).execute()
  await db.schema.createIndex('coins_purchases_status').on('coins_purchases').columns(['status', 'gateway', 'id']).execute()
  await sql`create unique index coins_purchases_reference on coins_purchases (gateway, reference) where reference is not null`.execute(db)
  await sql`create unique index coins_purchases_payment on coins_purchases (gateway, payment_ref) where payment_ref is not null`.execute(db)
  await sql`create index coins_purchases_debt on coins_purchases (user_id, id) where debt_coins > 0`.execute(db)

  await db.schema
    .createTable('coins_purchase_adjustments')
    .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
    .addColumn('purchase_id', 'integer', (c) => c.notNull().references('coins_purchases.id').onDelete('restrict'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('refund', 'dispute', 'dispute_won', 'reversal', 'debt_paid')`))
    // Coins taken from the wallet (negative: given back), and coins owed because the wallet held too few.
    .addColumn('coins_taken', 'integer', (c) => c.notNull())
    .addColumn('coins_owed', 'integer', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('note', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()
  await db.schema.createIndex('coins_purchase_adjustments_purchase').on('coins_purchase_adjustments').columns(['purchase_id', 'id']).execute()

  await db.schema
    .createTable('coins_stripe_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('purchase_id', 'integer')
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .execute()

  await db.schema
    .createTable('coins_idempotency')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    // Null while the first request with the key is still running.
    .addColumn('status', 'integer')
    .addColumn('body', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('coins_idempotency_pk', ['user_id', 'key'])
    .execute()
  await db.schema.createIndex('coins_idempotency_created').on('coins_idempotency').column('created_at').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['coins_idempotency', 'coins_stripe_events', 'coins_purchase_adjustments', 'coins_purchases', 'coins_packs']) await db.schema.dropTable(t).execute()
}
