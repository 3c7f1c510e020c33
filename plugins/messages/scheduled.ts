// Scheduled messages: written now, sent at a chosen time by a durable job (so also after the server was down then),
// exactly once (the send carries a client id only the job uses, and the unique index keeps one). Listed, edited and
// cancelled while pending; one the sender may no longer send (they left, or a block hides the conversation) is not
// sent, and the sender's list says why.
import { z } from 'zod'
import { decodeCursor, displayName, isAppError, pageOf, type Page, type PluginDb, type Viewer } from '../../core/plugins/api.js'
import { disappearInput } from './disappearing.js'
import type { MessagesContext } from './plugin.js'
import { byClientId, membersOf, own } from './queries.js'
import { messageText, type MessagesService } from './service.js'
import type { ScheduledRow, ScheduledStatus } from './tables.js'

/** The furthest ahead a message may be scheduled. */
export const MAX_AHEAD_DAYS = 365
/** Pending scheduled messages one member may have at once. */
export const MAX_PENDING = 100

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/

/**
 * The instant a member means: an ISO instant with its zone (`2026-12-24T18:00:00+01:00`, `...Z`), or a local time as a
 * `datetime-local` field posts it (`2026-12-24T18:00`) with their offset from UTC in minutes (`60` for UTC+1; what the
 * page's script reads from the browser; UTC without it). Null when it is not a time.
 * @example instantOf('2026-12-24T18:00', 60)?.toISOString() // '2026-12-24T17:00:00.000Z'
 */
export function instantOf(sendAt: string, tzOffsetMinutes?: number | null): Date | null {
  const text = sendAt.trim()
  if (ZONED.test(text)) {
    const d = new Date(text)
    return Number.isNaN(d.getTime()) ? null : d
  }
  const m = LOCAL.exec(text)
  if (!m) return null
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number, number]
  const utc = Date.UTC(y, mo - 1, d, h, mi, s)
  const check = new Date(utc)
  // 2026-02-30 is not a day.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null
  return new Date(utc - (tzOffsetMinutes ?? 0) * 60_000)
}

const tzOffset = z.coerce.number({ error: 'tz_offset is minutes from UTC.' }).int('tz_offset is minutes from UTC.').min(-840, 'tz_offset is minutes from UTC.').max(840, 'tz_offset is minutes from UTC.')
const when = z.string({ error: 'Choose when to send it.' }).min(1, 'Choose when to send it.').max(40, 'Give the time as 2026-12-24T18:00 or an ISO date and time.')
export const scheduleInput = z.object({ text: messageText, send_at: when, tz_offset: tzOffset.nullable().optional(), disappear_seconds: disappearInput.optional() }).strict()
export const rescheduleInput = z.object({ text: messageText.optional(), send_at: when.optional(), tz_offset: tzOffset.nullable().optional() }).strict()

/** A scheduled message as its sender sees it (nobody else ever does). */
export interface ScheduledView {
  id: number
  conversation_id: number
  /** The group's name or the other member's name. */
  conversation_title: string
  text: string
  send_at: string
  status: ScheduledStatus
  /** The message it became, once sent. */
  message_id: number | null
  /** Why it was not sent. */
  reason: string | null
  created_at: string
}

export type ScheduledService = ReturnType<typeof createScheduled>

export function createScheduled(ctx: MessagesContext, messages: MessagesService) {
  const db: PluginDb = ctx.db
  const missing = () => ctx.http.error(404, 'NOT_FOUND', 'That scheduled message does not exist.')
  const fieldError = (field: string, message: string) => ctx.http.error(400, 'VALIDATION_FAILED', message, { fields: { [field]: message } })

  /** The instant, in the future and within a year of `now`; a clear error otherwise (nothing is stored). */
  function sendTime(input: { send_at: string; tz_offset?: number | null }, now: Date): Date {
    const at = instantOf(input.send_at, input.tz_offset)
    if (!at) throw fieldError('send_at', 'Give the time as 2026-12-24T18:00 or an ISO date and time.')
    if (at.getTime() <= now.getTime()) throw fieldError('send_at', 'Choose a time in the future.')
    if (at.getTime() > now.getTime() + MAX_AHEAD_DAYS * 86_400_000) throw fieldError('send_at', `Messages can be scheduled up to ${MAX_AHEAD_DAYS} days ahead.`)
    return at
  }

  async function views(rows: ScheduledRow[]): Promise<ScheduledView[]> {
    const members = await membersOf(db, [...new Set(rows.map((r) => r.conversation_id))])
    const names = new Map<number, string>()
    for (const r of rows) {
      const c = await own(db).selectFrom('messages_conversations').select(['kind', 'name']).where('id', '=', r.conversation_id).executeTakeFirst()
      const other = members.find((m) => m.conversation_id === r.conversation_id && m.user_id !== r.sender_id)
      names.set(r.conversation_id, c?.kind === 'group' ? (c.name ?? 'Group') : (other?.display_name ?? 'Conversation'))
    }
    return rows.map((r) => ({
      id: r.id,
      conversation_id: r.conversation_id,
      conversation_title: names.get(r.conversation_id) ?? 'Conversation',
      text: r.body,
      send_at: r.send_at,
      status: r.status,
      message_id: r.message_id,
      reason: r.reason,
      created_at: r.created_at,
    }))
  }

  async function mine(viewer: Viewer, id: number): Promise<ScheduledRow> {
    const row = await own(db).selectFrom('messages_scheduled').selectAll().where('id', '=', id).where('sender_id', '=', viewer.id).executeTakeFirst()
    if (!row) throw missing()
    return row
  }

  async function markNotSent(id: number, reason: string): Promise<void> {
    const done = await own(db).updateTable('messages_scheduled').set({ status: 'not_sent', reason }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst()
    const row = await own(db).selectFrom('messages_scheduled').select(['sender_id', 'conversation_id']).where('id', '=', id).executeTakeFirst()
    if (row && Number(done.numUpdatedRows) > 0) {
      await ctx.core.notifications.notify({ userId: row.sender_id, type: 'scheduled', data: { scheduledId: id } }).catch((err) => ctx.log.warn({ err }, 'scheduled notification failed'))
    }
  }

  return {
    /** The viewer's scheduled messages (pending first by time, then the rest newest first), optionally of one conversation. */
    async list(viewer: Viewer, options: { conversationId?: number; status?: 'pending' | 'all'; cursor?: string | null; limit?: number } = {}): Promise<Page<ScheduledView>> {
      const limit = options.limit ?? 30
      const after = decodeCursor(options.cursor, { id: 'id' })
      let q = own(db).selectFrom('messages_scheduled').selectAll().where('sender_id', '=', viewer.id)
      if (options.conversationId !== undefined) q = q.where('conversation_id', '=', options.conversationId)
      if ((options.status ?? 'pending') === 'pending') q = q.where('status', '=', 'pending')
      if (after) q = q.where('id', '<', after.id)
      const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute()
      const page = pageOf(rows, limit, (r) => ({ id: r.id }))
      const items = await views(page.items)
      items.sort((a, b) => (a.status === 'pending' ? 0 : 1) - (b.status === 'pending' ? 0 : 1) || (a.status === 'pending' ? a.send_at.localeCompare(b.send_at) : b.id - a.id))
      return { items, nextCursor: page.nextCursor }
    },

    async get(viewer: Viewer, id: number): Promise<ScheduledView> {
      return (await views([await mine(viewer, id)]))[0]!
    },

    /**
     * Schedule a message to a conversation the viewer is in. A time in the past (or not a time) is a clear error and
     * stores nothing; the row and its job commit together.
     */
    async create(viewer: Viewer, conversationId: number, input: z.output<typeof scheduleInput>, now = new Date()): Promise<ScheduledView> {
      const conv = await messages.get(viewer, conversationId)
      if (conv.me.state !== 'active') throw ctx.http.error(403, 'FORBIDDEN', 'You are no longer in this conversation.')
      const at = sendTime(input, now)
      // Refused now rather than at the time it goes (the rules are checked again then, and the stored message flagged).
      await ctx.core.policy.enforce({ surface: 'message', authorId: viewer.id, text: input.text })
      const pending = await own(db).selectFrom('messages_scheduled').select((eb) => eb.fn.countAll<number>().as('n')).where('sender_id', '=', viewer.id).where('status', '=', 'pending').executeTakeFirstOrThrow()
      if (Number(pending.n) >= MAX_PENDING) throw ctx.http.error(409, 'CONFLICT', `You have ${MAX_PENDING} scheduled messages already; send or cancel some first.`)
      const perMinute = await ctx.settings.get('sends_per_minute')
      ctx.core.limits.hit(`send:user:${viewer.id}`, { limit: perMinute, windowSeconds: 60, message: (s) => `You are sending messages too fast. Wait ${s} s.` })
      const id = await db.transaction().execute(async (trx) => {
        const { id } = await own(trx)
          .insertInto('messages_scheduled')
          .values({ conversation_id: conversationId, sender_id: viewer.id, body: input.text, disappear_seconds: input.disappear_seconds ?? null, send_at: at.toISOString() })
          .returning('id')
          .executeTakeFirstOrThrow()
        await ctx.jobs.enqueue('send-scheduled', { scheduledId: id }, { runAt: at, key: `scheduled:${id}`, db: trx })
        return id
      })
      return this.get(viewer, id)
    },

    /** Change the text or the time of a message not sent yet. */
    async update(viewer: Viewer, id: number, input: z.output<typeof rescheduleInput>, now = new Date()): Promise<ScheduledView> {
      const row = await mine(viewer, id)
      if (row.status !== 'pending') throw ctx.http.error(409, 'CONFLICT', row.status === 'sent' ? 'That message was sent already.' : 'That message was not sent and cannot be changed.')
      const at = input.send_at !== undefined ? sendTime({ send_at: input.send_at, tz_offset: input.tz_offset }, now) : null
      if (input.text !== undefined) await ctx.core.policy.enforce({ surface: 'message', authorId: viewer.id, text: input.text })
      await db.transaction().execute(async (trx) => {
        const done = await own(trx)
          .updateTable('messages_scheduled')
          .set({ ...(input.text !== undefined ? { body: input.text } : {}), ...(at ? { send_at: at.toISOString() } : {}) })
          .where('id', '=', id)
          .where('status', '=', 'pending')
          .executeTakeFirst()
        if (Number(done.numUpdatedRows) === 0) throw ctx.http.error(409, 'CONFLICT', 'That message was sent already.')
        if (at) {
          await ctx.jobs.cancel(`scheduled:${id}`, { db: trx })
          await ctx.jobs.enqueue('send-scheduled', { scheduledId: id }, { runAt: at, key: `scheduled:${id}`, db: trx })
        }
      })
      return this.get(viewer, id)
    },

    /** Cancel a message not sent yet (or forget one that was not sent): it is deleted, and its job with it. */
    async cancel(viewer: Viewer, id: number): Promise<void> {
      const row = await mine(viewer, id)
      if (row.status === 'sent') throw ctx.http.error(409, 'CONFLICT', 'That message was sent already.')
      await db.transaction().execute(async (trx) => {
        await own(trx).deleteFrom('messages_scheduled').where('id', '=', id).where('status', '!=', 'sent').execute()
        await ctx.jobs.cancel(`scheduled:${id}`, { db: trx })
      })
    },

    /**
     * The job: send it now if it is still pending and the sender may still write there. Safe to run twice: a message
     * already stored under its client id is only marked sent.
     */
    async run(scheduledId: number): Promise<void> {
      const row = await own(db).selectFrom('messages_scheduled').selectAll().where('id', '=', scheduledId).where('status', '=', 'pending').executeTakeFirst()
      if (!row) return
      const clientId = `scheduled:${row.id}`
      const markSent = (messageId: number) => own(db).updateTable('messages_scheduled').set({ status: 'sent', message_id: messageId }).where('id', '=', row.id).where('status', '=', 'pending').execute()
      const already = await byClientId(db, row.conversation_id, row.sender_id, clientId)
      if (already !== null) return void (await markSent(already))
      const sender = await db.selectFrom('users').select(['id', 'username', 'display_name', 'role', 'suspended_at']).where('id', '=', row.sender_id).executeTakeFirst()
      if (!sender || sender.suspended_at) return markNotSent(row.id, 'Your account could not send it.')
      const viewer: Viewer = { id: sender.id, username: sender.username, display_name: displayName(sender), role: sender.role }
      try {
        // The client id is one no member can send (it has a colon), so nothing but this job can take it.
        const { message } = await messages.send(viewer, row.conversation_id, { text: row.body, client_id: clientId, reply_to: null, disappear_seconds: row.disappear_seconds }, { unlimited: true })
        await markSent(message.id)
      } catch (err) {
        if (!isAppError(err) || ![400, 403, 404, 409, 422].includes(err.status)) throw err
        const reason =
          err.status === 404 ? 'Not sent: this conversation is no longer available to you.' : err.status === 403 ? 'Not sent: you are no longer in this conversation.' : `Not sent: ${err.message}`
        await markNotSent(row.id, reason)
      }
    },
  }
}
