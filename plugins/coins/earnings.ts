// A creator's earnings (on hold, available, in withdrawal, paid out; by day, by source, supporters, history) and the
// levels and badges that coins given and received earn.
import { decodeCursor, pageOf, type NameBadge, type Page } from '../../core/plugins/api.js'
import type { CoinsContext } from './plugin.js'
import * as q from './gifts-queries.js'
import { earningsOf, holdOf, withdrawalsOf } from './gifts-service.js'

/** Supporter levels from coins given, lowest first. */
export const SUPPORTER_LEVELS = [
  { level: 1, name: 'Supporter', min: 100 },
  { level: 2, name: 'Bronze supporter', min: 1_000 },
  { level: 3, name: 'Silver supporter', min: 10_000 },
  { level: 4, name: 'Gold supporter', min: 100_000 },
  { level: 5, name: 'Diamond supporter', min: 1_000_000 },
] as const

/** Creator badges from coins received (gifts' prices), lowest first. */
export const CREATOR_BADGES = [
  { level: 1, name: 'Rising creator', min: 1_000 },
  { level: 2, name: 'Star creator', min: 10_000 },
  { level: 3, name: 'Top creator', min: 100_000 },
  { level: 4, name: 'Legend', min: 1_000_000 },
] as const

export interface Badge {
  kind: 'supporter' | 'creator'
  level: number
  name: string
}

/** The highest step a total reached, or null. */
function stepOf<T extends { min: number }>(steps: readonly T[], total: number): T | null {
  let found: T | null = null
  for (const s of steps) if (total >= s.min) found = s
  return found
}

/** The badges a member's totals earn: a supporter level and a creator badge, each when reached. */
export function badgesOf(totals: { given: number; received: number }): Badge[] {
  const out: Badge[] = []
  const s = stepOf(SUPPORTER_LEVELS, totals.given)
  if (s) out.push({ kind: 'supporter', level: s.level, name: s.name })
  const c = stepOf(CREATOR_BADGES, totals.received)
  if (c) out.push({ kind: 'creator', level: c.level, name: c.name })
  return out
}

export interface EarningsSummary {
  on_hold: number
  available: number
  in_withdrawal: number
  paid_out: number
  /** The payout value of `available` in cents of `currency`. */
  available_value_cents: number
  currency: string
}

export interface ReceivedGift {
  id: number
  gift: { id: number; name: string }
  sender: { id: number; username: string; display_name: string }
  target: { kind: string; id: number }
  note: string
  price: number
  share: number
  commission: number
  created_at: string
  /** On hold until `release_at`, then available. */
  status: 'on_hold' | 'available'
  release_at: string
}

export type EarningsService = ReturnType<typeof earningsService>

export function earningsService(ctx: CoinsContext) {
  const { db } = ctx
  const ledger = ctx.core.ledger

  /** The payout value of an amount of coins, in cents (rounded down). */
  async function valueCents(coins: number): Promise<{ cents: number; currency: string }> {
    const s = await ctx.settings.all()
    return { cents: Math.floor((coins * s.payout_cents_per_100_coins) / 100), currency: s.payout_currency }
  }

  async function summary(userId: number): Promise<EarningsSummary> {
    const [hold, earnings, pending, paid] = await Promise.all([ledger.findAccount(holdOf(userId)), ledger.findAccount(earningsOf(userId)), ledger.findAccount(withdrawalsOf(userId)), q.paidOut(db, userId)])
    const available = earnings?.available ?? 0
    const value = await valueCents(available)
    return { on_hold: hold?.balance ?? 0, available, in_withdrawal: pending?.pending_in ?? 0, paid_out: paid, available_value_cents: value.cents, currency: value.currency }
  }

  async function byDay(userId: number, days = 30) {
    const since = new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10)
    return (await q.earningsByDay(db, userId, since)).map((r) => ({ day: r.day, coins: Number(r.coins), gifts: Number(r.gifts) }))
  }

  async function bySource(userId: number) {
    return (await q.earningsBySource(db, userId)).map((r) => ({ source: r.source, coins: Number(r.coins), gifts: Number(r.gifts) }))
  }

  /** Top supporters of a creator (a number) or of one target (a live stream's leaderboard). */
  async function supporters(of: number | { kind: string; id: number }, viewerId: number | null, limit = 10) {
    return (await q.topSupporters(db, typeof of === 'number' ? { receiverId: of } : { target: of }, viewerId, limit)).map((r, i) => ({ rank: i + 1, user: { id: r.id, username: r.username, display_name: r.display_name }, coins: Number(r.coins), gifts: Number(r.gifts) }))
  }

  async function history(userId: number, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<ReceivedGift>> {
    const limit = options.limit ?? 20
    const after = decodeCursor(options.cursor, { id: 'id' })
    const rows = await q.receivedPage(db, userId, after?.id ?? null, limit)
    const page = pageOf(rows, limit, (r) => ({ id: r.id }))
    const items = page.items.map(
      (r): ReceivedGift => ({
        id: r.id,
        gift: { id: r.gift_id, name: r.gift_name },
        sender: { id: r.sender_id, username: r.sender_username, display_name: r.sender_display_name },
        target: { kind: r.target_kind, id: r.target_id },
        note: r.note,
        price: r.price,
        share: r.share,
        commission: r.commission,
        created_at: r.created_at,
        status: r.released_at === null ? 'on_hold' : 'available',
        release_at: r.release_at,
      }),
    )
    return { items, nextCursor: page.nextCursor }
  }

  return {
    summary,
    byDay,
    bySource,
    supporters,
    history,
    valueCents,
    badges: async (userId: number) => badgesOf(await q.totalsOf(db, userId)),
    /** Badges of many members at once, as `filter:user.badges` wants them. */
    nameBadges: async (userIds: number[]): Promise<Map<number, NameBadge[]>> => {
      const out = new Map<number, NameBadge[]>()
      if (!userIds.length) return out
      for (const row of await q.totalsOfMany(db, userIds)) {
        const badges = badgesOf(row)
        if (badges.length) out.set(row.user_id, badges.map((b) => ({ label: b.name, kind: `coins-${b.kind}-${b.level}`, title: b.kind === 'supporter' ? 'Supporter level, from coins given' : 'Creator badge, from gifts received' })))
      }
      return out
    },
    totals: (userId: number) => q.totalsOf(db, userId),
  }
}
