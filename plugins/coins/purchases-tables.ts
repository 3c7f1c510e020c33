// The tables of buying coins (migration 2026_12_05_1300), and the row types read from them.
import type { ColumnType, Generated, Selectable } from 'kysely'

type CreatedAt = ColumnType<string, string | undefined, never>
/** A column that starts null and is set later. */
type Later<T> = ColumnType<T | null, T | null | undefined, T | null>
type Counter = ColumnType<number, number | undefined, number>

export const GATEWAY_IDS = ['stripe', 'manual'] as const
export type GatewayId = (typeof GATEWAY_IDS)[number]

/**
 * `pending`: waiting for the member to pay (or, for a bank transfer, for the operator to see the money);
 * `processing`: Stripe has the payment but it clears later (bank debits); `paid`: the coins were credited;
 * `failed`, `expired` (the Checkout Session timed out), `canceled` (by the member or the operator): nothing credited.
 */
export const PURCHASE_STATUSES = ['pending', 'processing', 'paid', 'failed', 'expired', 'canceled'] as const
export type PurchaseStatus = (typeof PURCHASE_STATUSES)[number]

export type AdjustmentKind = 'refund' | 'dispute' | 'dispute_won' | 'reversal' | 'debt_paid'

export type PurchaseTables = {
  coins_packs: {
    id: Generated<number>
    coins: number
    /** In the currency's minor unit (cents), as Stripe counts. */
    price: number
    /** ISO 4217, upper case. */
    currency: string
    position: Counter
    /** 0: retired (kept for the receipts that name it, never offered). */
    active: Counter
    created_at: CreatedAt
    updated_at: ColumnType<string, string | undefined, string>
  }
  coins_purchases: {
    id: Generated<number>
    user_id: number
    pack_id: number | null
    gateway: GatewayId
    status: ColumnType<PurchaseStatus, PurchaseStatus | undefined, PurchaseStatus>
    coins: number
    amount: number
    currency: string
    reference: Later<string>
    checkout_url: Later<string>
    payment_ref: Later<string>
    transfer_id: Later<number>
    refunded_amount: Counter
    disputed_amount: Counter
    reversed_coins: Counter
    debt_coins: Counter
    ledger_reversed: Counter
    granted_by: Later<number>
    note: ColumnType<string, string | undefined, string>
    created_at: CreatedAt
    paid_at: Later<string>
    updated_at: ColumnType<string, string | undefined, string>
  }
  coins_purchase_adjustments: {
    id: Generated<number>
    purchase_id: number
    kind: AdjustmentKind
    coins_taken: number
    coins_owed: number
    source: string
    actor_id: number | null
    note: ColumnType<string, string | undefined, never>
    created_at: CreatedAt
  }
  coins_stripe_events: { id: string; type: string; purchase_id: number | null; outcome: string; created_at: CreatedAt }
  coins_idempotency: { user_id: number; key: string; fingerprint: string; status: number | null; body: string | null; created_at: CreatedAt }
}

export type PackRow = Selectable<PurchaseTables['coins_packs']>
export type PurchaseRow = Selectable<PurchaseTables['coins_purchases']>
export type AdjustmentRow = Selectable<PurchaseTables['coins_purchase_adjustments']>
