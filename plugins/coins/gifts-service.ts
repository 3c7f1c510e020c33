// The gift rules between the routes and the queries: the catalog, what a gift may be sent on, the send itself
// (linked ledger transfers), and the hold's release. Every path that moves a gift's coins goes through here.
import { setImmediate as breathe } from 'node:timers/promises'
import type { AccountSpec, MediaInfo, Viewer } from '../../core/plugins/api.js'
import type { GiftInput } from './gifts-inputs.js'
import type { CoinsContext } from './plugin.js'
import { walletFrozen } from './wallets-service.js'
import * as q from './gifts-queries.js'
import type { GiftRow, GiftSendRow } from './gifts-tables.js'

/** What a gift is sent on: `post` and `profile` here; other plugins answer for their kinds (`live`, `message`). */
export interface GiftTarget {
  kind: string
  id: number
}

/** A target as its sender may see it: who receives the gift, and how to name and link it. */
export interface GiftTargetInfo {
  receiverId: number
  /** "a post", "a live stream": shown in notifications and history. */
  label: string
  url: string | null
}

export interface GiftSentPayload {
  sendId: number
  giftId: number
  giftName: string
  /** How the gift looks: a built-in icon's name, or null when it has a picture (`giftMediaId`, public). */
  giftIcon: string | null
  giftMediaId: number | null
  price: number
  senderId: number
  receiverId: number
  target: GiftTarget
  note: string
}

declare module '../../core/hooks/types.js' {
  interface PluginHooks {
    /** A gift was sent (after its transfers committed): the live plugin shows it in the stream's chat. */
    'action:coins.gift.sent': import('../../core/plugins/api.js').ActionDef<GiftSentPayload>
    /**
     * What a gift target is, for the sender: `null` (missing, or hidden from them) refuses the gift as 404. Starts
     * with coins' own answer for `post` and `profile` (null for other kinds); a plugin answers for its own kind.
     */
    'filter:coins.gift.target': import('../../core/plugins/api.js').FilterDef<GiftTargetInfo | null, { kind: string; id: number; senderId: number }>
  }
}

export const UNIT = 'coin'
const coinsOf = (userId: number): AccountSpec => ({ kind: 'member_coins', userId, unit: UNIT })
export const holdOf = (userId: number): AccountSpec => ({ kind: 'earnings_hold', userId, unit: UNIT })
export const earningsOf = (userId: number): AccountSpec => ({ kind: 'member_earnings', userId, unit: UNIT })
export const withdrawalsOf = (userId: number): AccountSpec => ({ kind: 'pending_withdrawals', userId, unit: UNIT })
export const COMMISSION: AccountSpec = { kind: 'platform_commission', name: 'gifts', unit: UNIT }
export const PAYOUTS: AccountSpec = { kind: 'world', name: 'payouts', unit: UNIT }

const DAY_MS = 86_400_000
/** Accounts younger than this are watched for giving much (`gift_flag_new_account_coins`). */
const NEW_ACCOUNT_MS = 7 * DAY_MS
/** How long gifts gather before their receiver is told (a burst becomes one notification). */
export const NOTIFY_DELAY_MS = 2000
/**
 * A long job's turns: `await turn()` between its steps lets requests in once it has run `ms` since the last turn.
 * SQLite answers synchronously, so without them a job's whole loop holds the event loop (a stream's notify batch,
 * 500 receipts, held every gift request back 190-400 ms every two seconds).
 */
function turns(ms = 4): () => Promise<void> {
  let since = performance.now()
  return async () => {
    if (performance.now() - since < ms) return
    await breathe()
    since = performance.now()
  }
}

function groupBy<T, K>(items: T[], keyOf: (item: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>()
  for (const item of items) {
    const k = keyOf(item)
    const list = out.get(k)
    if (list) list.push(item)
    else out.set(k, [item])
  }
  return out
}

/** The platform's cut of a price: rounded down, so any fraction of a coin goes to the creator. */
export const commissionOf = (price: number, percent: number) => Math.floor((price * percent) / 100)

/** A gift as the API shows it. */
export interface GiftJson {
  id: number
  name: string
  price: number
  icon: string | null
  picture: MediaInfo | null
  position: number
  enabled: boolean
  retired: boolean
}

export type GiftsService = ReturnType<typeof giftsService>

export function giftsService(ctx: CoinsContext) {
  const { db } = ctx
  const notFound = (what = 'That') => ctx.http.error(404, 'NOT_FOUND', `${what} does not exist.`)
  const frozen = (what: string) => walletFrozen(ctx, what)

  async function giftJson(g: GiftRow): Promise<GiftJson> {
    return {
      id: g.id,
      name: g.name,
      price: g.price,
      icon: g.media_id ? null : (g.icon ?? 'gift'),
      picture: g.media_id ? await ctx.core.media.info(g.media_id) : null,
      position: g.position,
      enabled: g.enabled === 1 && g.retired_at === null,
      retired: g.retired_at !== null,
    }
  }

  /**
   * A gift's picture must be an image the acting admin uploaded: a gift's picture is public, so naming someone else's
   * media (a private post's photo) would publish it.
   */
  async function checkPicture(actor: Viewer, mediaId: number | null | undefined): Promise<void> {
    if (!mediaId) return
    const m = await ctx.core.media.info(mediaId)
    if (!m || m.kind !== 'image' || (await q.mediaOwner(db, mediaId)) !== actor.id) {
      throw ctx.http.error(400, 'VALIDATION_FAILED', 'The picture must be an image you uploaded.', { fields: { media_id: 'The picture must be an image you uploaded.' } })
    }
  }

  /** Coins' own targets: a post the sender may see, or an active member's profile with no block between them. */
  async function ownTarget(kind: string, id: number, senderId: number): Promise<GiftTargetInfo | null> {
    if (kind === 'post') {
      const post = await ctx.core.posts.visible(senderId, id)
      return post ? { receiverId: post.authorId, label: 'a post', url: `/p/${post.id}` } : null
    }
    if (kind === 'profile') {
      const u = await q.receiverRow(db, id)
      if (!u || u.suspended_at !== null || (await ctx.core.social.blockedEitherWay(senderId, id))) return null
      return { receiverId: u.id, label: 'your profile', url: `/u/${u.username}` }
    }
    return null
  }

  async function resolveTarget(target: GiftTarget, senderId: number): Promise<GiftTargetInfo | null> {
    return ctx.hooks.apply('filter:coins.gift.target', await ownTarget(target.kind, target.id, senderId), { kind: target.kind, id: target.id, senderId })
  }

  /**
   * Send a gift: every rule checked before any coin moves, then the send row and its linked transfers (sender's coins
   * → creator's hold + platform commission) in one immediate transaction. The same idempotency key again answers the
   * first gift (`created: false`).
   */
  async function send(sender: Viewer, giftId: number, input: { target: GiftTarget; note: string; idempotency_key?: string | undefined }): Promise<{ send: GiftSendRow; created: boolean }> {
    const key = input.idempotency_key ?? crypto.randomUUID()
    const replay = async () => {
      const prior = await q.sendByKey(db, sender.id, key)
      if (!prior) return null
      if (prior.gift_id !== giftId || prior.target_kind !== input.target.kind || prior.target_id !== input.target.id || prior.note !== input.note) {
        throw ctx.http.error(409, 'IDEMPOTENCY_CONFLICT', 'That idempotency key was already used for another gift.')
      }
      return { send: prior, created: false }
    }
    const earlier = input.idempotency_key ? await replay() : null
    if (earlier) return earlier

    const gift = await q.giftById(db, giftId)
    if (!gift) throw notFound('That gift')
    if (gift.retired_at !== null || gift.enabled !== 1) throw ctx.http.error(422, 'GIFT_UNAVAILABLE', `The ${gift.name} gift is no longer offered.`)
    const target = await resolveTarget(input.target, sender.id)
    const what = input.target.kind === 'post' ? 'That post' : input.target.kind === 'profile' ? 'That member' : 'That'
    if (!target) throw notFound(what)
    if (target.receiverId === sender.id) throw ctx.http.error(422, 'SELF_GIFT', 'You cannot send a gift to yourself.')
    const { sender: me, receiver } = await q.partiesOf(db, sender.id, target.receiverId)
    if (!me || me.suspended_at !== null) throw ctx.http.error(403, 'ACCOUNT_SUSPENDED', 'Your account is suspended: you cannot send gifts.')
    // A suspended member, or one with a block between you, is hidden from you: the target answers as missing
    // (whatever a plugin's target answered).
    if (!receiver || receiver.suspended_at !== null || receiver.blocked) throw notFound(what)
    if (me.frozen !== null) throw frozen('send gifts')
    if (receiver.frozen !== null) throw ctx.http.error(403, 'GIFTS_NOT_ACCEPTED', `@${receiver.username} cannot receive gifts at the moment.`)
    const { gift_receivers: receivers, gift_commission_percent: percent, gift_hold_days: holdDays, gift_daily_limit: dailyLimit, gift_flag_new_account_coins: flagLine } = await ctx.settings.all()
    if (receivers === 'creators' && receiver.account_type === 'personal') throw ctx.http.error(403, 'GIFTS_NOT_ACCEPTED', `@${receiver.username} does not accept gifts: only creator accounts do.`)
    if (receivers === 'verified' && receiver.verified === null) throw ctx.http.error(403, 'GIFTS_NOT_ACCEPTED', `@${receiver.username} does not accept gifts: only verified creators do.`)

    const commission = commissionOf(gift.price, percent)
    const share = gift.price - commission
    const now = new Date()
    const holdMs = holdDays * DAY_MS
    const release = new Date(now.getTime() + holdMs).toISOString()
    const base = `gift:u${sender.id}:${key}`
    let row: GiftSendRow
    try {
      row = await db.transaction().execute(async (trx) => {
        // Inside the immediate transaction: two sends of one member cannot both pass the limit.
        if (dailyLimit > 0 && (await q.givenSince(db, sender.id, new Date(now.getTime() - DAY_MS).toISOString(), trx)) + gift.price > dailyLimit) {
          throw ctx.http.error(429, 'GIFT_LIMIT_REACHED', `You can give at most ${dailyLimit.toLocaleString('en')} coins in 24 hours.`, { limit: dailyLimit })
        }
        const sent = await q.insertSend(
          db,
          { gift_id: gift.id, sender_id: sender.id, receiver_id: receiver.id, target_kind: input.target.kind, target_id: input.target.id, target_label: target.label, target_url: target.url, note: input.note, key, price: gift.price, share, commission, created_at: now.toISOString(), release_at: release, released_at: holdMs === 0 ? now.toISOString() : null },
          trx,
        )
        await q.addToTotals(db, sender.id, receiver.id, gift.price, trx)
        const meta = { gift_send: sent.id, gift: gift.id, target: `${input.target.kind}:${input.target.id}` }
        const legs = [
          ...(share > 0 ? [{ key: `${base}:share`, debit: coinsOf(sender.id), credit: holdMs === 0 ? earningsOf(receiver.id) : holdOf(receiver.id), amount: share, meta }] : []),
          ...(commission > 0 ? [{ key: `${base}:fee`, debit: coinsOf(sender.id), credit: COMMISSION, amount: commission, meta }] : []),
        ]
        await ctx.core.ledger.linked(legs, { db: trx })
        // Both sides are told in batches a moment later (one pending job per receiver), so a burst of gifts in a live
        // stream costs a notification per batch, not two per gift.
        await ctx.jobs.enqueue<{ receiverId: number }>('notify-gifts', { receiverId: receiver.id }, { key: `notify:u${receiver.id}`, runAt: new Date(now.getTime() + NOTIFY_DELAY_MS), db: trx })
        return sent
      })
    } catch (err) {
      // The same key sent twice at once: the other request made the gift.
      if (err instanceof Error && /UNIQUE constraint failed: coins_gift_sends/.test(err.message)) {
        const again = await replay()
        if (again) return again
      }
      throw err
    }

    // The gift is made: a flag that fails is logged, never the sender's error.
    await flagNewAccount(me, gift.price, now, flagLine).catch((err: unknown) => ctx.log.error({ err, sendId: row.id }, 'flagging a new account’s gifts failed'))
    await ctx.hooks.emit('action:coins.gift.sent', { sendId: row.id, giftId: gift.id, giftName: gift.name, giftIcon: gift.media_id ? null : (gift.icon ?? 'gift'), giftMediaId: gift.media_id, price: gift.price, senderId: sender.id, receiverId: receiver.id, target: input.target, note: row.note })
    return { send: row, created: true }
  }

  /** A new account giving much (a stolen card's coins, a scheme): reported once as it crosses the operator's line. */
  async function flagNewAccount(member: { id: number; username: string; created_at: string }, price: number, now: Date, line: number): Promise<void> {
    if (line === 0 || Date.parse(member.created_at) < now.getTime() - NEW_ACCOUNT_MS) return
    const given = await q.givenSince(db, member.id, new Date(now.getTime() - DAY_MS).toISOString())
    if (given < line || given - price >= line) return
    const days = Math.max(1, Math.ceil((now.getTime() - Date.parse(member.created_at)) / DAY_MS))
    await ctx.core.reports.file({ reporterId: null, targetType: 'user', targetId: member.id, targetUserId: member.id, reason: 'other', note: `Automatic flag: @${member.username}, an account ${days} ${days === 1 ? 'day' : 'days'} old, gave ${given.toLocaleString('en')} coins in gifts in 24 hours.` })
  }

  /**
   * Tell a receiver of the gifts they were sent since the last batch (one notification per target, naming the latest
   * sender and counting the rest), and give each sender a receipt (one per sender). Run by the `notify-gifts` job and,
   * for gifts a running job missed, by the minute's sweep. Told first, marked after: a crash between tells twice
   * rather than never.
   */
  async function notifyGifts({ receiverId }: { receiverId: number }): Promise<number> {
    let told = 0
    const slice = turns()
    for (;;) {
      const batch = await q.unnotified(db, receiverId, 1000)
      if (!batch.length) return told
      const byTarget = groupBy(batch, (g) => `${g.target_kind}:${g.target_id}`)
      for (const [groupKey, gifts] of byTarget) {
        const last = gifts[gifts.length - 1]!
        const data = { gift: last.gift_name, price: last.price, note: last.note, label: last.target_label, url: last.target_url, count: gifts.length, coins: gifts.reduce((n, g) => n + g.price, 0), senders: new Set(gifts.map((g) => g.sender_id)).size }
        await ctx.core.notifications.notify({ userId: receiverId, type: 'gift_received', actorId: last.sender_id, postId: last.target_kind === 'post' ? last.target_id : null, data, groupKey })
        await slice()
      }
      for (const [senderId, gifts] of groupBy(batch, (g) => g.sender_id)) {
        const last = gifts[gifts.length - 1]!
        const data = { gift: last.gift_name, price: last.price, url: last.target_url, count: gifts.length, coins: gifts.reduce((n, g) => n + g.price, 0) }
        await ctx.core.notifications.notify({ userId: senderId, type: 'gift_sent', actorId: receiverId, data, groupKey: `u${receiverId}` })
        await slice()
      }
      await q.own(db).updateTable('coins_gift_sends').set({ notified_at: new Date().toISOString() }).where('id', 'in', batch.map((g) => g.id)).execute()
      told += batch.length
    }
  }

  /** Receivers whose gifts a batch missed (sent while their job was running): told now. */
  async function notifyMissed(now = new Date()): Promise<void> {
    for (const { receiver_id } of await q.receiversToNotify(db, new Date(now.getTime() - 30_000).toISOString())) await notifyGifts({ receiverId: receiver_id })
  }

  /**
   * Move every share whose hold ended from the creator's hold to their available earnings, one transfer per gift
   * (`release:{id}`, so a sweep run twice moves nothing twice). Returns how many were released.
   */
  async function releaseDue(now = new Date()): Promise<number> {
    let n = 0
    const slice = turns()
    for (;;) {
      const due = await q.dueForRelease(db, now.toISOString(), 500)
      for (const g of due) {
        await db.transaction().execute(async (trx) => {
          const done = await q.own(trx).updateTable('coins_gift_sends').set({ released_at: now.toISOString() }).where('id', '=', g.id).where('released_at', 'is', null).executeTakeFirst()
          if (Number(done.numUpdatedRows) !== 1 || g.share === 0) return
          await ctx.core.ledger.transfer({ key: `release:${g.id}`, debit: holdOf(g.receiver_id), credit: earningsOf(g.receiver_id), amount: g.share, meta: { gift_send: g.id } }, { db: trx })
        })
        n++
        await slice()
      }
      if (due.length < 500) return n
    }
  }

  // ---- The catalog (admin)

  async function createGift(actor: Viewer, input: GiftInput): Promise<GiftRow> {
    await checkPicture(actor, input.media_id)
    return db.transaction().execute(async (trx) => {
      const row = await q
        .own(trx)
        .insertInto('coins_gifts')
        .values({ name: input.name, price: input.price, icon: input.media_id ? null : (input.icon ?? 'gift'), media_id: input.media_id ?? null, position: input.position, enabled: input.enabled ? 1 : 0, updated_at: new Date().toISOString() })
        .returningAll()
        .executeTakeFirstOrThrow()
      await ctx.core.audit({ actorId: actor.id, action: 'gift.created', targetType: 'coins.gift', targetId: row.id, details: { name: row.name, price: row.price } }, { db: trx })
      return row
    })
  }

  async function updateGift(actor: Viewer, id: number, patch: Partial<GiftInput>): Promise<GiftRow> {
    const gift = await q.giftById(db, id)
    if (!gift) throw notFound('That gift')
    if (gift.retired_at !== null) throw ctx.http.error(409, 'GIFT_RETIRED', 'A retired gift cannot be changed; add a new one.')
    await checkPicture(actor, patch.media_id)
    const changes = {
      ...(patch.name !== undefined && { name: patch.name }),
      ...(patch.price !== undefined && { price: patch.price }),
      ...(patch.position !== undefined && { position: patch.position }),
      ...(patch.enabled !== undefined && { enabled: patch.enabled ? 1 : 0 }),
      ...(patch.media_id !== undefined && { media_id: patch.media_id ?? null }),
      ...(patch.icon !== undefined && patch.icon !== null && { icon: patch.icon, media_id: null }),
    }
    return db.transaction().execute(async (trx) => {
      const row = await q.own(trx).updateTable('coins_gifts').set({ ...changes, updated_at: new Date().toISOString() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow()
      const from = Object.fromEntries(Object.keys(changes).map((k) => [k, gift[k as keyof GiftRow]]))
      await ctx.core.audit({ actorId: actor.id, action: 'gift.updated', targetType: 'coins.gift', targetId: id, details: { from, to: changes } }, { db: trx })
      return row
    })
  }

  /** Retire a gift for good: it leaves the picker and cannot be sent, and stays for the gifts sent with it. */
  async function retireGift(actor: Viewer, id: number): Promise<void> {
    const gift = await q.giftById(db, id)
    if (!gift) throw notFound('That gift')
    if (gift.retired_at !== null) return
    await db.transaction().execute(async (trx) => {
      await q.own(trx).updateTable('coins_gifts').set({ retired_at: new Date().toISOString(), enabled: 0, updated_at: new Date().toISOString() }).where('id', '=', id).execute()
      await ctx.core.audit({ actorId: actor.id, action: 'gift.retired', targetType: 'coins.gift', targetId: id, details: { name: gift.name } }, { db: trx })
    })
  }

  return {
    notFound,
    giftJson,
    catalog: (all = false) => q.catalog(db, { all }),
    gift: (id: number) => q.giftById(db, id),
    resolveTarget,
    send,
    notifyGifts,
    notifyMissed,
    releaseDue,
    createGift,
    updateGift,
    retireGift,
    verified: () => q.verifiedMembers(db),
    isGiftPicture: (mediaId: number) => q.isGiftPicture(db, mediaId),
  }
}
