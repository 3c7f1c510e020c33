// Appeals: a member asks once for a removal of theirs to be looked at again; staff uphold or overturn it. Removed
// posts and comments are kept (their author alone sees them) until the appeal window ends or the appeal is decided.
import { sql, type SqlBool } from 'kysely'
import { audit } from '../audit.js'
import type { Db } from '../db/connect.js'
import { now } from '../db/schema.js'
import { AppError, notFound } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import { decodeCursor, pageOf, type Page } from '../pagination.js'
import type { SettingsService } from '../settings/service.js'
import { displayName } from '../users/display-name.js'
import type { UsersService } from '../users/service.js'
import type { Viewer } from '../users/types.js'
import { parse } from '../validation.js'
import { appealDecisionInput, appealInput } from './inputs.js'
import { KEPT_FOR_APPEAL, type MemberRef, type ModerationService } from './service.js'
import type { AppealStatus, ResolutionRow } from './tables.js'

export interface AppealView {
  id: number
  resolution_id: number
  target_type: string
  target_id: string
  member: MemberRef | null
  text: string
  status: AppealStatus
  decision_note: string
  decided_by: MemberRef | null
  decided_at: string | null
  created_at: string
  /** The removal appealed: its note and when. */
  removal: { note: string; created_at: string }
}

/** A removal as its member sees it: what, when, whether they may still appeal, and their appeal if any. */
export interface RemovalView {
  resolution_id: number
  target_type: string
  target_id: string
  note: string
  created_at: string
  /** Until when an appeal is taken. */
  appeal_until: string
  can_appeal: boolean
  appeal: { id: number; text: string; status: AppealStatus; decision_note: string; decided_at: string | null } | null
}

export type AppealsService = ReturnType<typeof createAppealsService>

export function createAppealsService(deps: { db: Db; hooks: HookRegistry; users: UsersService; moderation: ModerationService; settings: Pick<SettingsService, 'get'> }) {
  const { db, hooks, users, moderation, settings } = deps
  const days = async () => settings.get('moderation.appeal_days')
  const until = (r: ResolutionRow, n: number) => new Date(Date.parse(r.created_at) + n * 86_400_000).toISOString()

  /** A removal of the member's; NOT_FOUND for anyone else's (or a decision that was no removal). */
  async function removalOf(userId: number, resolutionId: number): Promise<ResolutionRow> {
    const r = Number.isInteger(resolutionId) && resolutionId > 0 ? await db.selectFrom('report_resolutions').selectAll().where('id', '=', resolutionId).executeTakeFirst() : undefined
    if (!r || r.outcome !== 'remove' || r.target_user_id !== userId) throw notFound('That decision')
    return r
  }

  async function refs(ids: (number | null)[]): Promise<Map<number, MemberRef>> {
    const wanted = [...new Set(ids.filter((i): i is number => i !== null))]
    if (!wanted.length) return new Map()
    const rows = await db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', 'in', wanted).execute()
    return new Map(rows.map((u) => [u.id, { id: u.id, username: u.username, display_name: displayName(u) }]))
  }

  /** Delete what a removal took down, for good, in the name of the moderator who decided it. */
  async function purge(r: ResolutionRow): Promise<void> {
    const remover = moderation.removerOf(r.target_type)
    if (!remover) return
    // In the name of the moderator who decided; when their account is gone, of the first admin (the deletion is audited).
    const staff = db.selectFrom('users').select(['id', 'username', 'display_name', 'role'])
    const actor = (r.actor_id !== null ? await staff.where('id', '=', r.actor_id).executeTakeFirst() : undefined) ?? (await staff.where('role', '=', 'admin').orderBy('id').executeTakeFirst())
    if (!actor) return
    await remover({ targetId: r.target_id, actor: { ...actor, role: actor.role === 'member' ? 'moderator' : actor.role }, reason: '' })
  }

  const service = {
    /** The member's removals, newest first, each with their appeal (for the appeals page). */
    async removals(userId: number): Promise<RemovalView[]> {
      const [rows, n] = await Promise.all([
        db.selectFrom('report_resolutions').selectAll().where('target_user_id', '=', userId).where('outcome', '=', 'remove').orderBy('id', 'desc').limit(100).execute(),
        days(),
      ])
      const appeals = rows.length ? await db.selectFrom('report_appeals').selectAll().where('resolution_id', 'in', rows.map((r) => r.id)).execute() : []
      return rows.map((r) => {
        const a = appeals.find((x) => x.resolution_id === r.id)
        const deadline = until(r, n)
        return {
          resolution_id: r.id,
          target_type: r.target_type,
          target_id: r.target_id,
          note: r.note,
          created_at: r.created_at,
          appeal_until: deadline,
          can_appeal: !a && deadline > new Date().toISOString(),
          appeal: a ? { id: a.id, text: a.text, status: a.status, decision_note: a.decision_note, decided_at: a.decided_at } : null,
        }
      })
    },

    /** Appeal one's removal, once, within the window. CONFLICT for a second appeal or a closed window. */
    async appeal(userId: number, resolutionId: number, input: unknown): Promise<{ id: number }> {
      const r = await removalOf(userId, resolutionId)
      const data = parse(appealInput, input)
      if (until(r, await days()) <= new Date().toISOString()) throw new AppError(409, 'CONFLICT', 'The time to appeal this decision has passed.')
      const row = await db
        .insertInto('report_appeals')
        .values({ resolution_id: r.id, user_id: userId, text: data.text })
        .onConflict((oc) => oc.column('resolution_id').doNothing())
        .returning('id')
        .executeTakeFirst()
      if (!row) throw new AppError(409, 'CONFLICT', 'You appealed this decision already; the moderators will answer once.')
      await audit(db, { actorId: userId, action: 'report.appeal', targetType: r.target_type, targetId: r.target_id, details: { resolution_id: r.id, appeal_id: row.id } })
      return row
    },

    /** Appeals for staff: open ones first by default. */
    async list(options: { status?: AppealStatus | 'all'; cursor?: string | null; limit?: number; id?: number } = {}): Promise<Page<AppealView>> {
      const limit = options.limit ?? 50
      const after = decodeCursor(options.cursor, { id: 'id' })
      let q = db.selectFrom('report_appeals').innerJoin('report_resolutions as r', 'r.id', 'report_appeals.resolution_id').selectAll('report_appeals').select(['r.target_type', 'r.target_id', 'r.note as removal_note', 'r.created_at as removed_at']).orderBy('report_appeals.id', 'desc').limit(limit + 1)
      const status = options.status ?? 'open'
      if (status !== 'all') q = q.where('report_appeals.status', '=', status)
      if (after) q = q.where('report_appeals.id', '<', Number(after.id))
      if (options.id) q = q.where('report_appeals.id', '=', options.id)
      const page = pageOf(await q.execute(), limit, (a) => ({ id: a.id }))
      const who = await refs(page.items.flatMap((a) => [a.user_id, a.decided_by]))
      return {
        items: page.items.map((a) => ({
          id: a.id,
          resolution_id: a.resolution_id,
          target_type: a.target_type,
          target_id: a.target_id,
          member: who.get(a.user_id) ?? null,
          text: a.text,
          status: a.status,
          decision_note: a.decision_note,
          decided_by: a.decided_by !== null ? (who.get(a.decided_by) ?? null) : null,
          decided_at: a.decided_at,
          created_at: a.created_at,
          removal: { note: a.removal_note, created_at: a.removed_at },
        })),
        nextCursor: page.nextCursor,
      }
    },

    async openCount(): Promise<number> {
      return Number((await db.selectFrom('report_appeals').select((e) => e.fn.countAll<number>().as('n')).where('status', '=', 'open').executeTakeFirstOrThrow()).n)
    },

    /**
     * Decide an appeal: `overturn` restores the post or comment (or lifts the suspension a member's removal was);
     * `uphold` keeps the removal and deletes what it took down. The member is told either way (with `note`).
     */
    async decide(actor: Viewer | null, appealId: number, input: unknown): Promise<AppealView> {
      const data = parse(appealDecisionInput, input)
      const a = Number.isInteger(appealId) && appealId > 0 ? await db.selectFrom('report_appeals').selectAll().where('id', '=', appealId).executeTakeFirst() : undefined
      if (!a) throw notFound('That appeal')
      if (a.status !== 'open') throw new AppError(409, 'CONFLICT', 'This appeal is decided already.')
      if (actor && actor.id === a.user_id) throw new AppError(403, 'FORBIDDEN', 'You cannot decide your own appeal; leave it to another moderator.')
      const r = await db.selectFrom('report_resolutions').selectAll().where('id', '=', a.resolution_id).executeTakeFirstOrThrow()
      const status: AppealStatus = data.decision === 'overturn' ? 'overturned' : 'upheld'
      const claimed = await db.updateTable('report_appeals').set({ status, decided_by: actor?.id ?? null, decision_note: data.note, decided_at: now() }).where('id', '=', a.id).where('status', '=', 'open').executeTakeFirst()
      if (!Number(claimed.numUpdatedRows)) throw new AppError(409, 'CONFLICT', 'This appeal is decided already.')
      if (data.decision === 'overturn') {
        if (KEPT_FOR_APPEAL.has(r.target_type)) await moderation.release(r.target_type, r.target_id, { removed: true })
        else if (r.target_type === 'user') await users.unsuspend(Number(r.target_id), actor?.id ?? null)
      } else if (KEPT_FOR_APPEAL.has(r.target_type)) {
        await purge(r)
      }
      await audit(db, { actorId: actor?.id ?? null, action: `report.appeal.${data.decision}`, targetType: r.target_type, targetId: r.target_id, details: { appeal_id: a.id, resolution_id: r.id, ...(data.note ? { note: data.note } : {}) } })
      await hooks.emit('action:report.appeal-decided', { appealId: a.id, resolutionId: r.id, userId: a.user_id, decision: data.decision, note: data.note, actorId: actor?.id ?? null })
      return (await service.list({ status: 'all', id: a.id })).items[0]!
    },

    /**
     * Delete for good what removals took down once their appeal window ended without an appeal (an open appeal
     * waits for its decision). Run by a job every hour.
     */
    async purgeExpired(at = new Date()): Promise<number> {
      const cutoff = new Date(at.getTime() - (await days()) * 86_400_000).toISOString()
      const due = await db
        .selectFrom('report_resolutions as r')
        .selectAll('r')
        .where('r.outcome', '=', 'remove')
        .where('r.target_type', 'in', [...KEPT_FOR_APPEAL])
        .where('r.created_at', '<', cutoff)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('report_appeals as a').select('a.id').whereRef('a.resolution_id', '=', 'r.id').where('a.status', 'in', ['open', 'overturned']))))
        // Still taken down (not restored, not deleted by its author meanwhile).
        .where(
          sql<SqlBool>`(r.target_type = 'post' and exists (select 1 from posts where posts.id = cast(r.target_id as integer) and posts.held_reason = 'removed'))
            or (r.target_type = 'comment' and exists (select 1 from comments where comments.id = cast(r.target_id as integer) and comments.held_reason = 'removed'))`,
        )
        .limit(500)
        .execute()
      for (const r of due) await purge(r)
      return due.length
    },
  }
  return service
}
