// Verification (issue 18): members ask for the verified badge with a reason and links, staff approve or reject it
// against the operator's terms, grant it directly or revoke it. The badge is users.verified_at (decision 052).
import { sql } from 'kysely'
import { z } from 'zod'
import { audit } from '../audit.js'
import type { Db } from '../db/connect.js'
import { now } from '../db/schema.js'
import { AppError, notFound } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import type { SettingsService } from '../settings/service.js'
import { renderMarkdown } from '../text/markdown.js'
import { parse } from '../validation.js'
import { webLink } from '../social/inputs.js'
import { displayName } from '../users/display-name.js'
import type { VerificationRequestRow, VerificationStatus } from './tables.js'

/** The most links a request carries. */
export const MAX_LINKS = 5

/** A member's request: the API sends `links` as a list; the page's textarea, one per line (split here). */
export const requestInput = z.object({
  reason: z.string({ error: 'Say why your account should be verified.' }).trim().min(20, 'Say in at least 20 characters why your account should be verified.').max(2000, 'Keep the reason under 2,000 characters.'),
  links: z
    .preprocess((v) => (typeof v === 'string' ? v.split(/\r?\n/).map((l) => l.trim()).filter(Boolean) : (v ?? [])), z.array(webLink, { error: 'Send links as a list of web addresses.' }).max(MAX_LINKS, `Add at most ${MAX_LINKS} links.`))
    .transform((l) => [...new Set(l)]),
})

const noteInput = z.string().trim().max(1000, 'Keep the note under 1,000 characters.')
const decisionInput = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve'), note: noteInput.default('') }),
  z.object({ decision: z.literal('reject'), note: noteInput.min(1, 'Say why the request is turned down: the member is shown it.') }),
], { error: 'The decision is approve or reject.' })

/** A request as its member and staff see it (staff's note included: never shown to anyone else). */
export interface VerificationRequestView {
  id: number
  reason: string
  links: string[]
  status: VerificationStatus
  staff_note: string
  decided_at: string | null
  created_at: string
}

/** A request in staff's list: the request and its member. */
export interface StaffRequestView extends VerificationRequestView {
  member: { id: number; username: string; display_name: string; verified: boolean; created_at: string }
  decided_by: string | null
}

/** What a member's verification page shows. */
export interface VerificationStatusView {
  verified: boolean
  verified_at: string | null
  /** Members may ask now (the operator allows requests; not verified, nothing waiting, no cool-down running). */
  can_request: boolean
  /** When asking again is allowed after a rejection (null: no cool-down running). */
  next_request_at: string | null
  /** Whether the operator takes requests at all. */
  open: boolean
  /** The newest request first. */
  requests: VerificationRequestView[]
}

/** How a verification changed, as the member is told and `action:user.verification-decided` says. */
export type VerificationOutcome = 'approved' | 'rejected' | 'granted' | 'revoked'

const DAY = 86_400_000

function view(r: VerificationRequestRow): VerificationRequestView {
  return { id: r.id, reason: r.reason, links: JSON.parse(r.links) as string[], status: r.status, staff_note: r.staff_note, decided_at: r.decided_at, created_at: r.created_at }
}

export type VerificationService = ReturnType<typeof createVerificationService>

export function createVerificationService(deps: { db: Db; hooks: HookRegistry; settings: SettingsService }) {
  const { db, hooks, settings } = deps

  const member = async (idOrUsername: number | string) => {
    const key = String(idOrUsername).trim().replace(/^@/, '')
    const q = db.selectFrom('users').select(['id', 'username', 'display_name', 'verified_at', 'deleted_at'])
    const row = await (/^\d+$/.test(key) ? q.where('id', '=', Number(key)) : q.where('username', '=', key)).executeTakeFirst()
    if (!row || row.deleted_at) throw notFound('That member')
    return row
  }

  const staffQuery = () =>
    db
      .selectFrom('verification_requests as r')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .leftJoin('users as d', 'd.id', 'r.decided_by')
      .selectAll('r')
      .select(['u.username', 'u.display_name', 'u.verified_at', 'u.created_at as joined', 'd.username as decider'])
  const staffView = (r: VerificationRequestRow & { username: string; display_name: string; verified_at: string | null; joined: string; decider: string | null }): StaffRequestView => ({
    ...view(r),
    member: { id: r.user_id, username: r.username, display_name: displayName(r), verified: r.verified_at !== null, created_at: r.joined },
    decided_by: r.decider,
  })

  const tell = (userId: number, outcome: VerificationOutcome, note: string, actorId: number | null, requestId: number | null) =>
    hooks.emit('action:user.verification-decided', { userId, outcome, note, actorId, requestId })

  const service = {
    /** The operator's terms of the badge, as written and as safe HTML. */
    async terms(): Promise<{ text: string; html: string }> {
      const text = await settings.get('verification.terms')
      return { text, html: text.trim() ? renderMarkdown(text) : '' }
    },

    /** A member's badge, requests (newest first) and whether they may ask now. */
    async status(userId: number): Promise<VerificationStatusView> {
      const u = await member(userId)
      const [open, cooldown, rows] = await Promise.all([
        settings.get('verification.open'),
        settings.get('verification.cooldown_days'),
        db.selectFrom('verification_requests').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(20).execute(),
      ])
      const requests = rows.map(view)
      const lastRejected = requests.find((r) => r.status === 'rejected')
      const until = lastRejected?.decided_at ? new Date(Date.parse(lastRejected.decided_at) + cooldown * DAY) : null
      const next_request_at = until && until.getTime() > Date.now() ? until.toISOString() : null
      const pending = requests.some((r) => r.status === 'pending')
      return { verified: u.verified_at !== null, verified_at: u.verified_at, open, next_request_at, can_request: open && u.verified_at === null && !pending && next_request_at === null, requests }
    },

    /**
     * A member asks for the badge. Refused when requests are closed, they are verified already, one is waiting, or a
     * rejection's cool-down is running (the error says until when).
     */
    async request(userId: number, input: unknown): Promise<VerificationRequestView> {
      const data = parse(requestInput, input)
      const st = await service.status(userId)
      if (!st.open) throw new AppError(403, 'VERIFICATION_CLOSED', 'This site does not take verification requests at the moment.')
      if (st.verified) throw new AppError(409, 'ALREADY_VERIFIED', 'Your account is verified already.')
      if (st.requests.some((r) => r.status === 'pending')) throw new AppError(409, 'CONFLICT', 'Your request is waiting for the staff; withdraw it to send another.')
      if (st.next_request_at) throw new AppError(409, 'TOO_SOON', `You can ask again from ${st.next_request_at.slice(0, 10)}.`, { next_request_at: st.next_request_at })
      try {
        const row = await db.insertInto('verification_requests').values({ user_id: userId, reason: data.reason, links: JSON.stringify(data.links), created_at: now() }).returningAll().executeTakeFirstOrThrow()
        return view(row)
      } catch (err) {
        // Two requests raced past the check: the partial unique index keeps one.
        if (String(err).includes('UNIQUE')) throw new AppError(409, 'CONFLICT', 'Your request is waiting for the staff; withdraw it to send another.')
        throw err
      }
    },

    /** A member withdraws their waiting request (no cool-down follows). */
    async withdraw(userId: number): Promise<void> {
      const r = await db.updateTable('verification_requests').set({ status: 'withdrawn', decided_at: now() }).where('user_id', '=', userId).where('status', '=', 'pending').executeTakeFirst()
      if (Number(r.numUpdatedRows) === 0) throw notFound('A waiting request')
    },

    /** Staff's list: waiting requests first (oldest first), then decided ones (newest first); `status` narrows it. */
    async list(options: { status?: VerificationStatus; q?: string; page?: number; limit?: number } = {}): Promise<{ items: StaffRequestView[]; page: number; more: boolean }> {
      const limit = options.limit ?? 50
      const page = Math.max(1, options.page ?? 1)
      let q = staffQuery()
        .orderBy(sql`r.status = 'pending'`, 'desc')
        .orderBy(sql`case when r.status = 'pending' then r.id else -r.id end`)
        .limit(limit + 1)
        .offset((page - 1) * limit)
      if (options.status) q = q.where('r.status', '=', options.status)
      if (options.q?.trim()) {
        const like = `%${options.q.trim().replace(/^@/, '').replace(/[%_\\]/g, (m) => `\\${m}`)}%`
        q = q.where((eb) => eb.or([eb('u.username', 'like', sql<string>`${like} escape '\\'`), eb('u.display_name', 'like', sql<string>`${like} escape '\\'`)]))
      }
      const rows = await q.execute()
      return { items: rows.slice(0, limit).map(staffView), page, more: rows.length > limit }
    },

    /** Waiting requests (the console's count). */
    async pendingCount(): Promise<number> {
      const r = await db.selectFrom('verification_requests').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'pending').executeTakeFirstOrThrow()
      return Number(r.n)
    },

    /** Approve (the badge is given) or reject (a note the member reads is required) a waiting request; audited. */
    async decide(requestId: number, actorId: number | null, input: unknown): Promise<StaffRequestView> {
      const d = parse(decisionInput, input)
      const req = await db.selectFrom('verification_requests').selectAll().where('id', '=', requestId).executeTakeFirst()
      if (!req) throw notFound('That request')
      if (req.status !== 'pending') throw new AppError(409, 'CONFLICT', `That request was ${req.status} already.`)
      const at = now()
      await db.transaction().execute(async (trx) => {
        const r = await trx.updateTable('verification_requests').set({ status: d.decision === 'approve' ? 'approved' : 'rejected', staff_note: d.note, decided_by: actorId, decided_at: at }).where('id', '=', requestId).where('status', '=', 'pending').executeTakeFirst()
        if (Number(r.numUpdatedRows) === 0) throw new AppError(409, 'CONFLICT', 'That request was decided already.')
        if (d.decision === 'approve') await trx.updateTable('users').set({ verified_at: at, verified_by: actorId }).where('id', '=', req.user_id).where('verified_at', 'is', null).execute()
      })
      await audit(db, { actorId, action: d.decision === 'approve' ? 'verification.approve' : 'verification.reject', targetType: 'user', targetId: req.user_id, details: { request: requestId, ...(d.note && { note: d.note }) } })
      await tell(req.user_id, d.decision === 'approve' ? 'approved' : 'rejected', d.note, actorId, requestId)
      return (await service.one(requestId))!
    },

    /** One request as staff see it. */
    async one(requestId: number): Promise<StaffRequestView | null> {
      const r = await staffQuery()
        .where('r.id', '=', requestId)
        .executeTakeFirst()
      return r ? staffView(r) : null
    },

    /** Give a member the badge without a request (a waiting one is approved with it); audited. */
    async grant(idOrUsername: number | string, actorId: number | null, note: unknown = ''): Promise<{ id: number; username: string; verified: true }> {
      const text = parse(z.object({ note: noteInput }), { note: note ?? '' }).note
      const u = await member(idOrUsername)
      if (u.verified_at) throw new AppError(409, 'ALREADY_VERIFIED', `@${u.username} is verified already.`)
      const at = now()
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('users').set({ verified_at: at, verified_by: actorId }).where('id', '=', u.id).execute()
        await trx.updateTable('verification_requests').set({ status: 'approved', staff_note: text, decided_by: actorId, decided_at: at }).where('user_id', '=', u.id).where('status', '=', 'pending').execute()
      })
      await audit(db, { actorId, action: 'verification.grant', targetType: 'user', targetId: u.id, details: text ? { note: text } : {} })
      await tell(u.id, 'granted', text, actorId, null)
      return { id: u.id, username: u.username, verified: true }
    },

    /** Take the badge away (a note the member reads says why); audited. */
    async revoke(idOrUsername: number | string, actorId: number | null, note: unknown = ''): Promise<{ id: number; username: string; verified: false }> {
      const text = parse(z.object({ note: noteInput }), { note: note ?? '' }).note
      const u = await member(idOrUsername)
      if (!u.verified_at) throw new AppError(409, 'NOT_VERIFIED', `@${u.username} is not verified.`)
      await db.updateTable('users').set({ verified_at: null, verified_by: null }).where('id', '=', u.id).execute()
      await audit(db, { actorId, action: 'verification.revoke', targetType: 'user', targetId: u.id, details: text ? { note: text } : {} })
      await tell(u.id, 'revoked', text, actorId, null)
      return { id: u.id, username: u.username, verified: false }
    },

    /** Verified members, newest first (the console and `hearth verify list`). */
    async verifiedMembers(options: { page?: number; limit?: number } = {}) {
      const limit = options.limit ?? 100
      const page = Math.max(1, options.page ?? 1)
      const rows = await db
        .selectFrom('users as u')
        .leftJoin('users as b', 'b.id', 'u.verified_by')
        .select(['u.id', 'u.username', 'u.display_name', 'u.verified_at', 'b.username as verified_by'])
        .where('u.verified_at', 'is not', null)
        .where('u.deleted_at', 'is', null)
        .orderBy('u.verified_at', 'desc')
        .orderBy('u.id', 'desc')
        .limit(limit + 1)
        .offset((page - 1) * limit)
        .execute()
      return { items: rows.slice(0, limit).map((r) => ({ id: r.id, username: r.username, display_name: displayName(r), verified_at: r.verified_at!, verified_by: r.verified_by })), page, more: rows.length > limit }
    },

    /**
     * Which of these members are verified (plugins' `ctx.core.users.verified`).
     * @example const verified = await ctx.core.users.verified([1, 2, 3]) // Set { 2 }
     */
    async verifiedIds(ids: readonly number[]): Promise<Set<number>> {
      const unique = [...new Set(ids)].filter(Number.isInteger)
      if (!unique.length) return new Set()
      const rows = await db.selectFrom('users').select('id').where('id', 'in', sql<number>`(select value from json_each(${JSON.stringify(unique)}))`).where('verified_at', 'is not', null).execute()
      return new Set(rows.map((r) => r.id))
    },
  }
  return service
}
