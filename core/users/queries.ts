// Query functions about members that other services share.
import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import type { Db } from '../db/connect.js'
import { validationFailed } from '../errors.js'
import { nameSkeleton } from '../text/names.js'

/**
 * The ids of members named by username (with or without @, any case), leaving out `exceptId`.
 * An unknown name is a VALIDATION_FAILED error on `field`.
 */
export async function idsOfUsernames(db: Db, usernames: string[], field: string, exceptId?: number): Promise<number[]> {
  const names = [...new Set(usernames.map((n) => n.trim().replace(/^@/, '').toLowerCase()).filter(Boolean))]
  if (!names.length) return []
  const rows = await db.selectFrom('users').select(['id', 'username']).where(sql<string>`lower(username)`, 'in', names).execute()
  const missing = names.filter((n) => !rows.some((r) => r.username.toLowerCase() === n))
  if (missing.length) throw validationFailed({ [field]: `No member named ${missing.map((m) => `@${m}`).join(', ')}.` })
  return rows.map((r) => r.id).filter((id) => id !== exceptId)
}

/**
 * Refuse names (by form field) that could be mistaken for a staff member's username or display name: same skeleton
 * (decision 020). `selfId` is whoever takes the name; staff may keep looking like themselves.
 */
export async function refuseStaffLookalike(db: Db, names: Record<string, string | undefined>, selfId: number | null): Promise<void> {
  const wanted = Object.entries(names).flatMap(([field, name]) => (name ? [{ field, skeleton: nameSkeleton(name) }] : [])).filter((n) => n.skeleton)
  if (!wanted.length) return
  let q = db.selectFrom('users').select(['id', 'username', 'display_name']).where('role', 'in', ['admin', 'moderator'])
  if (selfId !== null) q = q.where('id', '!=', selfId)
  const fields: Record<string, string> = {}
  for (const staff of await q.execute()) {
    const looks = new Set([staff.username, staff.display_name].filter(Boolean).map(nameSkeleton))
    for (const w of wanted) if (looks.has(w.skeleton)) fields[w.field] ??= `That name could be mistaken for a staff member’s (@${staff.username}); choose another.`
  }
  if (Object.keys(fields).length) throw validationFailed(fields)
}

/**
 * Take a member out of (delta -1, suspended) or put them back into (+1, unsuspended) the follower and following
 * counts of everyone they follow or who follows them, in the caller's transaction: the lists leave suspended
 * members out, so the counts do too.
 */
export async function shiftFollowCounts(trx: Kysely<Database>, userId: number, delta: 1 | -1): Promise<void> {
  const by = sql.lit(delta)
  await trx
    .updateTable('users')
    .set((eb) => ({ followers_count: eb('followers_count', '+', by) }))
    .where('id', 'in', trx.selectFrom('follows').select('followee_id').where('follower_id', '=', userId))
    .execute()
  await trx
    .updateTable('users')
    .set((eb) => ({ following_count: eb('following_count', '+', by) }))
    .where('id', 'in', trx.selectFrom('follows').select('follower_id').where('followee_id', '=', userId))
    .execute()
}
