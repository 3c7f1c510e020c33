// Disappearing messages: the timers a conversation and a message may have, the durable job queued with each
// disappearing message, and `purgeMessages`, the one place a message is deleted for good (its row, its body and
// search entry, its reactions, its files). Hidden from every reader the moment it expires (messageVisible).
import { deleteMessageFiles } from './attachments.js'
import { sql } from 'kysely'
import { z } from 'zod'
import type { PluginDb, Topic } from '../../core/plugins/api.js'
import { eraseBody } from './bodies.js'
import { recordChange } from './changes.js'
import type { MessagesContext } from './plugin.js'
import { own, recount } from './queries.js'

const HOUR = 3600
const DAY = 24 * HOUR
/** The conversation timers members choose from (off is null). */
export const DISAPPEAR_SECONDS = [DAY, 7 * DAY, 90 * DAY] as const
/** A single message may also disappear after an hour. */
export const DISAPPEAR_MESSAGE_SECONDS = [HOUR, ...DISAPPEAR_SECONDS] as const

const LABELS: Record<number, string> = { [HOUR]: '1 hour', [DAY]: '24 hours', [7 * DAY]: '7 days', [90 * DAY]: '90 days' }
/** "24 hours" for 86400. */
export const disappearLabel = (seconds: number) => LABELS[seconds] ?? `${Math.round(seconds / HOUR)} hours`

const oneOf = (allowed: readonly number[], what: string) =>
  z.coerce
    .number({ error: `${what} is one of ${allowed.join(', ')} seconds.` })
    .refine((n) => allowed.includes(n), `${what} is one of ${allowed.join(', ')} seconds.`)

/** A message's own timer on send (seconds); absent or null: the conversation's timer. */
export const disappearInput = oneOf(DISAPPEAR_MESSAGE_SECONDS, 'disappear_seconds').nullable()
/** A conversation's timer: seconds, or null for off. */
export const timerInput = oneOf(DISAPPEAR_SECONDS, 'disappear_seconds').nullable()

/** When a message sent at `sentAt` with this timer disappears (ISO), or null when it does not. */
export function expiryOf(sentAt: Date, seconds: number | null | undefined): string | null {
  return seconds ? new Date(sentAt.getTime() + seconds * 1000).toISOString() : null
}

/** Queue the purge of a disappearing message, inside the transaction that stores it (both commit or neither). */
export async function enqueuePurge(ctx: MessagesContext, trx: PluginDb, messageId: number, expiresAt: string): Promise<void> {
  await ctx.jobs.enqueue('disappear', { messageId }, { runAt: new Date(expiresAt), key: `disappear:${messageId}`, db: trx })
}

export function createDisappearing(ctx: MessagesContext, conv: () => Topic<'messages:conv'>) {
  const db: PluginDb = ctx.db

  /**
   * Delete these messages for good: row, body and search entry (bodies.ts), reactions, deleted-for-me marks, reply
   * quotes of them, and their files; each conversation's latest message is recomputed and its members are told
   * (`disappeared`, durable, so a page that was away hears it on reconnect). Safe to run twice.
   * Notifications never hold a message's text (README), so none has to go with it.
   */
  async function purgeMessages(ids: readonly number[]): Promise<number[]> {
    if (ids.length === 0) return []
    // Their photos, videos, files and voice notes first (attachments.ts, the one place that removes them): the
    // attachment rows go with the message rows, and the files would be left behind.
    await deleteMessageFiles(ctx, ids)
    const done = await db.transaction().execute(async (trx) => {
      const t = own(trx)
      const rows = await t.selectFrom('messages_messages').select(['id', 'conversation_id']).where('id', 'in', [...ids]).execute()
      const byConversation = new Map<number, number[]>()
      for (const r of rows) byConversation.set(r.conversation_id, [...(byConversation.get(r.conversation_id) ?? []), r.id])
      const gone = rows.map((r) => r.id)
      if (gone.length === 0) return []
      for (const id of gone) await eraseBody(trx, id)
      await t.deleteFrom('messages_reactions').where('message_id', 'in', gone).execute()
      await t.deleteFrom('messages_hidden').where('message_id', 'in', gone).execute()
      await t.updateTable('messages_messages').set({ reply_to_id: null }).where('reply_to_id', 'in', gone).execute()
      await t.updateTable('messages_scheduled').set({ message_id: null }).where('message_id', 'in', gone).execute()
      await t.deleteFrom('messages_messages').where('id', 'in', gone).execute()
      const published: { conversationId: number; ids: number[]; seq: number }[] = []
      for (const [conversationId, list] of byConversation) {
        const latest = await t.selectFrom('messages_messages').select((eb) => eb.fn.max('id').as('id')).where('conversation_id', '=', conversationId).executeTakeFirst()
        await t.updateTable('messages_conversations').set({ last_message_id: latest?.id ?? null }).where('id', '=', conversationId).execute()
        // Each member's latest (up to their last line) and unread count follow (queries.ts).
        const last = latest?.id ?? null
        await sql`update messages_participants set latest_id = case when until_id is not null and until_id < ${last} then until_id else ${last} end
          where conversation_id = ${conversationId}`.execute(trx)
        await recount(trx, conversationId, { readBelow: Math.max(...list) })
        published.push({ conversationId, ids: list, seq: await recordChange(trx, { conversationId, messageIds: list, kind: 'disappeared' }) })
      }
      return published
    })
    for (const d of done) conv().publish(`messages:conv:${d.conversationId}`, 'disappeared', { ids: d.ids }, { durable: d.seq })
    return done.flatMap((d) => d.ids)
  }

  /** Purge the messages whose time has come: these ids if they are due (the job), or every due one (the sweep). */
  async function purgeDue(ids?: readonly number[]): Promise<number[]> {
    let q = own(db).selectFrom('messages_messages').select('id').where('expires_at', 'is not', null).where('expires_at', '<=', new Date().toISOString())
    if (ids) {
      if (ids.length === 0) return []
      q = q.where('id', 'in', [...ids])
    }
    return purgeMessages((await q.limit(500).execute()).map((r) => r.id))
  }

  return { purgeMessages, purgeDue }
}
