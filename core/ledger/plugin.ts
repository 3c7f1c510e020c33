// The ledger as plugins see it (`ctx.core.ledger`): the same service, each plugin's idempotency keys kept apart by its name.
import type { AccountRef, AccountSpec, HistoryEntry, LedgerAccount, LedgerService, Transfer, TransferInput, TransferMeta, WriteOptions } from './service.js'
import type { Page } from '../pagination.js'

export type { AccountKind, AccountRef, AccountSpec, HistoryEntry, LedgerAccount, Transfer, TransferInput, TransferMeta, TransferType, WriteOptions } from './service.js'

/**
 * Double-entry accounts and transfers in whole units (decision 033). Keys you give are stored as
 * `NAME:key`, so two plugins never share one; transfers you read back carry the stored key.
 */
export interface PluginLedgerApi {
  /**
   * An account, made the first time it is named.
   * @example const wallet = await ctx.core.ledger.account({ kind: 'member_coins', userId: me.id, unit: 'coin' })
   */
  account(spec: AccountSpec, options?: WriteOptions): Promise<LedgerAccount>
  /** An account by id or spec, or null; nothing is made. */
  findAccount(ref: AccountRef): Promise<LedgerAccount | null>
  /**
   * One transfer. The same key again answers the first transfer; the same key with other values is 409
   * IDEMPOTENCY_CONFLICT; a debit an account cannot pay is 422 INSUFFICIENT_FUNDS. Pass `db: trx` to commit it
   * with your own writes.
   * @example await ctx.core.ledger.transfer({ key: `grant:${ref}`, debit: { kind: 'world', name: 'manual', unit: 'coin' }, credit: wallet.id, amount: 500, meta: { ref } })
   */
  transfer(input: TransferInput, options?: WriteOptions): Promise<Transfer>
  /**
   * Transfers that all happen or none does, in order.
   * @example await ctx.core.ledger.linked([{ key: `gift:${id}:share`, debit: coins, credit: hold, amount: 80 }, { key: `gift:${id}:fee`, debit: coins, credit: fee, amount: 20 }])
   */
  linked(inputs: TransferInput[], options?: WriteOptions): Promise<Transfer[]>
  /** Move a pending transfer's amount for good (409 PENDING_RESOLVED, PENDING_EXPIRED). */
  post(pendingId: number, input: { key: string; meta?: TransferMeta }, options?: WriteOptions): Promise<Transfer>
  /** Give a pending transfer's amount back to its debit account. */
  void(pendingId: number, input: { key: string; meta?: TransferMeta }, options?: WriteOptions): Promise<Transfer>
  /**
   * A compensating transfer for a refund or a chargeback: all (or `amount`) of what is left of a posted transfer moves back.
   * @example await ctx.core.ledger.reverse(purchase.id, { key: `refund:${chargeId}` })
   */
  reverse(transferId: number, input: { key: string; amount?: number; meta?: TransferMeta }, options?: WriteOptions): Promise<Transfer>
  get(id: number): Promise<Transfer | null>
  /** Your transfer by the key you gave it. */
  byKey(key: string): Promise<Transfer | null>
  /** An account's transfers, newest first, each with the account on its other side. */
  history(accountId: number, options?: { cursor?: string | null; limit?: number }): Promise<Page<HistoryEntry>>
}

export function pluginLedger(ledger: LedgerService, name: string): PluginLedgerApi {
  const own = (key: string) => `${name}:${key}`
  const mine = (input: TransferInput): TransferInput => ({ ...input, key: own(input?.key) })
  return {
    account: (spec, options) => ledger.account(spec, options),
    findAccount: (ref) => ledger.findAccount(ref),
    transfer: (input, options) => ledger.transfer(mine(input), options),
    linked: (inputs, options) => ledger.linked(Array.isArray(inputs) ? inputs.map(mine) : inputs, options),
    post: (id, input, options) => ledger.post(id, { ...input, key: own(input?.key) }, options),
    void: (id, input, options) => ledger.void(id, { ...input, key: own(input?.key) }, options),
    reverse: (id, input, options) => ledger.reverse(id, { ...input, key: own(input?.key) }, options),
    get: (id) => ledger.get(id),
    byKey: (key) => ledger.byKey(own(key)),
    history: (accountId, options) => ledger.history(accountId, options),
  }
}
