// Stream keys for OBS and other encoders: one per member, shown once when made, stored only as a SHA-256 hash (a
// key is 192 random bits, so a fast hash is enough, as for API tokens), with the go-live settings a push uses.
import { createHash, randomBytes } from 'node:crypto'
import { AppError, displayNameOf, type PluginDb as Db, type Viewer } from '../../core/plugins/api.js'
import { streamInput, type StreamInput } from './inputs.js'
import type { LiveTables } from './tables.js'

const own = (db: Db) => db.withTables<LiveTables>()

/** A key looks like `live_` and 32 URL-safe characters; anything else is refused without a query. */
const KEY_SHAPE = /^live_[A-Za-z0-9_-]{32}$/

export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex')

/** The member's key settings and when the key was made and last used (never the key). */
export interface KeyInfo {
  settings: StreamInput
  created_at: string
  last_used_at: string | null
}

/** The settings stored with a key, read back through the go-live form's schema (defaults fill what a newer form added). */
function settingsOf(json: string): StreamInput {
  const parsed = streamInput.safeParse(JSON.parse(json))
  return parsed.success ? parsed.data : streamInput.parse({ title: 'Live' })
}

export async function keyOf(db: Db, userId: number): Promise<KeyInfo | null> {
  const row = await own(db).selectFrom('live_keys').select(['settings', 'created_at', 'last_used_at']).where('user_id', '=', userId).executeTakeFirst()
  return row ? { settings: settingsOf(row.settings), created_at: row.created_at, last_used_at: row.last_used_at } : null
}

/**
 * Make (or replace: rotate) the member's key; answers the key, the only time it is ever seen. The settings are kept
 * when rotating unless new ones are given.
 * @example const key = await rotateKey(db, me.id) // show it once
 */
export async function rotateKey(db: Db, userId: number, settings?: StreamInput): Promise<string> {
  const key = `live_${randomBytes(24).toString('base64url')}`
  const kept = settings ?? (await keyOf(db, userId))?.settings ?? streamInput.parse({ title: 'Live' })
  await own(db)
    .insertInto('live_keys')
    .values({ user_id: userId, key_hash: hashKey(key), settings: JSON.stringify(kept), created_at: new Date().toISOString(), last_used_at: null })
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ key_hash: hashKey(key), settings: JSON.stringify(kept), created_at: new Date().toISOString(), last_used_at: null }))
    .execute()
  return key
}

/** Save the settings a push goes live with; the member needs a key first. */
export async function saveKeySettings(db: Db, userId: number, settings: StreamInput): Promise<void> {
  const r = await own(db).updateTable('live_keys').set({ settings: JSON.stringify(settings) }).where('user_id', '=', userId).executeTakeFirst()
  if (!Number(r.numUpdatedRows)) throw new AppError(404, 'NOT_FOUND', 'Make a stream key first.')
}

export async function deleteKey(db: Db, userId: number): Promise<boolean> {
  const r = await own(db).deleteFrom('live_keys').where('user_id', '=', userId).executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}

/** The member a key belongs to (not suspended), with their settings; null for a wrong, old or malformed key. */
export async function memberOfKey(db: Db, key: string): Promise<{ viewer: Viewer; settings: StreamInput } | null> {
  if (!KEY_SHAPE.test(key)) return null
  const row = await own(db)
    .selectFrom('live_keys')
    .innerJoin('users', 'users.id', 'live_keys.user_id')
    .select(['users.id', 'users.username', displayNameOf('users').as('display_name'), 'users.role', 'live_keys.settings'])
    .where('live_keys.key_hash', '=', hashKey(key))
    .where('users.suspended_at', 'is', null)
    .executeTakeFirst()
  if (!row) return null
  await own(db).updateTable('live_keys').set({ last_used_at: new Date().toISOString() }).where('user_id', '=', row.id).execute()
  return { viewer: { id: row.id, username: row.username, display_name: String(row.display_name), role: row.role }, settings: settingsOf(row.settings) }
}
