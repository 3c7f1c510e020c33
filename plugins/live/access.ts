// Who may go live: the operator's rule (everyone, verified members or those staff verified for live, staff), bans from going live for
// a period, and the site's limit on streams at once. Checked for the browser, for OBS pushes and for scheduling.
import { AppError, shortTime, type PluginDb as Db, type Viewer } from '../../core/plugins/api.js'
import type { LiveTables } from './tables.js'

const own = (db: Db) => db.withTables<LiveTables>()

export const WHO_MAY_GO_LIVE = ['everyone', 'verified', 'staff'] as const
export type WhoMayGoLive = (typeof WHO_MAY_GO_LIVE)[number]

export interface AccessRow {
  user_id: number
  verified: number
  banned_until: string | null
  ban_reason: string
}

/** Whether the member carries the site's verified badge (core's users.verified_at, Admin → Verification). */
const hasBadge = async (db: Db, userId: number) => !!(await db.selectFrom('users').select('id').where('id', '=', userId).where('verified_at', 'is not', null).executeTakeFirst())

export function accessOf(db: Db, userId: number): Promise<AccessRow | undefined> {
  return own(db).selectFrom('live_access').select(['user_id', 'verified', 'banned_until', 'ban_reason']).where('user_id', '=', userId).executeTakeFirst()
}

/** Ban a member from going live until `until` (an ISO instant), or lift the ban (null). */
export async function setBan(db: Db, userId: number, until: string | null, reason: string, by: number): Promise<void> {
  const values = { banned_until: until, ban_reason: until ? reason : '', updated_by: by, updated_at: new Date().toISOString() }
  await own(db).insertInto('live_access').values({ user_id: userId, ...values }).onConflict((oc) => oc.column('user_id').doUpdateSet(values)).execute()
}

export async function setVerified(db: Db, userId: number, verified: boolean, by: number): Promise<void> {
  const values = { verified: verified ? 1 : 0, updated_by: by, updated_at: new Date().toISOString() }
  await own(db).insertInto('live_access').values({ user_id: userId, ...values }).onConflict((oc) => oc.column('user_id').doUpdateSet(values)).execute()
}

/** Members banned from going live now, and members verified for live, with their names (the staff page). */
export function accessList(db: Db, at: string): Promise<(AccessRow & { username: string })[]> {
  return own(db)
    .selectFrom('live_access')
    .innerJoin('users', 'users.id', 'live_access.user_id')
    .select(['live_access.user_id', 'live_access.verified', 'live_access.banned_until', 'live_access.ban_reason', 'users.username'])
    .where((eb) => eb.or([eb('live_access.verified', '=', 1), eb('live_access.banned_until', '>', at)]))
    .orderBy('live_access.updated_at', 'desc')
    .limit(200)
    .execute()
}

export async function liveCount(db: Db): Promise<number> {
  const row = await own(db).selectFrom('live_streams').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'live').executeTakeFirstOrThrow()
  return Number(row.n)
}

export interface AccessRules {
  who: WhoMayGoLive
  /** 0: no limit. */
  maxConcurrent: number
}

/**
 * Throws FORBIDDEN when the member may not go live (or schedule a stream), CONFLICT when the site is full. Staff pass
 * the who-may rule and bans; the limit on streams at once holds for everyone (it is the machine's).
 * @example await mayGoLive(db, viewer, { who: 'verified', maxConcurrent: 20 }, { counting: true })
 */
export async function mayGoLive(db: Db, viewer: Viewer, rules: AccessRules, options: { counting: boolean }): Promise<void> {
  const staff = viewer.role !== 'member'
  if (!staff) {
    const access = await accessOf(db, viewer.id)
    const now = new Date().toISOString()
    if (access?.banned_until && access.banned_until > now) {
      throw new AppError(403, 'FORBIDDEN', `You may not go live until ${shortTime(access.banned_until)}${access.ban_reason ? `: ${access.ban_reason}` : '.'}`)
    }
    if (rules.who === 'staff') throw new AppError(403, 'FORBIDDEN', 'Only staff may go live on this site.')
    // "verified": the site's verified badge (core's), or staff's allowance for live alone (the staff page).
    if (rules.who === 'verified' && !access?.verified && !(await hasBadge(db, viewer.id))) throw new AppError(403, 'FORBIDDEN', 'Only verified members, or members staff verified for live, may go live on this site; ask the staff.')
  }
  if (options.counting && rules.maxConcurrent > 0 && (await liveCount(db)) >= rules.maxConcurrent) {
    throw new AppError(409, 'CONFLICT', `This site carries at most ${rules.maxConcurrent} live streams at a time; try again in a while.`)
  }
}
