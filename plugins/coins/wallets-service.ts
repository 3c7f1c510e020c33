// Staff's view of one member's coins, and frozen wallets (issue 17: "freeze a wallet"). A frozen wallet keeps what
// is in it, but nothing moves by the member's hand or to them: no buying, giving, receiving or withdrawing. Freezing
// and thawing are audited. Movements already under way (a withdrawal staff approved, a hold ending, Stripe's
// webhook for a payment made before) still complete: money that was paid or promised is never lost.
import { sql } from 'kysely'
import type { Viewer } from '../../core/plugins/api.js'
import type { CoinsContext } from './plugin.js'
import { own } from './gifts-queries.js'
import { own as ownPurchases } from './purchases-queries.js'
import { earningsOf, holdOf, withdrawalsOf } from './gifts-service.js'
import { walletOf } from './purchases-service.js'

export const REASON_MAX = 500

/** The error every refused movement of a frozen wallet answers with. */
export function walletFrozen(ctx: CoinsContext, what: string) {
  return ctx.http.error(403, 'WALLET_FROZEN', `Your wallet is frozen by the site’s staff: you cannot ${what} for now. Contact the team to ask why.`)
}

export interface FrozenRow {
  user_id: number
  username: string
  reason: string
  frozen_by: string | null
  created_at: string
}

export interface StaffWallet {
  user: { id: number; username: string }
  coins: number
  earnings_available: number
  earnings_on_hold: number
  pending_withdrawals: number
  frozen: { reason: string; by: string | null; at: string } | null
}

export type WalletsService = ReturnType<typeof walletsService>

export function walletsService(ctx: CoinsContext) {
  const { db } = ctx
  const ledger = ctx.core.ledger
  const noMember = (username: string) => ctx.http.error(404, 'NOT_FOUND', `There is no member @${username}.`)

  const frozenQuery = () =>
    own(db)
      .selectFrom('coins_frozen as f')
      .innerJoin('users as u', 'u.id', 'f.user_id')
      .leftJoin('users as s', 's.id', 'f.frozen_by')
      .select(['f.user_id', 'u.username', 'f.reason', 's.username as frozen_by', 'f.created_at'])

  async function member(username: string) {
    const u = await ctx.core.users.find(username)
    if (!u) throw noMember(username)
    return u
  }

  return {
    /** Every frozen wallet, newest first. */
    frozen: (): Promise<FrozenRow[]> => frozenQuery().orderBy('f.created_at', 'desc').limit(500).execute(),

    /** What staff see of one member's coins: each account's balance, and whether the wallet is frozen. */
    async wallet(username: string): Promise<StaffWallet> {
      const u = await member(username)
      const [coins, earnings, hold, pending, row] = await Promise.all([
        ledger.findAccount(walletOf(u.id)),
        ledger.findAccount(earningsOf(u.id)),
        ledger.findAccount(holdOf(u.id)),
        ledger.findAccount(withdrawalsOf(u.id)),
        frozenQuery().where('f.user_id', '=', u.id).executeTakeFirst(),
      ])
      return {
        user: { id: u.id, username: u.username },
        coins: coins?.balance ?? 0,
        earnings_available: Math.max(0, earnings?.available ?? 0),
        earnings_on_hold: hold?.balance ?? 0,
        pending_withdrawals: pending?.balance ?? 0,
        frozen: row ? { reason: row.reason, by: row.frozen_by, at: row.created_at } : null,
      }
    },

    /** Freeze a member's wallet with a reason (told to no one but staff); freezing a frozen wallet changes nothing. */
    async freeze(actor: Viewer, username: string, reason: string): Promise<{ frozen: boolean }> {
      const u = await member(username)
      return db.transaction().execute(async (trx) => {
        const added = await own(trx).insertInto('coins_frozen').values({ user_id: u.id, reason, frozen_by: actor.id }).onConflict((oc) => oc.doNothing()).executeTakeFirst()
        if (Number(added.numInsertedOrUpdatedRows ?? 0) === 0) return { frozen: false }
        await ctx.core.audit({ actorId: actor.id, action: 'wallet.frozen', targetType: 'user', targetId: u.id, details: { reason } }, { db: trx })
        return { frozen: true }
      })
    },

    /** Thaw a frozen wallet; a wallet that was not frozen answers `thawed: false`. */
    async thaw(actor: Viewer, username: string): Promise<{ thawed: boolean }> {
      const u = await member(username)
      return db.transaction().execute(async (trx) => {
        const gone = await own(trx).deleteFrom('coins_frozen').where('user_id', '=', u.id).executeTakeFirst()
        if (Number(gone.numDeletedRows) === 0) return { thawed: false }
        await ctx.core.audit({ actorId: actor.id, action: 'wallet.thawed', targetType: 'user', targetId: u.id }, { db: trx })
        return { thawed: true }
      })
    },
  }
}

// ---- The dashboard's figures (counted once a day by core's rollup job)

const sumBetween = async (query: Promise<{ n: number | null } | undefined>) => Number((await query)?.n ?? 0)

/** Coins credited by purchases paid in a day. */
export const coinsBoughtBetween = (ctx: CoinsContext, from: string, to: string) =>
  sumBetween(ownPurchases(ctx.db).selectFrom('coins_purchases').select(sql<number>`sum(coins)`.as('n')).where('paid_at', '>=', from).where('paid_at', '<', to).executeTakeFirst())

/** Coins given as gifts in a day, and the platform's commission from them. */
export const giftedBetween = (ctx: CoinsContext, column: 'price' | 'commission', from: string, to: string) =>
  sumBetween(own(ctx.db).selectFrom('coins_gift_sends').select(sql<number>`sum(${sql.ref(column)})`.as('n')).where('created_at', '>=', from).where('created_at', '<', to).executeTakeFirst())
