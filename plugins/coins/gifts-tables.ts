// The gift side's own tables (prefixed coins_): the catalog, sent gifts, withdrawals.
import type { ColumnType, Generated, Selectable } from 'kysely'

type CreatedAt = ColumnType<string, string | undefined, never>

export type WithdrawalStatus = 'requested' | 'approved' | 'paid' | 'rejected' | 'cancelled'

export type GiftTables = {
  /** The operator's catalog. A retired gift stays (sent gifts name it) but can no longer be sent or edited. */
  coins_gifts: {
    id: Generated<number>
    name: string
    /** A built-in icon (one of GIFT_ICONS) when there is no picture. */
    icon: string | null
    /** A picture uploaded through core media. */
    media_id: number | null
    /** In coins, from 1. */
    price: number
    /** Lower first in the picker. */
    position: number
    /** 0: hidden from the picker for now (not retired). */
    enabled: number
    retired_at: string | null
    created_at: CreatedAt
    updated_at: string
  }
  /** One gift sent: what its ledger transfers (`gift:u{sender}:{key}:share|fee`) were for. */
  coins_gift_sends: {
    id: Generated<number>
    gift_id: number
    sender_id: number
    receiver_id: number
    /** What it was sent on: `post`, `profile`, or a kind another plugin answers for (`live`, `message`). */
    target_kind: string
    target_id: number
    /** The target as the sender saw it ("a post", "a live stream") and its link, for notifications and history. */
    target_label: string
    target_url: string | null
    note: string
    /** The sender's idempotency key: the same key twice is one gift. */
    key: string
    /** What the sender paid, and how it split: `share` to the creator (on hold first), `commission` to the platform. */
    price: number
    share: number
    commission: number
    created_at: string
    /** When the share leaves the hold for the creator's available earnings. */
    release_at: string
    released_at: string | null
    /** When both sides were told (notifications go out in batches, see `notifyGifts`). */
    notified_at: string | null
  }
  /** Coins a member gave and received in gifts (prices), kept with each send: levels and badges read them. */
  coins_totals: { user_id: number; given: number; received: number }
  coins_withdrawals: {
    id: Generated<number>
    user_id: number
    amount: number
    status: WithdrawalStatus
    /** How the creator wants to be paid (`bank`, `paypal`, `other`). */
    method: string
    /** The payout details (an IBAN, an address): shown to the creator and admins only, never logged. */
    details: string
    /** The ledger's pending transfer earnings → pending withdrawals, posted when paid, voided when rejected. */
    pending_transfer_id: number
    /** The creator's idempotency key, when given: the same key twice is one request. */
    key: string | null
    /** The payment's reference, when paid. */
    reference: string | null
    /** Why it was rejected. */
    reason: string | null
    decided_by: number | null
    created_at: CreatedAt
    updated_at: string
  }
  /** Wallets staff froze (wallets.ts): no buying, giving, receiving or withdrawing while a row stands. */
  coins_frozen: { user_id: number; reason: string; frozen_by: number | null; created_at: CreatedAt }
}

export type GiftRow = Selectable<GiftTables['coins_gifts']>
export type GiftSendRow = Selectable<GiftTables['coins_gift_sends']>
export type WithdrawalRow = Selectable<GiftTables['coins_withdrawals']>
