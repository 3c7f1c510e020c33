// Message bodies: the one module that stores, reads and searches what a message says. Everything else handles ids
// and metadata, so end-to-end encrypted conversations can store ciphertext here without touching the rest. The FTS5
// index `messages_search` reads its text from messages_bodies and is kept by triggers on it: storing, replacing and
// erasing a body updates the index in the same statement.
import { sql, type RawBuilder } from 'kysely'
import { toFtsQuery, type PluginDb as Db } from '../../core/plugins/api.js'
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

/** Forget a message's text for good, and its search entry (unsent, disappeared). */
export async function eraseBody(db: Db, messageId: number): Promise<void> {
  await own(db).deleteFrom('messages_bodies').where('message_id', '=', messageId).execute()
}

/** The texts of these messages, by id (an unsent message has none). Callers pass only ids the reader may see. */
export async function readBodies(db: Db, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map()
  const rows = await own(db).selectFrom('messages_bodies').select(['message_id', 'body']).where('message_id', 'in', [...ids]).execute()
  return new Map(rows.map((r) => [r.message_id, r.body]))
}

/**
 * SQL on a message `m`: its body matches what a member typed (every word, the last as a prefix). Null when nothing
 * searchable is left. The text never reaches FTS5 as syntax: every word is quoted, so no input makes the query fail.
 * @example const match = bodyMatches('see you tomor'); if (match) q = q.where(match)
 */
export function bodyMatches(input: string): RawBuilder<boolean> | null {
  const fts = toFtsQuery(input)
  return fts ? sql<boolean>`m.id in (select rowid from messages_search where messages_search match ${fts.match})` : null
}
