// Gifts in a direct conversation, with the coins plugin (an optional dependency: messages runs without it). Coins
// moves the coins and asks who a target is through `filter:coins.gift.target`: this plugin answers for the kind
// `conversation` (a direct conversation the sender may write in; the other member receives), and on
// `action:coins.gift.sent` writes the gift into the conversation as a message from the sender (a gift bubble with the
// optional note as its text). Rules: README.md, "Gifts"; why: decision 050.
import type { PluginDb } from '../../core/plugins/api.js'
import type { MessagesContext } from './plugin.js'
import { membersOf, own, standingIn } from './queries.js'
import type { MessagesService } from './service.js'

/** The target kind coins is told: `{ kind: 'conversation', id: CONVERSATION_ID }`. */
export const GIFT_TARGET = 'conversation'

/** A gift as a message shows it: what it was when it was sent. */
export interface GiftView {
  /** The coins plugin's id of the send (its receipt). */
  send_id: number
  name: string
  price: number
  /** A built-in icon's name when the gift has no picture. */
  icon: string | null
  /** Its picture (a small variant), when it has one that can still be shown. */
  picture_url: string | null
}

/** What coins announces after a gift's transfers committed (the fields this plugin reads). */
export interface GiftSent {
  sendId: number
  giftName: string
  price: number
  giftIcon?: string | null
  giftMediaId?: number | null
  senderId: number
  receiverId: number
  target: { kind: string; id: number }
  note: string
}

/**
 * Who a gift in conversation `id` goes to, for its sender: the other member of a direct conversation the sender is
 * in and sees (not across a block, not one they deleted as a request), or null, which coins answers as 404 exactly
 * like a missing conversation. Groups take no gifts (a gift has one receiver). Whom the sender may message is the
 * rule of messages: a gift goes where a message may go (to a request too, as a message would).
 */
export async function giftTarget(ctx: MessagesContext, senderId: number, id: number): Promise<{ receiverId: number; label: string; url: string } | null> {
  const s = await standingIn(ctx.db, senderId, id)
  if (!s || s.c.kind !== 'direct' || s.p.state !== 'active') return null
  const other = (await membersOf(ctx.db, [id])).find((m) => m.user_id !== senderId)
  if (!other || (await ctx.core.social.blockedEitherWay(senderId, other.user_id))) return null
  return { receiverId: other.user_id, label: 'a conversation', url: `/messages/${id}` }
}

/**
 * The gift's message, written once per send (its client id `gift:SEND` is one no client can use, so a second
 * announcement answers the first message). Quiet: coins tells both sides of every gift, so messages adds no
 * notification of its own; the unread counts still move.
 */
export async function giftSent(ctx: MessagesContext, service: MessagesService, gift: GiftSent): Promise<number | null> {
  if (gift.target.kind !== GIFT_TARGET) return null
  const sender = await ctx.core.users.find(gift.senderId)
  if (!sender) return null
  const store = async (trx: PluginDb, messageId: number) => {
    await own(trx)
      .insertInto('messages_gifts')
      .values({ message_id: messageId, send_id: gift.sendId, name: gift.giftName, price: gift.price, icon: gift.giftMediaId ? null : (gift.giftIcon ?? 'gift'), media_id: gift.giftMediaId ?? null })
      .execute()
  }
  const { message } = await service.send(sender, gift.target.id, { text: gift.note || undefined, client_id: `gift:${gift.sendId}` }, { quiet: true, unlimited: true, policy: false, extra: { kind: 'text', what: 'a gift', store } })
  return message.id
}

/** The gifts among these messages, as messages show them (a picture looked up per gift that has one). */
export async function giftsFor(ctx: MessagesContext, ids: readonly number[]): Promise<Map<number, GiftView>> {
  const out = new Map<number, GiftView>()
  if (ids.length === 0) return out
  const rows = await own(ctx.db).selectFrom('messages_gifts').selectAll().where('message_id', 'in', [...ids]).execute()
  for (const r of rows) {
    const info = r.media_id !== null ? await ctx.core.media.info(r.media_id) : null
    const picture = info && info.status === 'ready' ? (info.urls['150'] ?? info.urls['320'] ?? null) : null
    out.set(r.message_id, { send_id: r.send_id, name: r.name, price: r.price, icon: picture ? null : (r.icon ?? 'gift'), picture_url: picture })
  }
  return out
}

/** Whether a message is a gift (its note is not edited, and it is not unsent: the coins moved). */
export async function isGift(db: PluginDb, messageId: number): Promise<boolean> {
  return !!(await own(db).selectFrom('messages_gifts').select('message_id').where('message_id', '=', messageId).executeTakeFirst())
}
