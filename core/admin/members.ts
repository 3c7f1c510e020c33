// Members as staff see them: search with filters, one member's page (profile, figures, recent content, reports by and
// against them, their audit trail), and the warning a member is told of (by notification, and on their next visit).
import { sql } from 'kysely'
import { z } from 'zod'
import { audit } from '../audit.js'
import type { Db } from '../db/connect.js'
import { now, type Role } from '../db/schema.js'
import { notFound, validationFailed } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import { decodeCursor, pageOf, type Page } from '../pagination.js'
import { toPrivateUser } from '../users/service.js'
import type { PrivateUser } from '../users/types.js'
import { parse } from '../validation.js'
import { addDays, dayOf } from './metrics.js'

/** The member list's filters, shared by the page's form and the API's query. Empty strings mean "any". */
export const memberFilters = z.object({
  q: z.string().trim().max(100, { error: 'Keep the search under 100 characters.' }).optional(),
  role: z.string().trim().regex(/^(member|moderator|admin|custom:[a-z0-9-]{1,40})?$/, { error: 'The role is member, moderator, admin or custom:NAME.' }).optional(),
  status: z.enum(['', 'active', 'suspended', 'warned'], { error: 'The status is active, suspended or warned.' }).optional(),
  joined: z.enum(['', '1', '7', '30', '365'], { error: 'Joined is within 1, 7, 30 or 365 days.' }).optional(),
  seen: z.enum(['', '1', '7', '30', 'away-30', 'never'], { error: 'Last seen is 1, 7 or 30 days, away-30 or never.' }).optional(),
  reported: z.enum(['', 'yes'], { error: 'reported is yes or empty.' }).optional(),
  sort: z.enum(['', 'newest', 'oldest'], { error: 'sort is newest or oldest.' }).optional(),
})
export type MemberFilters = z.infer<typeof memberFilters>

export interface MemberRow extends PrivateUser {
  staff_role: string | null
  /** The last UTC day they were seen, or null. */
  last_seen: string | null
  /** Open reports naming them as responsible. */
  open_reports: number
  /** When the deletion they asked for happens (the account is hidden meanwhile), or null. */
  deletion_due_at: string | null
  /** When the account was deleted (a nameless tombstone stays), or null. */
  deleted_at: string | null
}

/** How long a suspension lasts, as the page's and the API's choices: days, or empty for "until lifted". */
export const suspendInput = z.object({
  reason: z.string({ error: 'Say why the account is suspended; the member is shown it.' }),
  days: z.union([z.literal(''), z.coerce.number().int({ error: 'days is a whole number.' }).min(1, { error: 'Suspend for at least a day.' }).max(3650, { error: 'At most 3650 days; leave it empty for "until lifted".' })]).optional(),
})

export const warnInput = z.object({
  note: z.string({ error: 'Say what the warning is about; the member reads it.' }).trim().min(1, { error: 'Say what the warning is about; the member reads it.' }).max(1000, { error: 'Keep the warning under 1000 characters.' }),
})

/** The reason stored on a warning staff give directly (not in answer to a report). */
export const STAFF_WARNING = 'staff'

export type MembersService = ReturnType<typeof createMembersService>

export function createMembersService(db: Db, hooks: HookRegistry) {
  const base = () =>
    db
      .selectFrom('users')
      .leftJoin('staff_roles', 'staff_roles.id', 'users.staff_role_id')
      .selectAll('users')
      .select((eb) => [
        'staff_roles.name as staff_role',
        eb.selectFrom('member_days').select((e) => e.fn.max('day').as('d')).whereRef('member_days.user_id', '=', 'users.id').as('last_seen'),
        eb.selectFrom('reports').select((e) => e.fn.countAll<number>().as('n')).whereRef('reports.target_user_id', '=', 'users.id').where('reports.status', '=', 'open').as('open_reports'),
      ])
  type Base = Awaited<ReturnType<ReturnType<typeof base>['execute']>>[number]
  const toRow = (r: Base): MemberRow => ({ ...toPrivateUser(r), staff_role: r.staff_role ?? null, last_seen: (r.last_seen as string | null) ?? null, open_reports: Number(r.open_reports ?? 0), deletion_due_at: r.deletion_due_at, deleted_at: r.deleted_at })

  const service = {
    /** Members matching the filters, newest first (`sort: 'oldest'`: oldest first). */
    async search(input: unknown, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<MemberRow>> {
      const f = parse(memberFilters, input ?? {})
      const limit = options.limit ?? 50
      const after = decodeCursor(options.cursor, { id: 'id' })
      const today = dayOf(new Date())
      const oldest = f.sort === 'oldest'
      let q = base().orderBy('users.id', oldest ? 'asc' : 'desc').limit(limit + 1)
      if (after) q = q.where('users.id', oldest ? '>' : '<', Number(after.id))
      if (f.q) {
        const like = `%${f.q.replace(/^@/, '').replace(/[%_\\]/g, (m) => `\\${m}`)}%`
        q = q.where((eb) => eb.or(['users.username', 'users.display_name', 'users.email'].map((c) => eb(c as 'users.username', 'like', sql<string>`${like} escape '\\'`))))
      }
      if (f.role?.startsWith('custom:')) q = q.where('staff_roles.name', '=', f.role.slice(7))
      else if (f.role) q = q.where('users.role', '=', f.role as Role)
      if (f.status === 'active') q = q.where('users.suspended_at', 'is', null)
      if (f.status === 'suspended') q = q.where('users.suspended_at', 'is not', null)
      if (f.status === 'warned') q = q.where((eb) => eb.exists(eb.selectFrom('member_warnings').select('id').whereRef('member_warnings.user_id', '=', 'users.id')))
      if (f.joined) q = q.where('users.created_at', '>=', `${addDays(today, -(Number(f.joined) - 1))}T00:00:00.000Z`)
      if (f.seen === 'never') q = q.where((eb) => eb.not(eb.exists(eb.selectFrom('member_days').select('day').whereRef('member_days.user_id', '=', 'users.id'))))
      else if (f.seen === 'away-30') q = q.where((eb) => eb.not(eb.exists(eb.selectFrom('member_days').select('day').whereRef('member_days.user_id', '=', 'users.id').where('member_days.day', '>', addDays(today, -30)))))
      else if (f.seen) q = q.where((eb) => eb.exists(eb.selectFrom('member_days').select('day').whereRef('member_days.user_id', '=', 'users.id').where('member_days.day', '>', addDays(today, -Number(f.seen)))))
      if (f.reported) q = q.where((eb) => eb.exists(eb.selectFrom('reports').select('id').whereRef('reports.target_user_id', '=', 'users.id').where('reports.status', '=', 'open')))
      const page = pageOf(await q.execute(), limit, (r) => ({ id: r.id }))
      return { items: page.items.map(toRow), nextCursor: page.nextCursor }
    },

    /** Everything a member's page shows staff. */
    async profile(id: number) {
      const row = await base().where('users.id', '=', id).executeTakeFirst()
      if (!row) throw notFound('That member')
      const member = toRow(row)
      const count = async (q: { executeTakeFirstOrThrow(): Promise<{ n: number | string | bigint }> }) => Number((await q.executeTakeFirstOrThrow()).n)
      const [posts, reportsAgainst, reportsBy, warnings, audits, sessions, reportsAgainstCount, reportsByCount, comments, passkeys] = await Promise.all([
        db.selectFrom('posts').select(['id', 'text', 'visibility', 'status', 'scope', 'created_at']).where('author_id', '=', id).orderBy('id', 'desc').limit(5).execute(),
        db.selectFrom('reports').select(['id', 'target_type', 'target_id', 'reason', 'status', 'created_at']).where('target_user_id', '=', id).orderBy('id', 'desc').limit(10).execute(),
        db.selectFrom('reports').select(['id', 'target_type', 'target_id', 'reason', 'status', 'created_at']).where('reporter_id', '=', id).orderBy('id', 'desc').limit(10).execute(),
        db.selectFrom('member_warnings').leftJoin('users as a', 'a.id', 'member_warnings.actor_id').select(['member_warnings.id', 'member_warnings.reason', 'member_warnings.note', 'member_warnings.created_at', 'member_warnings.seen_at', 'a.username as actor']).where('member_warnings.user_id', '=', id).orderBy('member_warnings.id', 'desc').limit(20).execute(),
        db
          .selectFrom('audit_log')
          .leftJoin('users as a', 'a.id', 'audit_log.actor_id')
          .select(['audit_log.id', 'audit_log.action', 'audit_log.target_type', 'audit_log.target_id', 'audit_log.details', 'audit_log.created_at', 'a.username as actor'])
          .where((eb) => eb.or([eb.and([eb('audit_log.target_type', '=', 'user'), eb('audit_log.target_id', '=', String(id))]), eb('audit_log.actor_id', '=', id)]))
          .orderBy('audit_log.id', 'desc')
          .limit(20)
          .execute(),
        count(db.selectFrom('sessions').select((e) => e.fn.countAll<number>().as('n')).where('user_id', '=', id)),
        count(db.selectFrom('reports').select((e) => e.fn.countAll<number>().as('n')).where('target_user_id', '=', id)),
        count(db.selectFrom('reports').select((e) => e.fn.countAll<number>().as('n')).where('reporter_id', '=', id)),
        // Held for review and not released yet: not one of their comments until staff say so.
        count(db.selectFrom('comments').select((e) => e.fn.countAll<number>().as('n')).where('author_id', '=', id).where('announced', '=', 1)),
        count(db.selectFrom('passkeys').select((e) => e.fn.countAll<number>().as('n')).where('user_id', '=', id)),
      ])
      return {
        member,
        figures: { posts: row.posts_count, comments, followers: row.followers_count, following: row.following_count, reports_against: reportsAgainstCount, reports_filed: reportsByCount, warnings: warnings.length, sessions, passkeys },
        recent_posts: posts,
        reports_against: reportsAgainst,
        reports_by: reportsBy,
        warnings,
        audit: audits.map((a) => ({ ...a, details: JSON.parse(a.details) as Record<string, unknown> })),
      }
    },

    /** Warn a member directly: recorded, audited, and told to them by notification and on their next visit. */
    async warn(actorId: number | null, userId: number, input: unknown): Promise<{ id: number }> {
      const { note } = parse(warnInput, input)
      const target = await db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst()
      if (!target) throw notFound('That member')
      if (actorId !== null && actorId === userId) throw validationFailed({ note: 'You cannot warn yourself.' })
      const { id } = await db.insertInto('member_warnings').values({ user_id: userId, resolution_id: null, reason: STAFF_WARNING, note, actor_id: actorId }).returning('id').executeTakeFirstOrThrow()
      await audit(db, { actorId, action: 'user.warn', targetType: 'user', targetId: userId, details: { note } })
      await hooks.emit('action:member.warned', { userId, warningId: id, reason: STAFF_WARNING, note, actorId })
      return { id }
    },

    /** The warnings a member has not read yet, oldest first. */
    async unseenWarnings(userId: number) {
      return db.selectFrom('member_warnings').select(['id', 'reason', 'note', 'created_at']).where('user_id', '=', userId).where('seen_at', 'is', null).orderBy('id').execute()
    },

    /** The member read their warnings: none is shown again. */
    async acknowledge(userId: number): Promise<void> {
      await db.updateTable('member_warnings').set({ seen_at: now() }).where('user_id', '=', userId).where('seen_at', 'is', null).execute()
      await db.updateTable('users').set({ warnings_unseen: 0 }).where('id', '=', userId).execute()
    },
  }

  return service
}

/** Every warning, a report's or staff's own, waits for the member's next visit (registered once, by the admin module). */
export function countUnseenWarnings(db: Db, hooks: HookRegistry): void {
  hooks.on('action:member.warned', async ({ userId }) => {
    await db.updateTable('users').set((eb) => ({ warnings_unseen: eb('warnings_unseen', '+', 1) })).where('id', '=', userId).execute()
  })
}
