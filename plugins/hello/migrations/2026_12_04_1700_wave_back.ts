// When the board waved back at a wave (a durable job does it a little later).
import type { Kysely } from 'kysely'

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('hello_waves').addColumn('waved_back_at', 'text').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('hello_waves').dropColumn('waved_back_at').execute()
}
