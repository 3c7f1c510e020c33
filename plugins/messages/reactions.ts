// Reactions under messages: a small set of emoji, one per member per message (choosing it again takes it back),
// counted per emoji with the reader's own marked. Only members who may see a message react to it or see its reactions.
import { z } from 'zod'
import type { PluginDb as Db } from '../../core/plugins/api.js'
import { own } from './queries.js'

/** The emoji members react with. */
export const REACTIONS = ['❤️', '😂', '😮', '😢', '😡', '👍'] as const
export const reactionInput = z.enum(REACTIONS, { error: `Choose one of ${REACTIONS.join(' ')}.` })

export interface ReactionSummary {
  emoji: string
  count: number
  /** Who chose it (members of the conversation), oldest first: a page marks the reader's own. */
  user_ids: number[]
}

/** The reactions of these messages (ids the reader may see), by message, in REACTIONS order. */
export async function reactionsOf(db: Db, ids: readonly number[]): Promise<Map<number, ReactionSummary[]>> {
  if (ids.length === 0) return new Map()
  const rows = await own(db).selectFrom('messages_reactions').select(['message_id', 'emoji', 'user_id']).where('message_id', 'in', [...ids]).orderBy('created_at').orderBy('user_id').execute()
  const out = new Map<number, ReactionSummary[]>()
  const order = (e: string) => (REACTIONS as readonly string[]).indexOf(e)
  for (const r of rows) {
    const list = out.get(r.message_id) ?? []
    const entry = list.find((x) => x.emoji === r.emoji)
    if (entry) {
      entry.count++
      entry.user_ids.push(r.user_id)
    } else list.push({ emoji: r.emoji, count: 1, user_ids: [r.user_id] })
    out.set(r.message_id, list)
  }
  for (const list of out.values()) list.sort((a, b) => order(a.emoji) - order(b.emoji))
  return out
}

/** Set the member's reaction to a message, or take it back when it is the one they already chose. Answers whether it is on. */
export async function toggleReaction(db: Db, userId: number, messageId: number, emoji: string): Promise<boolean> {
  const t = own(db)
  const current = await t.selectFrom('messages_reactions').select('emoji').where('message_id', '=', messageId).where('user_id', '=', userId).executeTakeFirst()
  if (current?.emoji === emoji) {
    await t.deleteFrom('messages_reactions').where('message_id', '=', messageId).where('user_id', '=', userId).execute()
    return false
  }
  await t
    .insertInto('messages_reactions')
    .values({ message_id: messageId, user_id: userId, emoji })
    .onConflict((oc) => oc.columns(['message_id', 'user_id']).doUpdateSet({ emoji, created_at: new Date().toISOString() }))
    .execute()
  return true
}
