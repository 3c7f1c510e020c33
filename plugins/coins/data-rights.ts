// Coins' part of a member's data rights: their balances with every ledger transfer of their accounts, purchases, gifts
// sent and received and withdrawals go in their export. On deletion the money records stay (the ledger is never
// rewritten: the books must balance), held by the nameless account. (The verified badge is core's, removed by core.)
import type { ExportParts } from '../../core/plugins/api.js'
import { own as gifts } from './gifts-queries.js'
import type { CoinsContext } from './plugin.js'
import type { PurchaseTables } from './purchases-tables.js'

const KINDS = ['member_coins', 'member_earnings', 'earnings_hold', 'pending_withdrawals'] as const

/** Add `coins` to an export. Payout details are theirs, but a secret worth keeping out of a file: left out. */
export async function exportCoins(ctx: CoinsContext, userId: number, parts: ExportParts): Promise<ExportParts> {
  const accounts = []
  for (const kind of KINDS) {
    const account = await ctx.core.ledger.findAccount({ kind, userId, unit: 'coin' })
    if (!account) continue
    const history = []
    let cursor: string | null = null
    do {
      const page = await ctx.core.ledger.history(account.id, { cursor, limit: 200 })
      history.push(...page.items.map((h) => ({ id: h.transfer.id, direction: h.direction, amount: h.transfer.amount, type: h.transfer.type, with: h.counterpart.kind, meta: h.transfer.meta, at: h.transfer.created_at })))
      cursor = page.nextCursor
    } while (cursor)
    accounts.push({ kind, balance: account.balance, available: account.available, history })
  }
  const g = gifts(ctx.db)
  const [purchases, sent, received, withdrawals] = await Promise.all([
    ctx.db.withTables<PurchaseTables>().selectFrom('coins_purchases').select(['id', 'coins', 'amount', 'currency', 'gateway', 'status', 'created_at']).where('user_id', '=', userId).orderBy('id').execute(),
    g.selectFrom('coins_gift_sends').innerJoin('coins_gifts', 'coins_gifts.id', 'coins_gift_sends.gift_id').innerJoin('users', 'users.id', 'coins_gift_sends.receiver_id').select(['coins_gift_sends.id', 'coins_gifts.name as gift', 'users.username as to', 'coins_gift_sends.price', 'coins_gift_sends.note', 'coins_gift_sends.created_at']).where('coins_gift_sends.sender_id', '=', userId).orderBy('coins_gift_sends.id').execute(),
    g.selectFrom('coins_gift_sends').innerJoin('coins_gifts', 'coins_gifts.id', 'coins_gift_sends.gift_id').innerJoin('users', 'users.id', 'coins_gift_sends.sender_id').select(['coins_gift_sends.id', 'coins_gifts.name as gift', 'users.username as from', 'coins_gift_sends.share', 'coins_gift_sends.note', 'coins_gift_sends.created_at']).where('coins_gift_sends.receiver_id', '=', userId).orderBy('coins_gift_sends.id').execute(),
    g.selectFrom('coins_withdrawals').select(['id', 'amount', 'status', 'method']).where('user_id', '=', userId).orderBy('id').execute(),
  ])
  return { ...parts, sections: { ...parts.sections, coins: { accounts, purchases, gifts_sent: sent, gifts_received: received, withdrawals } } }
}
