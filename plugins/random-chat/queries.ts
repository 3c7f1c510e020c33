// Queries of the random chat plugin; each takes the database first.
import { sql, type Kysely } from 'kysely'
import type { PluginDb as Db } from '../../core/plugins/api.js'
import type { ProfileInput } from './inputs.js'
import type { BanRow, ProfileRow, RandomChatTables, SessionRow } from './tables.js'

type CoreTables = Db extends Kysely<infer D> ? D : never
const own = (db: Db): Kysely<CoreTables & RandomChatTables> => db.withTables<RandomChatTables>()

export const user = (db: Db, id: number) => db.selectFrom('users').select(['id', 'username', 'role', 'created_at', 'suspended_at']).where('id', '=', id).executeTakeFirst()

export async function usernames(db: Db, ids: number[]): Promise<Map<number, string>> {
  if (!ids.length) return new Map()
  const rows = await db.selectFrom('users').select(['id', 'username']).where('id', 'in', [...new Set(ids)]).execute()
  return new Map(rows.map((r) => [r.id, r.username]))
}

export const profile = (db: Db, userId: number): Promise<ProfileRow | undefined> => own(db).selectFrom('random_chat_profiles').selectAll().where('user_id', '=', userId).executeTakeFirst()

export async function saveProfile(db: Db, userId: number, p: ProfileInput): Promise<void> {
  const values = { show_identity: p.show_identity ? 1 : 0, region: p.region ?? null, language: p.language ?? null, gender: p.gender ?? null, birth_year: p.birth_year ?? null, updated_at: new Date().toISOString() }
  await own(db)
    .insertInto('random_chat_profiles')
    .values({ user_id: userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute()
}

export const activeBan = (db: Db, userId: number): Promise<BanRow | undefined> =>
  own(db).selectFrom('random_chat_bans').selectAll().where('user_id', '=', userId).where('until', '>', new Date().toISOString()).executeTakeFirst()

export async function setBan(db: Db, ban: { user_id: number; until: string; reason: string; banned_by: number }): Promise<void> {
  await own(db)
    .insertInto('random_chat_bans')
    .values(ban)
    .onConflict((oc) => oc.column('user_id').doUpdateSet({ until: ban.until, reason: ban.reason, banned_by: ban.banned_by }))
    .execute()
}

export async function liftBan(db: Db, userId: number): Promise<void> {
  await own(db).deleteFrom('random_chat_bans').where('user_id', '=', userId).execute()
}

/** Bans still running, newest first, with the names of the member and of who banned them. */
export const bans = (db: Db, now: string) =>
  own(db)
    .selectFrom('random_chat_bans as b')
    .innerJoin('users as u', 'u.id', 'b.user_id')
    .leftJoin('users as s', 's.id', 'b.banned_by')
    .select(['u.username', 'b.until', 'b.reason', 'b.created_at', 's.username as banned_by'])
    .where('b.until', '>', now)
    .orderBy('b.created_at', 'desc')
    .limit(200)
    .execute()

/** Calls a member took part in since an instant (for the daily limit). */
export async function callsSince(db: Db, userId: number, since: string): Promise<number> {
  const row = await own(db)
    .selectFrom('random_chat_sessions')
    .select(sql<number>`count(*)`.as('n'))
    .where((eb) => eb.or([eb('a_id', '=', userId), eb('b_id', '=', userId)]))
    .where('started_at', '>=', since)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** Calls that started since an instant, everyone's (the live page's matches per minute and hour). */
export async function callsStartedSince(db: Db, since: string): Promise<number> {
  const row = await own(db).selectFrom('random_chat_sessions').select(sql<number>`count(*)`.as('n')).where('started_at', '>=', since).executeTakeFirstOrThrow()
  return Number(row.n)
}

export async function insertCall(db: Db, row: Omit<SessionRow, 'ended_at' | 'end_reason' | 'ended_by' | 'messages'>): Promise<void> {
  await own(db).insertInto('random_chat_sessions').values(row).execute()
}

export async function endCall(db: Db, id: string, end: { ended_at: string; end_reason: string; ended_by: number | null; messages: number }): Promise<void> {
  await own(db).updateTable('random_chat_sessions').set(end).where('id', '=', id).where('ended_at', 'is', null).execute()
}

export const call = (db: Db, id: string): Promise<SessionRow | undefined> => own(db).selectFrom('random_chat_sessions').selectAll().where('id', '=', id).executeTakeFirst()

/** A member's calls that started since an instant, or are still running, newest first. */
export const recentCalls = (db: Db, userId: number, since: string) =>
  own(db)
    .selectFrom('random_chat_sessions')
    .selectAll()
    .where((eb) => eb.or([eb('a_id', '=', userId), eb('b_id', '=', userId)]))
    .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>=', since)]))
    .where('started_at', '>=', new Date(Date.parse(since) - 24 * 3600_000).toISOString())
    .orderBy('started_at', 'desc')
    .limit(20)
    .execute()

/** Record an Add press; true when it is new. */
export async function addPress(db: Db, sessionId: string, userId: number): Promise<boolean> {
  const r = await own(db).insertInto('random_chat_adds').values({ session_id: sessionId, user_id: userId }).onConflict((oc) => oc.doNothing()).executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows) === 1
}

export async function pressed(db: Db, sessionId: string, userId: number): Promise<boolean> {
  return !!(await own(db).selectFrom('random_chat_adds').select('user_id').where('session_id', '=', sessionId).where('user_id', '=', userId).executeTakeFirst())
}

export async function pressedBy(db: Db, userId: number, sessionIds: string[]): Promise<Set<string>> {
  if (!sessionIds.length) return new Set()
  const rows = await own(db).selectFrom('random_chat_adds').select('session_id').where('user_id', '=', userId).where('session_id', 'in', sessionIds).execute()
  return new Set(rows.map((r) => r.session_id))
}

/** Reports filed from random chat since an instant (read from core's reports table). */
export async function reportsSince(db: Db, since: string): Promise<number> {
  const row = await db
    .selectFrom('reports')
    .select(sql<number>`count(*)`.as('n'))
    .where('target_type', '=', 'random-chat.session')
    .where('created_at', '>=', since)
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

/** How many calls started from `from` (inclusive) to `to` (exclusive): the dashboard's calls per day. */
export async function callsBetween(db: Db, from: string, to: string): Promise<number> {
  const r = await own(db).selectFrom('random_chat_sessions').select((e) => e.fn.countAll<number>().as('n')).where('started_at', '>=', from).where('started_at', '<', to).executeTakeFirstOrThrow()
  return Number(r.n)
}
