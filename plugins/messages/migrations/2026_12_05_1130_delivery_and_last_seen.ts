// Delivery receipts and last seen: each participant's newest message their client received (one marker per member,
// not a row per message), and when each member was last online.
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages_participants').addColumn('last_delivered_id', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  await db.schema.alterTable('messages_prefs').addColumn('last_seen_at', 'text').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages_prefs').dropColumn('last_seen_at').execute()
  await db.schema.alterTable('messages_participants').dropColumn('last_delivered_id').execute()
}
