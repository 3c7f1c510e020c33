// Sessions in SQLite: a random token for the client, only its sha256 stored. Cookies for pages, bearer tokens for the API.
import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../db/connect.js'
import { now, type SessionRow, type UserRow } from '../db/schema.js'

export const SESSION_COOKIE = 'hearth_session'

const hash = (token: string) => createHash('sha256').update(token).digest('base64url')

export interface NewSession {
  token: string
  expiresAt: string
}

export async function createSession(
  db: Db,
  userId: number,
  kind: 'web' | 'api',
  meta: { ip: string | null; userAgent: string | null; days: number },
): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url')
  const expiresAt = new Date(Date.now() + meta.days * 86_400_000).toISOString()
  await db
    .insertInto('sessions')
    .values({
      id: hash(token),
      user_id: userId,
      kind,
      ip: meta.ip,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
      last_seen_at: now(),
      expires_at: expiresAt,
    })
    .execute()
  return { token, expiresAt }
}

/** The live session and its user for a token; expired sessions are deleted on sight. */
export async function findSession(db: Db, token: string): Promise<{ session: SessionRow; user: UserRow } | null> {
  if (!token || token.length > 100) return null
  const id = hash(token)
  const session = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst()
  if (!session) return null
  if (session.expires_at <= now()) {
    await db.deleteFrom('sessions').where('id', '=', id).execute()
    return null
  }
  const user = await db.selectFrom('users').selectAll().where('id', '=', session.user_id).executeTakeFirst()
  if (!user) return null
  // Touch at most once a minute so reads stay reads.
  if (Date.parse(session.last_seen_at) < Date.now() - 60_000) {
    await db.updateTable('sessions').set({ last_seen_at: now() }).where('id', '=', id).execute()
  }
  return { session, user }
}

export async function deleteSession(db: Db, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', hash(token)).execute()
}

/** End every session of a member, optionally keeping the one in use. */
export async function deleteUserSessions(db: Db, userId: number, exceptToken?: string): Promise<void> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId)
  if (exceptToken) q = q.where('id', '!=', hash(exceptToken))
  await q.execute()
}

export async function purgeExpiredSessions(db: Db): Promise<number> {
  const r = await db.deleteFrom('sessions').where('expires_at', '<=', now()).executeTakeFirst()
  await db.deleteFrom('login_challenges').where('expires_at', '<=', now()).execute()
  return Number(r.numDeletedRows)
}

/** A pending login waiting for its second factor. */
export async function createLoginChallenge(db: Db, userId: number): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await db
    .insertInto('login_challenges')
    .values({ id: hash(token), user_id: userId, expires_at: new Date(Date.now() + 10 * 60_000).toISOString() })
    .execute()
  return token
}

export async function findLoginChallenge(db: Db, token: string) {
  if (!token || token.length > 100) return null
  const row = await db.selectFrom('login_challenges').selectAll().where('id', '=', hash(token)).executeTakeFirst()
  if (!row || row.expires_at <= now()) return null
  return row
}

/** Use up one of a challenge's `limit` attempts in a single statement: the attempts used so far, or null when none were left. */
export async function takeChallengeAttempt(db: Db, token: string, limit: number): Promise<number | null> {
  const row = await db
    .updateTable('login_challenges')
    .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
    .where('id', '=', hash(token))
    .where('attempts', '<', limit)
    .returning('attempts')
    .executeTakeFirst()
  return row?.attempts ?? null
}

export async function deleteLoginChallenge(db: Db, token: string): Promise<void> {
  await db.deleteFrom('login_challenges').where('id', '=', hash(token)).execute()
}
