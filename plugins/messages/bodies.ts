// Message bodies: the one module that stores, reads and (later) searches what a message says. Everything else
// handles ids and metadata, so end-to-end encrypted conversations can store ciphertext here without touching the rest.
import type { PluginDb as Db } from '../../core/plugins/api.js'
import type { MessagesTables } from './tables.js'

const own = (db: Db) => db.withTables<MessagesTables>()

/** Store a message's text (inside the transaction that creates the message). */
export async function storeBody(db: Db, messageId: number, text: string): Promise<void> {
  await own(db).insertInto('messages_bodies').values({ message_id: messageId, body: text }).execute()
}

/** Replace a message's text (an edit). */
export async function replaceBody(db: Db, messageId: number, text: string): Promise<void> {
  await own(db).updateTable('messages_bodies').set({ body: text }).where('message_id', '=', messageId).execute()
}

/** Forget a message's text for good (unsent; later: disappeared). */
export async function eraseBody(db: Db, messageId: number): Promise<void> {
  await own(db).deleteFrom('messages_bodies').where('message_id', '=', messageId).execute()
}

/** The texts of these messages, by id (an unsent message has none). Callers pass only ids the reader may see. */
export async function readBodies(db: Db, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map()
  const rows = await own(db).selectFrom('messages_bodies').select(['message_id', 'body']).where('message_id', 'in', [...ids]).execute()
  return new Map(rows.map((r) => [r.message_id, r.body]))
}
