// Sessions in SQLite: a random token for the client, only its sha256 stored. Cookies for pages, bearer tokens for the API.
import { createHash, randomBytes } from 'node:crypto'
import type { Db } from '../db/connect.js'
import { queryShapes } from '../db/shapes.js'
import { now, type SessionRow, type UserRow } from '../db/schema.js'

export const SESSION_COOKIE = 'hearth_session'

/** A session's id: the sha256 of its token (the token itself is never stored). */
export const sessionId = (token: string) => createHash('sha256').update(token).digest('base64url')
const hash = sessionId

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
  await seenOn(db, userId, now())
  return { token, expiresAt }
}

/** Record that a member was seen on the day of `at` (once a day: the key ignores repeats). */
async function seenOn(db: Db, userId: number, at: string): Promise<void> {
  await db.insertInto('member_days').values({ day: at.slice(0, 10), user_id: userId }).onConflict((oc) => oc.doNothing()).execute()
}

/** Each database's query shapes: the session lookup runs on every request that carries a token. */
const shapesOf = new WeakMap<Db, ReturnType<typeof queryShapes>>()

/**
 * The live session and its user for a token, read in one statement; expired sessions are deleted on sight.
 * Sessions of a deleted member go with the member (a foreign key), so every session has its user.
 */
export async function findSession(db: Db, token: string): Promise<{ session: SessionRow; user: UserRow } | null> {
  if (!token || token.length > 100) return null
  const id = hash(token)
  let shapes = shapesOf.get(db)
  if (!shapes) shapesOf.set(db, (shapes = queryShapes(db, 4)))
  const [row] = await shapes.all(
    'session',
    (slot) =>
      db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .selectAll('users')
        .select(['sessions.id as session_id', 'sessions.kind as session_kind', 'sessions.ip as session_ip', 'sessions.user_agent as session_user_agent', 'sessions.created_at as session_created_at', 'sessions.last_seen_at as session_last_seen_at', 'sessions.expires_at as session_expires_at', 'sessions.view_as_user_id as session_view_as_user_id'])
        .where('sessions.id', '=', slot<string>('id')),
    { id },
  )
  if (!row) return null
  if (row.session_expires_at <= now()) {
    await db.deleteFrom('sessions').where('id', '=', id).execute()
    return null
  }
  const session: SessionRow = { id: row.session_id, user_id: row.id, kind: row.session_kind, ip: row.session_ip, user_agent: row.session_user_agent, created_at: row.session_created_at, last_seen_at: row.session_last_seen_at, expires_at: row.session_expires_at, view_as_user_id: row.session_view_as_user_id }
  // The user's columns are the row's others (copied one by one: an object rest of 30 columns is V8's slow path).
  const user: Record<string, unknown> = {}
  for (const key in row) if (!key.startsWith('session_')) user[key] = row[key as keyof typeof row]
  // Touch at most once a minute so reads stay reads.
  if (Date.parse(row.session_last_seen_at) < Date.now() - 60_000) {
    const at = now()
    await db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute()
    // The first sight of a new day: the member counts as active that day (the dashboard's active members).
    if (row.session_last_seen_at.slice(0, 10) !== at.slice(0, 10)) await seenOn(db, row.id, at)
  }
  return { session, user: user as UserRow }
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
