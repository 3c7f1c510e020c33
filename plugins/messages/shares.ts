// Shared cards in messages (decision 030): a message may carry one post, profile or story. Only its kind and id are
// stored; each reader gets the card as they may see it now (ctx.core.cards), or "unavailable".
import { z } from 'zod'
import type { PluginDb as Db, SharedCard, Viewer } from '../../core/plugins/api.js'
import type { MessagesContext } from './plugin.js'
import type { MessagesTables } from './tables.js'

const own = (db: Db) => db.withTables<MessagesTables>()

/** The kinds a member may share into a conversation (a story's replies arrive as a share of it too). */
export const SHARE_KINDS = ['post', 'profile', 'story'] as const

export const shareInput = z.object(
  {
    kind: z.enum(SHARE_KINDS, { error: 'share.kind is post, profile or story.' }),
    ref: z.coerce.number({ error: 'share.ref is an id.' }).int('share.ref is an id.').positive('share.ref is an id.'),
  },
  { error: 'share is { kind, ref }.' },
)
export type ShareInput = z.output<typeof shareInput>

/** What a message shares, for one reader: the card, or null when they may not see it (drawn "unavailable"). */
export interface ShareView {
  kind: string
  ref: number
  card: SharedCard | null
  /** In a realtime event: the card differs by reader, so the page fetches the message to draw it. */
  personal?: boolean
}

export async function storeShare(db: Db, messageId: number, share: ShareInput): Promise<void> {
  await own(db).insertInto('messages_shares').values({ message_id: messageId, kind: share.kind, ref: share.ref }).execute()
}

/** The shares of these messages, each resolved for the reader (one resolver call per share). */
export async function sharesFor(ctx: MessagesContext, viewer: Viewer, ids: readonly number[]): Promise<Map<number, ShareView>> {
  if (ids.length === 0) return new Map()
  const rows = await own(ctx.db).selectFrom('messages_shares').select(['message_id', 'kind', 'ref']).where('message_id', 'in', [...ids]).execute()
  const out = new Map<number, ShareView>()
  for (const r of rows) out.set(r.message_id, { kind: r.kind, ref: r.ref, card: await ctx.core.cards.resolve(viewer, r.kind, r.ref) })
  return out
}

/**
 * A card as the sender sees it, to share: NOT_FOUND when they may not see it themself (hidden equals missing), so
 * nobody shares what they cannot see. Readers still get it only if they may see it too.
 */
export async function shareable(ctx: MessagesContext, viewer: Viewer, share: ShareInput): Promise<SharedCard> {
  const card = await ctx.core.cards.resolve(viewer, share.kind, share.ref)
  if (!card) throw ctx.http.error(404, 'NOT_FOUND', `That ${share.kind} does not exist.`)
  return card
}
