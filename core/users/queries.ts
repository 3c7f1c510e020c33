// Query functions about members that other services share.
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import { validationFailed } from '../errors.js'

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
