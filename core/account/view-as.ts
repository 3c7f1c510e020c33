// Staff "view as" (issue 18): a staff member with the member-management permission sees the site as one member does,
// read-only, with a banner on every page, started and ended in the audit log. The choice is kept on the staff
// member's own session (sessions.view_as_user_id), so it ends with it and touches no other device.
import type { MiddlewareHandler } from 'hono'
import { audit } from '../audit.js'
import type { Db } from '../db/connect.js'
import { AppError, notFound } from '../errors.js'
import type { AppEnv } from '../http/env.js'
import { displayName } from '../users/display-name.js'
import { sessionId } from '../users/sessions.js'
import type { Viewer } from '../users/types.js'
import { VIEW_AS_END } from '../views/view-as-banner.js'

/**
 * Pages that only read, which open while viewing as. Everything else is refused: a page that records what the
 * member saw (notifications marked read, a story's viewers, a conversation's read mark) would act in their name.
 */
const READ_ONLY_PAGES = /^\/($|u\/|p\/|explore|search|suggestions|tags\/|hashtags?\/|bookmarks|collections|activity|warnings|settings(\/|$)|static\/|theme\/|media\/|app-icon|manifest|favicon|api\/v1\/(posts|users|search|feed)(\/|$))/

/** Under an allowed prefix, still refused: a data export holds what staff may not read (the member's messages). */
const PRIVATE_PAGES = /\/export(\/|$)/

/** Start viewing as a member (never as staff: their view would carry permissions). Audited. */
export async function startViewAs(db: Db, staff: Viewer, token: string | null, memberId: number): Promise<{ username: string }> {
  if (!token) throw new AppError(400, 'BAD_REQUEST', 'View as works from a signed-in browser.')
  const member = await db.selectFrom('users').select(['id', 'username', 'role', 'staff_role_id', 'deleted_at']).where('id', '=', memberId).executeTakeFirst()
  if (!member || member.deleted_at) throw notFound('That member')
  if (member.id === staff.id) throw new AppError(409, 'CONFLICT', 'You already see the site as yourself.')
  if (member.role !== 'member' || member.staff_role_id !== null) throw new AppError(409, 'CONFLICT', 'View as works for members, not for staff: their view would carry their permissions.')
  await db.updateTable('sessions').set({ view_as_user_id: member.id }).where('id', '=', sessionId(token)).execute()
  await audit(db, { actorId: staff.id, action: 'user.view-as.start', targetType: 'user', targetId: member.id })
  return { username: member.username }
}

/** End viewing as; answers the member's id (to go back to their page in the console), or null if none was on. */
export async function endViewAs(db: Db, staffId: number, token: string | null): Promise<number | null> {
  if (!token) return null
  const row = await db.selectFrom('sessions').select('view_as_user_id').where('id', '=', sessionId(token)).where('user_id', '=', staffId).executeTakeFirst()
  if (!row?.view_as_user_id) return null
  await db.updateTable('sessions').set({ view_as_user_id: null }).where('id', '=', sessionId(token)).execute()
  await audit(db, { actorId: staffId, action: 'user.view-as.end', targetType: 'user', targetId: row.view_as_user_id })
  return row.view_as_user_id
}

/**
 * While a staff session views as a member: the request runs as the member (viewer and account), every write is
 * refused, and so is every page not known to only read. Only staff sessions pay the one extra read.
 */
export function viewAsGate(db: Db): MiddlewareHandler<AppEnv> {
  return async function viewAsGate(c, next) {
    const staff = c.get('viewer')
    const token = c.get('sessionToken')
    if (!staff?.permissions?.length || !token || c.get('authVia') !== 'cookie') return next()
    const row = await db.selectFrom('sessions').select('view_as_user_id').where('id', '=', sessionId(token)).executeTakeFirst()
    if (!row?.view_as_user_id) return next()
    // Ending it is the one write allowed, made as the staff member.
    if (c.req.path === VIEW_AS_END) return next()
    const member = await db.selectFrom('users').selectAll().where('id', '=', row.view_as_user_id).executeTakeFirst()
    if (!member || member.deleted_at) {
      await db.updateTable('sessions').set({ view_as_user_id: null }).where('id', '=', sessionId(token)).execute()
      return next()
    }
    c.set('viewAs', { staffId: staff.id, staffUsername: staff.username, memberId: member.id, memberUsername: member.username })
    c.set('viewer', { id: member.id, username: member.username, display_name: displayName(member), role: member.role, permissions: [] })
    c.set('account', member)
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      throw new AppError(403, 'VIEW_AS_READ_ONLY', `You are viewing as @${member.username}: nothing can be changed. End “view as” first.`)
    }
    if (!READ_ONLY_PAGES.test(c.req.path) || PRIVATE_PAGES.test(c.req.path)) {
      throw new AppError(403, 'VIEW_AS_READ_ONLY', `This page would record what @${member.username} has seen, so it does not open while you view as them. End “view as” to use it.`)
    }
    return next()
  }
}
