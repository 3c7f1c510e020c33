// Withdrawals: a creator asks for available earnings (a pending ledger transfer holds them), staff approve and mark
// them paid with a reference (posted, then paid out to the world) or reject them (voided: the amount returns).
// Every step is audited and the creator is told.
import type { Viewer } from '../../core/plugins/api.js'
import type { CoinsContext } from './plugin.js'
import * as q from './gifts-queries.js'
import { earningsOf, PAYOUTS, withdrawalsOf } from './gifts-service.js'
import type { WithdrawalRow, WithdrawalStatus } from './gifts-tables.js'
import { walletFrozen } from './wallets-service.js'

/** A withdrawal as the API shows it; `details` (the payout details) only to its creator and admins. */
export interface WithdrawalJson {
  id: number
  user_id: number
  amount: number
  value_cents: number
  currency: string
  status: WithdrawalStatus
  method: string
  details?: string
  reference: string | null
  reason: string | null
  created_at: string
  updated_at: string
}

export type WithdrawalsService = ReturnType<typeof withdrawalsService>

export function withdrawalsService(ctx: CoinsContext) {
  const { db } = ctx
  const ledger = ctx.core.ledger
  const notFound = () => ctx.http.error(404, 'NOT_FOUND', 'That withdrawal does not exist.')

  async function json(w: WithdrawalRow, withDetails: boolean): Promise<WithdrawalJson> {
    const s = await ctx.settings.all()
    return {
      id: w.id,
      user_id: w.user_id,
      amount: w.amount,
      value_cents: Math.floor((w.amount * s.payout_cents_per_100_coins) / 100),
      currency: s.payout_currency,
      status: w.status,
      method: w.method,
      ...(withDetails && { details: w.details }),
      reference: w.reference,
      reason: w.reason,
      created_at: w.created_at,
      updated_at: w.updated_at,
    }
  }

  const tell = (w: WithdrawalRow, step: WithdrawalStatus, actorId: number | null) =>
    ctx.core.notifications.notify({ userId: w.user_id, type: 'withdrawal', actorId, data: { id: w.id, amount: w.amount, step, reference: w.reference, reason: w.reason } })

  /** Ask to withdraw: at least the minimum, at most what is available (the ledger refuses more, and never goes negative). */
  async function request(creator: Viewer, input: { amount: number; method: string; details: string; idempotency_key?: string | undefined }): Promise<WithdrawalRow> {
    const key = input.idempotency_key ?? null
    const replay = async () => {
      const prior = key === null ? undefined : await q.withdrawalByKey(db, creator.id, key)
      if (prior && (prior.amount !== input.amount || prior.method !== input.method || prior.details !== input.details)) throw ctx.http.error(409, 'IDEMPOTENCY_CONFLICT', 'That idempotency key was already used for another withdrawal.')
      return prior
    }
    const earlier = await replay()
    if (earlier) return earlier
    const me = await q.receiverRow(db, creator.id)
    if (!me || me.suspended_at !== null) throw ctx.http.error(403, 'ACCOUNT_SUSPENDED', 'Your account is suspended: you cannot withdraw.')
    if (me.frozen !== null) throw walletFrozen(ctx, 'withdraw')
    const minimum = await ctx.settings.get('withdrawal_minimum')
    if (input.amount < minimum) throw ctx.http.error(422, 'BELOW_MINIMUM', `The smallest withdrawal is ${minimum.toLocaleString('en')} coins.`, { minimum, fields: { amount: `The smallest withdrawal is ${minimum.toLocaleString('en')} coins.` } })
    try {
      return await db.transaction().execute(async (trx) => {
        const row = await q.own(trx).insertInto('coins_withdrawals').values({ user_id: creator.id, amount: input.amount, status: 'requested', method: input.method, details: input.details, pending_transfer_id: 0, key, updated_at: new Date().toISOString() }).returningAll().executeTakeFirstOrThrow()
        const held = await ledger.transfer({ key: `withdrawal:${row.id}`, debit: earningsOf(creator.id), credit: withdrawalsOf(creator.id), amount: input.amount, pending: true, meta: { withdrawal: row.id } }, { db: trx })
        return q.own(trx).updateTable('coins_withdrawals').set({ pending_transfer_id: held.id }).where('id', '=', row.id).returningAll().executeTakeFirstOrThrow()
      })
    } catch (err) {
      // The same key sent twice at once: the other request made the withdrawal.
      if (err instanceof Error && /UNIQUE constraint failed: coins_withdrawals/.test(err.message)) {
        const again = await replay()
        if (again) return again
      }
      if (err instanceof Error && 'code' in err && err.code === 'INSUFFICIENT_FUNDS') {
        const available = (await ledger.findAccount(earningsOf(creator.id)))?.available ?? 0
        const message = `You have ${available.toLocaleString('en')} coins available to withdraw.`
        throw ctx.http.error(422, 'INSUFFICIENT_FUNDS', message, { available, fields: { amount: message } })
      }
      throw err
    }
  }

  /**
   * Move a withdrawal from one of `from` to `to` (the conditional update makes two staff clicking at once one
   * decision), with its ledger step, in one transaction.
   */
  async function step(id: number, from: WithdrawalStatus[], to: WithdrawalStatus, changes: { reference?: string; reason?: string; decided_by?: number | null }, ledgerStep: (w: WithdrawalRow, trx: typeof db) => Promise<void>, audit: (w: WithdrawalRow, trx: typeof db) => Promise<void>): Promise<WithdrawalRow> {
    const w = await q.withdrawalById(db, id)
    if (!w) throw notFound()
    return db.transaction().execute(async (trx) => {
      const row = await q.own(trx).updateTable('coins_withdrawals').set({ status: to, ...changes, updated_at: new Date().toISOString() }).where('id', '=', id).where('status', 'in', from).returningAll().executeTakeFirst()
      if (!row) throw ctx.http.error(409, 'WITHDRAWAL_DECIDED', `This withdrawal is already ${w.status}.`, { status: w.status })
      await ledgerStep(row, trx)
      await audit(row, trx)
      return row
    })
  }

  const audited = (actor: Viewer, action: string, details: (w: WithdrawalRow) => Record<string, unknown>) => (w: WithdrawalRow, trx: typeof db) =>
    ctx.core.audit({ actorId: actor.id, action, targetType: 'coins.withdrawal', targetId: w.id, details: { user_id: w.user_id, amount: w.amount, ...details(w) } }, { db: trx })

  /** Give a withdrawal's held amount back to the creator's available earnings. */
  const release = async (row: WithdrawalRow, trx: typeof db) => void (await ledger.void(row.pending_transfer_id, { key: `withdrawal:${row.id}:void`, meta: { withdrawal: row.id } }, { db: trx }))

  async function approve(staff: Viewer, id: number): Promise<WithdrawalRow> {
    const w = await step(id, ['requested'], 'approved', { decided_by: staff.id }, async () => {}, audited(staff, 'withdrawal.approved', () => ({})))
    await tell(w, 'approved', staff.id)
    return w
  }

  /** Paid: the held amount is posted to the pending-withdrawals account and leaves for the world in one transaction. */
  async function pay(staff: Viewer, id: number, reference: string): Promise<WithdrawalRow> {
    const w = await step(
      id,
      ['requested', 'approved'],
      'paid',
      { reference, decided_by: staff.id },
      async (row, trx) => {
        await ledger.post(row.pending_transfer_id, { key: `withdrawal:${row.id}:post`, meta: { withdrawal: row.id } }, { db: trx })
        await ledger.transfer({ key: `withdrawal:${row.id}:paid`, debit: withdrawalsOf(row.user_id), credit: PAYOUTS, amount: row.amount, meta: { withdrawal: row.id, reference } }, { db: trx })
      },
      audited(staff, 'withdrawal.paid', () => ({ reference })),
    )
    await tell(w, 'paid', staff.id)
    return w
  }

  async function reject(staff: Viewer, id: number, reason: string): Promise<WithdrawalRow> {
    const w = await step(id, ['requested', 'approved'], 'rejected', { reason, decided_by: staff.id }, release, audited(staff, 'withdrawal.rejected', () => ({ reason })))
    await tell(w, 'rejected', staff.id)
    return w
  }

  /** The creator takes back a request staff have not approved yet. */
  async function cancel(creator: Viewer, id: number): Promise<WithdrawalRow> {
    const w = await q.withdrawalById(db, id)
    if (!w || w.user_id !== creator.id) throw notFound()
    return step(id, ['requested'], 'cancelled', {}, release, async () => {})
  }

  return {
    notFound,
    json,
    request,
    approve,
    pay,
    reject,
    cancel,
    get: (id: number) => q.withdrawalById(db, id),
    mine: (userId: number) => q.withdrawalsOf(db, userId),
    queue: (statuses: WithdrawalStatus[]) => q.withdrawalQueue(db, statuses),
  }
}
