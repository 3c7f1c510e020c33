// Buying coins: packs, purchases through a gateway, the credit (from Stripe's webhook or the operator's
// confirmation), and refunds and chargebacks as compensating transfers that never take a wallet below zero: what is
// spent already becomes a debt paid from the next coins bought (docs/decisions/042-coin-purchases.md).
import type { Kysely } from 'kysely'
import { AppError, decodeCursor, type AccountSpec, type HistoryEntry, type Page, type Viewer } from '../../core/plugins/api.js'
import type { Stripe } from './gateways/stripe.js'
import type { Gateway } from './gateways/types.js'
import type { CoinsContext } from './plugin.js'
import type { GrantInput, PackInput, PurchaseInput } from './purchases-inputs.js'
import * as q from './purchases-queries.js'
import { isFrozen } from './gifts-queries.js'
import { walletFrozen } from './wallets-service.js'
import type { AdjustmentKind, AdjustmentRow, GatewayId, PackRow, PurchaseRow } from './purchases-tables.js'

/** Coins are whole units in the ledger. */
export const COIN = 'coin'
export const walletOf = (userId: number): AccountSpec => ({ kind: 'member_coins', userId, unit: COIN })
/** Where a gateway's coins come from: the outside world, the only kind of account that may go negative. */
export const worldOf = (gateway: GatewayId): AccountSpec => ({ kind: 'world', name: gateway, unit: COIN })

/** A member may have this many bank transfer requests open at once. */
export const OPEN_MANUAL_MAX = 3
/** A member may start this many purchases an hour (replays of one Idempotency-Key count once). */
export const PURCHASES_PER_HOUR = 20

export interface Wallet {
  balance: number
  /** What may be spent now (the balance less what pending transfers hold). */
  available: number
  /** Coins a refund or chargeback should have taken back but the wallet no longer held: paid from the next coins bought. */
  debt: number
}

/** One line of a wallet's history, with who or what was on the other side. */
export interface HistoryItem {
  id: number
  at: string
  direction: 'in' | 'out'
  coins: number
  /** What kind of movement, in words: from the transfer's meta `purpose` for purchases and their refunds, its meta `label` (another part's words), else "Received" or "Sent". */
  what: string
  counterpart: { kind: string; label: string; username: string | null }
  purchase_id: number | null
  reverses_id: number | null
  meta: Record<string, unknown>
}

const notFound = () => new AppError(404, 'NOT_FOUND', 'That purchase does not exist.')
const packGone = () => new AppError(404, 'NOT_FOUND', 'That pack does not exist or is no longer on sale.')

/** The pack's name on receipts, Stripe's page and bank statements. */
export const packLabel = (coins: number) => `${coins.toLocaleString('en')} coin${coins === 1 ? '' : 's'}`

/** ceil(a * b / c) in exact integers (amounts times coins can pass 2^53). */
function ceilShare(a: number, b: number, c: number): number {
  const n = BigInt(a) * BigInt(b)
  const d = BigInt(c)
  return Number((n + d - 1n) / d)
}

export function purchasesService(ctx: CoinsContext, gateways: Record<GatewayId, Gateway>) {
  const { db, log } = ctx
  const ledger = ctx.core.ledger
  const now = () => new Date().toISOString()

  async function available(trx: Kysely<any>, userId: number): Promise<number> {
    const account = await ledger.account(walletOf(userId), { db: trx })
    return Math.max(0, account.available)
  }

  /** Take `amount` coins of a purchase back from the wallet: a reversal of its credit while any is left of it, then plain transfers. */
  async function takeBack(trx: Kysely<any>, p: PurchaseRow, amount: number, key: string, meta: Record<string, string | number>): Promise<PurchaseRow> {
    const left = p.coins - p.ledger_reversed
    const reversed = Math.min(amount, left)
    if (reversed > 0) await ledger.reverse(p.transfer_id!, { key, amount: reversed, meta }, { db: trx })
    // Only after a won dispute gave coins back: the reversal of the original credit is used up.
    if (amount > reversed) await ledger.transfer({ key: `${key}:more`, debit: walletOf(p.user_id), credit: worldOf(p.gateway), amount: amount - reversed, meta }, { db: trx })
    return reversed > 0 ? q.changePurchase(trx, p.id, { ledger_reversed: p.ledger_reversed + reversed }) : p
  }

  /**
   * Bring what a purchase gave back in line with what was refunded and disputed: coins proportional to the money
   * returned (rounded up, so a refund never leaves coins paid for by nobody), taken from what the wallet holds now and
   * owed for the rest; a won dispute gives coins back, first by forgiving what is owed.
   */
  async function adjust(trx: Kysely<any>, p: PurchaseRow, money: { refunded?: number; disputed?: number }, kind: AdjustmentKind, source: string, extra: { actorId?: number | null; note?: string } = {}): Promise<{ purchase: PurchaseRow; taken: number; owed: number }> {
    const refunded = Math.max(p.refunded_amount, money.refunded ?? 0)
    const disputed = money.disputed ?? p.disputed_amount
    let purchase = await q.changePurchase(trx, p.id, { refunded_amount: refunded, disputed_amount: disputed })
    if (purchase.transfer_id === null) return { purchase, taken: 0, owed: 0 } // never credited: nothing to take
    const target = Math.min(p.coins, ceilShare(p.coins, Math.min(refunded + disputed, p.amount), p.amount))
    const delta = target - p.reversed_coins
    const meta = { purchase_id: p.id, purpose: kind, source }
    let taken = 0
    let owed = 0
    if (delta > 0) {
      taken = Math.min(delta, await available(trx, p.user_id))
      owed = delta - taken
      if (taken > 0) purchase = await takeBack(trx, purchase, taken, `${kind}:${source}`, meta)
    } else if (delta < 0) {
      const forgiven = Math.min(-delta, p.debt_coins)
      const back = -delta - forgiven
      if (back > 0) await ledger.transfer({ key: `${kind}:${source}`, debit: worldOf(p.gateway), credit: walletOf(p.user_id), amount: back, meta }, { db: trx })
      taken = -back
      owed = -forgiven
    }
    if (delta === 0) return { purchase, taken, owed }
    purchase = await q.changePurchase(trx, p.id, { reversed_coins: p.reversed_coins + delta, debt_coins: p.debt_coins + owed })
    await q.addAdjustment(trx, { purchase_id: p.id, kind, coins_taken: taken, coins_owed: owed, source, actor_id: extra.actorId ?? null, note: extra.note ?? '' })
    return { purchase, taken, owed }
  }

  /** Pay what a member owes from refunds and chargebacks out of coins just credited, oldest debt first. */
  async function payDebts(trx: Kysely<any>, userId: number, from: number): Promise<void> {
    for (const d of await q.debtsOf(trx, userId)) {
      const pay = Math.min(d.debt_coins, await available(trx, userId))
      if (pay <= 0) return
      const p = await takeBack(trx, d, pay, `debt:${d.id}:${from}`, { purchase_id: d.id, purpose: 'debt_paid', source: `purchase:${from}` })
      await q.changePurchase(trx, d.id, { debt_coins: p.debt_coins - pay })
      await q.addAdjustment(trx, { purchase_id: d.id, kind: 'debt_paid', coins_taken: pay, coins_owed: -pay, source: `purchase:${from}` })
    }
  }

  /** Credit a purchase's coins, in the caller's transaction; crediting twice is impossible (the ledger key is the purchase). */
  async function credit(trx: Kysely<any>, p: PurchaseRow, paymentRef: string | null): Promise<PurchaseRow> {
    if (p.transfer_id !== null) return p
    const t = await ledger.transfer({ key: `purchase:${p.id}`, debit: worldOf(p.gateway), credit: walletOf(p.user_id), amount: p.coins, meta: { purchase_id: p.id, purpose: 'purchase', gateway: p.gateway } }, { db: trx })
    const paid = await q.changePurchase(trx, p.id, { status: 'paid', transfer_id: t.id, payment_ref: paymentRef ?? p.payment_ref, paid_at: now() })
    await payDebts(trx, p.user_id, p.id)
    return paid
  }

  /** Tell the member, after the transaction committed (a notification is not part of the money). */
  async function tell(userId: number, type: 'purchase_credited' | 'purchase_reversed', p: PurchaseRow, coins: number) {
    try {
      await ctx.core.notifications.notify({ userId, type, data: { purchaseId: p.id, coins } })
    } catch (err) {
      log.warn({ err, purchase: p.id }, 'could not notify a member about a purchase')
    }
  }

  const gatewayOf = (id: GatewayId) => gateways[id]

  // ---- Stripe's webhook

  /** The purchase a Checkout Session is for, or a sentence saying why it is none of ours. */
  async function purchaseOfSession(trx: Kysely<any>, s: Stripe.Checkout.Session): Promise<PurchaseRow | string> {
    const id = Number(s.client_reference_id ?? s.metadata?.purchase_id)
    const p = Number.isSafeInteger(id) && id > 0 ? await q.findPurchase(trx, id) : undefined
    if (!p || p.gateway !== 'stripe') return `ignored: no purchase for session ${s.id}`
    if (p.reference !== null && p.reference !== s.id) return `ignored: purchase ${p.id} belongs to session ${p.reference}, not ${s.id}`
    if (s.amount_total !== p.amount || (s.currency ?? '').toUpperCase() !== p.currency) {
      log.error({ purchase: p.id, session: s.id, amount: s.amount_total, currency: s.currency }, 'a Checkout Session’s amount differs from its purchase: not credited')
      return `refused: session ${s.id} is for ${s.amount_total} ${s.currency}, purchase ${p.id} for ${p.amount} ${p.currency}`
    }
    return p
  }

  const paymentIntentOf = (v: string | { id: string } | null | undefined) => (typeof v === 'string' ? v : (v?.id ?? null))

  async function onStripeEvent(trx: Kysely<any>, event: Stripe.Event, after: (() => Promise<void>)[]): Promise<{ outcome: string; purchaseId: number | null }> {
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded': {
        const s = event.data.object
        const p = await purchaseOfSession(trx, s)
        if (typeof p === 'string') return { outcome: p, purchaseId: null }
        const pi = paymentIntentOf(s.payment_intent)
        if (s.payment_status !== 'paid') {
          // A bank debit: paid later, or not (async_payment_succeeded or _failed follows).
          if (p.status === 'pending') await q.changePurchase(trx, p.id, { status: 'processing', reference: s.id, payment_ref: pi })
          return { outcome: 'processing', purchaseId: p.id }
        }
        if (p.transfer_id !== null) return { outcome: 'already credited', purchaseId: p.id }
        const paid = await credit(trx, { ...p, reference: s.id }, pi)
        if (p.reference === null) await q.changePurchase(trx, p.id, { reference: s.id })
        after.push(() => tell(p.user_id, 'purchase_credited', paid, paid.coins))
        return { outcome: 'credited', purchaseId: p.id }
      }
      case 'checkout.session.async_payment_failed':
      case 'checkout.session.expired': {
        const p = await purchaseOfSession(trx, event.data.object)
        if (typeof p === 'string') return { outcome: p, purchaseId: null }
        if (p.transfer_id !== null) return { outcome: 'already credited', purchaseId: p.id }
        await q.changePurchase(trx, p.id, { status: event.type === 'checkout.session.expired' ? 'expired' : 'failed' })
        return { outcome: event.type === 'checkout.session.expired' ? 'expired' : 'failed', purchaseId: p.id }
      }
      case 'charge.refunded':
      case 'charge.dispute.created':
      case 'charge.dispute.closed': {
        const o = event.data.object
        const pi = paymentIntentOf(o.payment_intent)
        const p = pi ? await q.purchaseByPayment(trx, 'stripe', pi) : undefined
        if (!p) return { outcome: `ignored: no purchase for payment ${pi ?? '(none)'}`, purchaseId: null }
        let result
        if (event.type === 'charge.refunded') result = await adjust(trx, p, { refunded: event.data.object.amount_refunded }, 'refund', event.id)
        else if (event.type === 'charge.dispute.created') result = await adjust(trx, p, { disputed: event.data.object.amount }, 'dispute', event.id)
        else if (event.data.object.status === 'won') result = await adjust(trx, p, { disputed: 0 }, 'dispute_won', event.id)
        else return { outcome: `dispute ${event.data.object.status}: nothing to change`, purchaseId: p.id }
        const { taken, owed, purchase } = result
        if (taken > 0 || owed > 0) after.push(() => tell(p.user_id, 'purchase_reversed', purchase, taken + owed))
        return { outcome: `coins taken ${taken}, owed ${owed}`, purchaseId: p.id }
      }
      default:
        return { outcome: 'ignored: not an event coins handles', purchaseId: null }
    }
  }

  return {
    gateways: async () =>
      Promise.all(
        Object.values(gateways).map(async (g) => {
          const problem = await g.problem()
          return { id: g.id, label: g.label, ready: problem === null, problem }
        }),
      ),

    // ---- Packs

    packs: (options: { all?: boolean } = {}) => q.listPacks(db, options),
    async pack(id: number): Promise<PackRow> {
      const p = await q.findPack(db, id)
      if (!p) throw new AppError(404, 'NOT_FOUND', 'That pack does not exist.')
      return p
    },
    async createPack(actor: Viewer, input: PackInput): Promise<PackRow> {
      return db.transaction().execute(async (trx) => {
        const p = await q.insertPack(trx, input)
        await ctx.core.audit({ actorId: actor.id, action: 'pack.created', targetType: 'coins.pack', targetId: p.id, details: { ...input } }, { db: trx })
        return p
      })
    },
    async updatePack(actor: Viewer, id: number, input: PackInput): Promise<PackRow> {
      return db.transaction().execute(async (trx) => {
        const p = await q.updatePack(trx, id, input)
        if (!p) throw new AppError(404, 'NOT_FOUND', 'That pack does not exist.')
        await ctx.core.audit({ actorId: actor.id, action: 'pack.updated', targetType: 'coins.pack', targetId: p.id, details: { ...input } }, { db: trx })
        return p
      })
    },

    // ---- A member's purchases

    /** Start buying a pack: the purchase, and where the member goes to pay (null: the purchase's page). */
    async buy(viewer: Viewer, input: PurchaseInput, baseUrl: string): Promise<{ purchase: PurchaseRow; redirect: string | null }> {
      const pack = await q.findPack(db, input.pack_id)
      if (!pack || !pack.active) throw packGone()
      if (await isFrozen(db, viewer.id)) throw walletFrozen(ctx, 'buy coins')
      const gateway = gatewayOf(input.gateway)
      const problem = await gateway.problem()
      if (problem) throw new AppError(422, 'GATEWAY_UNAVAILABLE', `Paying by ${gateway.label.toLowerCase()} is not available.`, { gateway: gateway.id })
      if (gateway.id === 'manual' && (await q.openManualCount(db, viewer.id)) >= OPEN_MANUAL_MAX) {
        throw new AppError(409, 'TOO_MANY_OPEN', `You have ${OPEN_MANUAL_MAX} bank transfers waiting already: pay or cancel one of them first.`)
      }
      // Each card purchase is a call to Stripe: a member (or a stolen token) cannot make thousands.
      ctx.core.limits.hit(`purchases:user:${viewer.id}`, { limit: PURCHASES_PER_HOUR, windowSeconds: 3600, message: (s) => `You started many purchases in a short time. Try again in ${Math.ceil(s / 60)} minutes.` })
      const purchase = await q.insertPurchase(db, { user_id: viewer.id, pack, gateway: gateway.id })
      let begun
      try {
        begun = await gateway.begin({ purchase, label: packLabel(pack.coins), baseUrl })
      } catch (err) {
        log.error({ err, purchase: purchase.id, gateway: gateway.id }, 'a payment gateway refused or did not answer')
        await q.changePurchase(db, purchase.id, { status: 'failed' })
        throw new AppError(503, 'GATEWAY_FAILED', 'The payment service did not answer. Nothing was charged; try again in a moment.')
      }
      const started = await q.changePurchase(db, purchase.id, { reference: begun.reference, checkout_url: begun.resumeUrl })
      return { purchase: started, redirect: begun.redirect }
    },

    /** A purchase its buyer (or an admin) may see; anyone else gets the answer for a purchase that does not exist. */
    async purchase(viewer: Viewer, id: number): Promise<PurchaseRow> {
      const p = await q.findPurchase(db, id)
      if (!p || (p.user_id !== viewer.id && viewer.role !== 'admin')) throw notFound()
      return p
    },
    purchasesOf: (userId: number, cursor: string | null | undefined, limit: number) => q.purchasesOf(db, userId, cursor, limit),
    adjustments: (purchaseId: number): Promise<AdjustmentRow[]> => q.adjustmentsOf(db, purchaseId),

    /** The member calls off a bank transfer they have not made. */
    async cancel(viewer: Viewer, id: number): Promise<PurchaseRow> {
      const p = await q.findPurchase(db, id)
      if (!p || p.user_id !== viewer.id) throw notFound()
      if (p.gateway !== 'manual' || p.status !== 'pending') throw new AppError(409, 'NOT_PENDING', 'Only a bank transfer still waiting for its money can be cancelled.')
      return q.changePurchase(db, id, { status: 'canceled' })
    },

    async wallet(userId: number): Promise<Wallet> {
      const account = await ledger.findAccount(walletOf(userId))
      return { balance: account?.balance ?? 0, available: Math.max(0, account?.available ?? 0), debt: await q.debtOf(db, userId) }
    },

    /** Every transfer of a member's coins, newest first, with who or what was on the other side. */
    async history(userId: number, cursor: string | null | undefined, limit: number): Promise<Page<HistoryItem>> {
      const account = await ledger.findAccount(walletOf(userId))
      if (!account) {
        decodeCursor(cursor, { id: 'id' }) // a bad cursor is refused as it would be with entries
        return { items: [], nextCursor: null }
      }
      const page = await ledger.history(account.id, { cursor, limit })
      const names = await q.namesOf(db, [...new Set(page.items.map((e) => e.counterpart.user_id).filter((id): id is number => id !== null))])
      return { nextCursor: page.nextCursor, items: page.items.map((e) => historyItem(e, names)) }
    },

    // ---- The operator

    /** Confirm a member's bank transfer request once its money arrived; the bank's reference pays for one purchase only. */
    async confirm(actor: Viewer, id: number, input: { payment_ref: string; note: string }): Promise<PurchaseRow> {
      const after: (() => Promise<void>)[] = []
      const result = await db.transaction().execute(async (trx) => {
        const p = await q.findPurchase(trx, id)
        if (!p || p.gateway !== 'manual') throw notFound()
        if (p.status === 'paid') {
          if (p.payment_ref === input.payment_ref) return p
          throw new AppError(409, 'ALREADY_PAID', `Purchase ${p.id} was confirmed already, with the reference ${p.payment_ref}.`)
        }
        const used = await q.purchaseByPayment(trx, 'manual', input.payment_ref)
        if (used) throw new AppError(409, 'REFERENCE_USED', `The bank reference ${input.payment_ref} paid for purchase ${used.id} already.`, { purchase_id: used.id })
        const paid = await credit(trx, p, input.payment_ref)
        const noted = input.note ? await q.changePurchase(trx, p.id, { note: input.note }) : paid
        await ctx.core.audit({ actorId: actor.id, action: 'purchase.confirmed', targetType: 'coins.purchase', targetId: p.id, details: { user_id: p.user_id, coins: p.coins, amount: p.amount, currency: p.currency, payment_ref: input.payment_ref } }, { db: trx })
        after.push(() => tell(p.user_id, 'purchase_credited', noted, noted.coins))
        return noted
      })
      for (const fn of after) await fn()
      log.info({ actor: actor.id, purchase: id, ref: input.payment_ref }, 'bank transfer confirmed')
      return result
    },

    /** Grant a pack for a bank transfer the member made without asking first; the same reference again answers the same purchase. */
    async grant(actor: Viewer, input: GrantInput): Promise<PurchaseRow> {
      const member = await ctx.core.users.find(input.username)
      if (!member) throw new AppError(404, 'NOT_FOUND', `There is no member @${input.username}.`)
      const after: (() => Promise<void>)[] = []
      const result = await db.transaction().execute(async (trx) => {
        const used = await q.purchaseByPayment(trx, 'manual', input.payment_ref)
        if (used) {
          if (used.user_id === member.id && used.pack_id === input.pack_id && used.status === 'paid') return used
          throw new AppError(409, 'REFERENCE_USED', `The bank reference ${input.payment_ref} paid for purchase ${used.id} already.`, { purchase_id: used.id })
        }
        const pack = await q.findPack(trx, input.pack_id)
        if (!pack || !pack.active) throw packGone()
        const p = await q.insertPurchase(trx, { user_id: member.id, pack, gateway: 'manual', granted_by: actor.id, note: input.note })
        const paid = await credit(trx, p, input.payment_ref)
        await ctx.core.audit({ actorId: actor.id, action: 'purchase.granted', targetType: 'coins.purchase', targetId: p.id, details: { user_id: member.id, coins: p.coins, amount: p.amount, currency: p.currency, payment_ref: input.payment_ref } }, { db: trx })
        after.push(() => tell(member.id, 'purchase_credited', paid, paid.coins))
        return paid
      })
      for (const fn of after) await fn()
      log.info({ actor: actor.id, purchase: result.id, ref: input.payment_ref }, 'coins granted for a bank transfer')
      return result
    },

    /** Take a bank transfer purchase's coins back (its money was returned, or never arrived); once. */
    async reverse(actor: Viewer, id: number, note: string): Promise<{ purchase: PurchaseRow; taken: number; owed: number }> {
      const after: (() => Promise<void>)[] = []
      const result = await db.transaction().execute(async (trx) => {
        const p = await q.findPurchase(trx, id)
        if (!p) throw notFound()
        if (p.gateway !== 'manual') throw new AppError(409, 'USE_REFUND', 'Refund a card payment (here or in Stripe’s dashboard): Stripe’s webhook takes the coins back.')
        if (p.status !== 'paid') throw new AppError(409, 'NOT_PAID', 'Only a paid purchase can be reversed.')
        if (p.reversed_coins >= p.coins) throw new AppError(409, 'ALREADY_REVERSED', 'That purchase was reversed already.')
        const r = await adjust(trx, p, { refunded: p.amount }, 'reversal', `admin:${actor.id}:${p.id}`, { actorId: actor.id, note })
        await ctx.core.audit({ actorId: actor.id, action: 'purchase.reversed', targetType: 'coins.purchase', targetId: p.id, details: { user_id: p.user_id, taken: r.taken, owed: r.owed, note } }, { db: trx })
        after.push(() => tell(p.user_id, 'purchase_reversed', r.purchase, r.taken + r.owed))
        return r
      })
      for (const fn of after) await fn()
      log.info({ actor: actor.id, purchase: id, taken: result.taken, owed: result.owed }, 'bank transfer purchase reversed')
      return result
    },

    /** Refund a card purchase in full through Stripe; its coins are taken back when Stripe's `charge.refunded` arrives. */
    async refund(actor: Viewer, id: number): Promise<PurchaseRow> {
      const p = await q.findPurchase(db, id)
      if (!p) throw notFound()
      const gateway = gatewayOf(p.gateway)
      if (!gateway.refund) throw new AppError(409, 'USE_REVERSE', 'Send a bank transfer’s money back yourself, then reverse the purchase.')
      if (p.status !== 'paid') throw new AppError(409, 'NOT_PAID', 'Only a paid purchase can be refunded.')
      if (p.refunded_amount >= p.amount) throw new AppError(409, 'ALREADY_REFUNDED', 'That purchase was refunded in full already.')
      try {
        await gateway.refund(p)
      } catch (err) {
        log.error({ err, purchase: p.id }, 'the payment gateway refused a refund')
        throw new AppError(503, 'GATEWAY_FAILED', 'Stripe did not accept the refund (the log says why). Nothing changed; you can refund it in Stripe’s dashboard.')
      }
      // The coins come back when Stripe's webhook reports the refund; the request itself is the staff action.
      await ctx.core.audit({ actorId: actor.id, action: 'purchase.refund_requested', targetType: 'coins.purchase', targetId: p.id, details: { user_id: p.user_id, amount: p.amount, currency: p.currency } })
      log.info({ actor: actor.id, purchase: p.id }, 'refund asked of the payment gateway')
      return p
    },

    staffList: q.purchasesForStaff.bind(null, db),

    /**
     * Handle one verified Stripe event: its id is recorded in the same transaction as what it does (a credit, a
     * reversal), so a duplicate or replay does nothing. Throws (and records nothing) when handling fails: Stripe retries.
     */
    async onStripe(event: Stripe.Event): Promise<{ duplicate: boolean; outcome: string }> {
      const after: (() => Promise<void>)[] = []
      const result = await db.transaction().execute(async (trx) => {
        if (!(await q.claimStripeEvent(trx, event.id, event.type))) return { duplicate: true, outcome: 'duplicate' }
        const { outcome, purchaseId } = await onStripeEvent(trx, event, after)
        await q.settleStripeEvent(trx, event.id, outcome, purchaseId)
        return { duplicate: false, outcome }
      })
      for (const fn of after) await fn()
      log.info({ event: event.id, type: event.type, outcome: result.outcome }, 'stripe event')
      return result
    },

    /** Forget Idempotency-Key answers older than a day. */
    purgeIdempotency: () => q.purgeIdempotencyKeys(db, new Date(Date.now() - 86_400_000).toISOString()),
  }
}

export type PurchasesService = ReturnType<typeof purchasesService>

const WORLD_LABELS: Record<string, string> = { stripe: 'Card payment (Stripe)', manual: 'Bank transfer' }

function historyItem(e: HistoryEntry, names: Map<number, { username: string; name: string }>): HistoryItem {
  const t = e.transfer
  const c = e.counterpart
  const member = c.user_id !== null ? names.get(c.user_id) : undefined
  const label =
    c.kind === 'world' ? (WORLD_LABELS[c.name] ?? `Outside (${c.name})`)
    : c.kind === 'platform_commission' ? 'The platform'
    : member ? member.name
    : c.user_id !== null ? 'A former member'
    : c.name
  const purpose = typeof t.meta.purpose === 'string' ? t.meta.purpose : null
  const what =
    purpose === 'purchase' ? 'Coins bought'
    : purpose === 'refund' ? 'Refund of a purchase'
    : purpose === 'dispute' ? 'Chargeback of a purchase'
    : purpose === 'dispute_won' ? 'Chargeback reversed'
    : purpose === 'reversal' ? 'Purchase reversed'
    : purpose === 'debt_paid' ? 'Coins owed from a refund'
    : typeof t.meta.label === 'string' && t.meta.label ? t.meta.label
    : t.reverses_id !== null ? 'Given back'
    : e.direction === 'in' ? 'Received'
    : 'Sent'
  const purchaseId = typeof t.meta.purchase_id === 'number' ? t.meta.purchase_id : null
  return {
    id: t.id,
    at: t.created_at,
    direction: e.direction,
    coins: t.amount,
    what,
    counterpart: { kind: c.kind, label, username: member?.username ?? null },
    purchase_id: purchaseId,
    reverses_id: t.reverses_id,
    meta: t.meta,
  }
}
