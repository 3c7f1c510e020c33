// The ledger's tables: accounts with their stored sums, and immutable transfers (core/db/migrations/2026_12_05_1030_ledger.ts).
import type { ColumnType, Generated, Selectable } from 'kysely'

/** What an account holds, and so who owns it and whether it may go negative (only `world` may). */
export type AccountKind = 'member_coins' | 'member_earnings' | 'earnings_hold' | 'pending_withdrawals' | 'platform_commission' | 'world'

/**
 * `posted` moves an amount now; `pending` reserves it (the debit side cannot spend it) until a `post` moves it or a
 * `void` (or its timeout) releases it.
 */
export type TransferType = 'posted' | 'pending' | 'post' | 'void'

export interface LedgerAccountsTable {
  id: Generated<number>
  /** `kind:owner:unit`, the owner a member's id or a name: one account per combination. */
  key: string
  kind: AccountKind
  user_id: number | null
  name: ColumnType<string, string | undefined, never>
  unit: string
  may_go_negative: ColumnType<number, number | undefined, never>
  debits_posted: Generated<number>
  credits_posted: Generated<number>
  debits_pending: Generated<number>
  credits_pending: Generated<number>
  created_at: string
}

export interface LedgerTransfersTable {
  id: Generated<number>
  /** The idempotency key: the same key is the same transfer. */
  key: string
  type: TransferType
  debit_account_id: number
  credit_account_id: number
  amount: number
  unit: string
  /** For `post` and `void`: the pending transfer they resolve. */
  pending_id: number | null
  /** For a compensating transfer (a refund, a chargeback): the transfer it gives back. */
  reverses_id: number | null
  /** For `pending`: when it is voided if nobody posted it. */
  timeout_at: string | null
  /** JSON object: what the transfer was for (a gift, a purchase), for history and receipts. */
  meta: string
  created_at: string
}

export interface LedgerTables {
  ledger_accounts: LedgerAccountsTable
  ledger_transfers: LedgerTransfersTable
}

export type LedgerAccountRow = Selectable<LedgerAccountsTable>
export type LedgerTransferRow = Selectable<LedgerTransfersTable>
