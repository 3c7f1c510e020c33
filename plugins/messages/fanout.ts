// What a new message does for each member beyond the topic's one publish: a notification and a push of their unread
// counts. It runs as a durable job queued in the send's transaction (decision 015), so a send to a 1,000-member group
// answers at once, and the fan-out still happens if the server stops between the two. The job gives the event loop
// back every few milliseconds, so the sends and socket deliveries of the messages after it never wait behind a whole
// group's fan-out.
import { setImmediate as breathe } from 'node:timers/promises'
import { displayName, type PluginDb } from '../../core/plugins/api.js'
import type { MessagesContext } from './plugin.js'
import { own, unreadCounts } from './queries.js'
import type { Reading } from './reading.js'

export const FAN_OUT_JOB = 'fan-out'

/** How long the job runs before letting other work in. */
const SLICE_MS = 4

/** The job's payload: the message, what its notification says it holds ("a photo"), and whether to notify at all. */
export interface FanOut {
  messageId: number
  what?: string
  /** A story's quick reaction: the stories plugin notifies it; counts are still pushed. */
  quiet?: boolean
  /**
   * The members this message made unread (none before it): the only ones whose counts change. Absent in jobs queued
   * before it existed: then every member's counts are pushed.
   */
  turned?: number[]
}

/** Queue the fan-out of a message in the transaction that stores it. */
export async function enqueueFanOut(ctx: MessagesContext, trx: PluginDb, job: FanOut): Promise<void> {
  // JSON only: no undefined fields.
  const payload: FanOut = { messageId: job.messageId, ...(job.what ? { what: job.what } : {}), ...(job.quiet ? { quiet: true } : {}), ...(job.turned ? { turned: job.turned } : {}) }
  await ctx.jobs.enqueue(FAN_OUT_JOB, payload, { key: `fan-out:${job.messageId}`, db: trx })
}

/** Tell a member's pages (and the nav badge) that their unread counts changed. */
export async function pushCounts(ctx: MessagesContext, userId: number): Promise<void> {
  ctx.realtime.publish(userId, 'unread', await unreadCounts(ctx.db, userId))
}

/**
 * The job: one notification per member who may see the message now (in the conversation since before it, not its
 * sender, not muted, not a request's recipient, not reading the conversation right now) and was not told of their
 * unread messages there yet (`told`: one notification until they read, write or have the conversation in view,
 * however busy it is),
 * grouped per conversation and never with the text; then the counts of the members it made unread. Decided when it
 * runs, so a member removed, a message unsent or gone, a block (core drops notifications across one) since the send
 * all count. Run twice (a crash mid-run), a member's notification groups with the first one (the same actor and
 * conversation) and the counts are pushed again, which is harmless.
 */
export async function fanOut(ctx: MessagesContext, job: FanOut, reading: Reading): Promise<void> {
  // Jobs run one after another without touching the event loop (SQLite answers synchronously): many queued at once
  // (500 first messages) would hold every request back until the last one. Each starts by letting others in.
  await breathe()
  const db = own(ctx.db)
  const m = await db
    .selectFrom('messages_messages as m')
    .innerJoin('messages_conversations as c', 'c.id', 'm.conversation_id')
    .select(['m.id', 'm.conversation_id', 'm.sender_id', 'm.unsent_at', 'm.expires_at', 'c.kind', 'c.name'])
    .where('m.id', '=', job.messageId)
    .executeTakeFirst()
  if (!m) return // purged (disappeared) before the job ran
  const members = await db
    .selectFrom('messages_participants')
    .select(['user_id', 'muted', 'request', 'told', 'last_read_id'])
    .where('conversation_id', '=', m.conversation_id)
    .where('state', '=', 'active')
    .where('from_id', '<', m.id)
    .execute()
  let since = performance.now()
  const slice = async () => {
    if (performance.now() - since < SLICE_MS) return
    await breathe()
    since = performance.now()
  }
  const live = !m.unsent_at && !(m.expires_at && Date.parse(m.expires_at) <= Date.now())
  const sender = m.sender_id !== null ? await ctx.core.users.find(m.sender_id) : null
  if (!job.quiet && live && sender) {
    const group = m.kind === 'group'
    const title = group ? (m.name ?? 'a group') : displayName(sender)
    const data = { conversationId: m.conversation_id, group, title, ...(job.what ? { what: job.what } : {}) }
    const told: number[] = []
    for (const r of members) {
      if (r.user_id === m.sender_id || r.muted === 1 || r.request !== 'none' || r.told === 1 || r.last_read_id >= m.id || reading.is(m.conversation_id, r.user_id)) continue
      await ctx.core.notifications
        .notify({ userId: r.user_id, type: 'message', actorId: sender.id, groupKey: String(m.conversation_id), data })
        .catch((err) => ctx.log.warn({ err }, 'message notification failed'))
      told.push(r.user_id)
      await slice()
    }
    // Not for one who read past it meanwhile: their next message should tell them again.
    for (let i = 0; i < told.length; i += 500) {
      await db
        .updateTable('messages_participants')
        .set({ told: 1 })
        .where('conversation_id', '=', m.conversation_id)
        .where('user_id', 'in', told.slice(i, i + 500))
        .where('last_read_id', '<', m.id)
        .execute()
    }
  }
  const counts = job.turned ?? members.map((r) => r.user_id)
  for (const userId of counts) {
    if (userId === m.sender_id) continue
    await pushCounts(ctx, userId)
    await slice()
  }
}
