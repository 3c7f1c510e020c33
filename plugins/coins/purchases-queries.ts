// Queries of buying coins; each takes the database (or a transaction) first.
import type { Kysely } from 'kysely'
import { decodeCursor, displayNameOf, pageOf, type Page, type PluginDb as Db } from '../../core/plugins/api.js'
import type { PackInput } from './purchases-inputs.js'
import type { AdjustmentKind, AdjustmentRow, GatewayId, PackRow, PurchaseRow, PurchaseStatus, PurchaseTables } from './purchases-tables.js'

type CoreTables = Db extends Kysely<infer D> ? D : never
export type Tables = CoreTables & PurchaseTables
/** The database with these tables typed (also for a transaction: `own(trx)`). */
export const own = (db: Kysely<any>): Kysely<Tables> => (db as Db).withTables<PurchaseTables>()

const stamp = () => new Date().toISOString()

// ---- Packs

/** The packs on sale in the operator's order, or every pack (retired ones last) for the admin page. */
export function listPacks(db: Db, options: { all?: boolean } = {}): Promise<PackRow[]> {
  return own(db)
    .selectFrom('coins_packs')
    .selectAll()
    .$if(!options.all, (q) => q.where('active', '=', 1))
    .orderBy('active', 'desc')
    .orderBy('position')
    .orderBy('id')
    .execute()
}

export const findPack = (db: Kysely<any>, id: number) => own(db).selectFrom('coins_packs').selectAll().where('id', '=', id).executeTakeFirst()

export async function insertPack(db: Db, input: PackInput): Promise<PackRow> {
  return own(db).insertInto('coins_packs').values({ coins: input.coins, price: input.price, currency: input.currency, position: input.position, active: input.active ? 1 : 0 }).returningAll().executeTakeFirstOrThrow()
}

export async function updatePack(db: Db, id: number, input: PackInput): Promise<PackRow | undefined> {
  return own(db)
    .updateTable('coins_packs')
    .set({ coins: input.coins, price: input.price, currency: input.currency, position: input.position, active: input.active ? 1 : 0, updated_at: stamp() })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
}

// ---- Purchases

export const findPurchase = (db: Kysely<any>, id: number) => own(db).selectFrom('coins_purchases').selectAll().where('id', '=', id).executeTakeFirst()

export const purchaseByPayment = (db: Kysely<any>, gateway: GatewayId, paymentRef: string) =>
  own(db).selectFrom('coins_purchases').selectAll().where('gateway', '=', gateway).where('payment_ref', '=', paymentRef).executeTakeFirst()

export async function insertPurchase(db: Kysely<any>, row: { user_id: number; pack: PackRow; gateway: GatewayId; status?: PurchaseStatus; reference?: string | null; granted_by?: number | null; note?: string }): Promise<PurchaseRow> {
  const { pack } = row
  return own(db)
    .insertInto('coins_purchases')
    .values({ user_id: row.user_id, pack_id: pack.id, gateway: row.gateway, status: row.status ?? 'pending', coins: pack.coins, amount: pack.price, currency: pack.currency, reference: row.reference ?? null, granted_by: row.granted_by ?? null, note: row.note ?? '' })
    .returningAll()
    .executeTakeFirstOrThrow()
}

export type PurchaseChanges = Partial<Pick<PurchaseRow, 'status' | 'reference' | 'checkout_url' | 'payment_ref' | 'transfer_id' | 'refunded_amount' | 'disputed_amount' | 'reversed_coins' | 'debt_coins' | 'ledger_reversed' | 'paid_at' | 'note'>>

export async function changePurchase(db: Kysely<any>, id: number, changes: PurchaseChanges): Promise<PurchaseRow> {
  return own(db).updateTable('coins_purchases').set({ ...changes, updated_at: stamp() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow()
}

/** A member's purchases, newest first. */
export async function purchasesOf(db: Db, userId: number, cursor: string | null | undefined, limit: number): Promise<Page<PurchaseRow>> {
  const after = decodeCursor(cursor, { id: 'id' })
  const rows = await own(db)
    .selectFrom('coins_purchases')
    .selectAll()
    .where('user_id', '=', userId)
    .$if(after !== null, (q) => q.where('id', '<', after!.id))
    .orderBy('id', 'desc')
    .limit(limit + 1)
    .execute()
  return pageOf(rows, limit, (r) => ({ id: r.id }))
}

/** A member's open bank transfer requests (they are capped). */
export async function openManualCount(db: Db, userId: number): Promise<number> {
  const r = await own(db).selectFrom('coins_purchases').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('gateway', '=', 'manual').where('status', '=', 'pending').executeTakeFirstOrThrow()
  return Number(r.n)
}

export interface PurchaseWithMember extends PurchaseRow {
  username: string | null
  member_name: string | null
}

/** Purchases for the operator: one status (or all), newest first, with the member's names. */
export async function purchasesForStaff(db: Db, options: { status?: PurchaseStatus; gateway?: GatewayId; limit: number; cursor?: string | null }): Promise<Page<PurchaseWithMember>> {
  const after = decodeCursor(options.cursor, { id: 'id' })
  const rows = await own(db)
    .selectFrom('coins_purchases as p')
    .leftJoin('users', 'users.id', 'p.user_id')
    .selectAll('p')
    .select(['users.username', displayNameOf('users').as('member_name')])
    .$if(options.status !== undefined, (q) => q.where('p.status', '=', options.status!))
    .$if(options.gateway !== undefined, (q) => q.where('p.gateway', '=', options.gateway!))
    .$if(after !== null, (q) => q.where('p.id', '<', after!.id))
    .orderBy('p.id', 'desc')
    .limit(options.limit + 1)
    .execute()
  return pageOf(rows as PurchaseWithMember[], options.limit, (r) => ({ id: r.id }))
}

/** Purchases whose refund or chargeback took more coins than the wallet held, oldest first: paid back from later coins. */
export const debtsOf = (db: Kysely<any>, userId: number) =>
  own(db).selectFrom('coins_purchases').selectAll().where('user_id', '=', userId).where('debt_coins', '>', 0).orderBy('id').execute()

export async function debtOf(db: Db, userId: number): Promise<number> {
  const r = await own(db).selectFrom('coins_purchases').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('debt_coins'), eb.lit(0)).as('n')).where('user_id', '=', userId).where('debt_coins', '>', 0).executeTakeFirstOrThrow()
  return Number(r.n)
}

// ---- Adjustments

export async function addAdjustment(db: Kysely<any>, row: { purchase_id: number; kind: AdjustmentKind; coins_taken: number; coins_owed: number; source: string; actor_id?: number | null; note?: string }): Promise<void> {
  await own(db).insertInto('coins_purchase_adjustments').values({ ...row, actor_id: row.actor_id ?? null, note: row.note ?? '' }).execute()
}

export const adjustmentsOf = (db: Db, purchaseId: number): Promise<AdjustmentRow[]> =>
  own(db).selectFrom('coins_purchase_adjustments').selectAll().where('purchase_id', '=', purchaseId).orderBy('id').execute()

// ---- Stripe events

/** Record an event id; false when it was recorded before (a duplicate or a replay). In the crediting transaction. */
export async function claimStripeEvent(db: Kysely<any>, id: string, type: string): Promise<boolean> {
  const r = await own(db).insertInto('coins_stripe_events').values({ id, type, purchase_id: null, outcome: 'handling' }).onConflict((oc) => oc.column('id').doNothing()).executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows ?? 0) === 1
}

export async function settleStripeEvent(db: Kysely<any>, id: string, outcome: string, purchaseId: number | null): Promise<void> {
  await own(db).updateTable('coins_stripe_events').set({ outcome, purchase_id: purchaseId }).where('id', '=', id).execute()
}

// ---- Names for history

/** Members' names by id (for the other side of a transfer), suspended members included: it is the member's own record. */
export async function namesOf(db: Db, ids: number[]): Promise<Map<number, { username: string; name: string }>> {
  if (ids.length === 0) return new Map()
  const rows = await own(db).selectFrom('users').select(['id', 'username', displayNameOf('users').as('name')]).where('id', 'in', ids).execute()
  return new Map(rows.map((r) => [r.id, { username: r.username, name: r.name }]))
}

// ---- Idempotency-Key

/** Claim a key for a first request; the stored row when the key was used before. */
export async function claimIdempotencyKey(db: Db, userId: number, key: string, fingerprint: string): Promise<{ fingerprint: string; status: number | null; body: string | null } | null> {
  const r = await own(db).insertInto('coins_idempotency').values({ user_id: userId, key, fingerprint, status: null, body: null }).onConflict((oc) => oc.columns(['user_id', 'key']).doNothing()).executeTakeFirst()
  if (Number(r.numInsertedOrUpdatedRows ?? 0) === 1) return null
  return own(db).selectFrom('coins_idempotency').select(['fingerprint', 'status', 'body']).where('user_id', '=', userId).where('key', '=', key).executeTakeFirstOrThrow()
}

export async function storeIdempotentAnswer(db: Db, userId: number, key: string, status: number, body: string): Promise<void> {
  await own(db).updateTable('coins_idempotency').set({ status, body }).where('user_id', '=', userId).where('key', '=', key).execute()
}

export async function releaseIdempotencyKey(db: Db, userId: number, key: string): Promise<void> {
  await own(db).deleteFrom('coins_idempotency').where('user_id', '=', userId).where('key', '=', key).where('status', 'is', null).execute()
}

/** Forget keys older than a day (Stripe keeps its own for 24 hours too). */
export async function purgeIdempotencyKeys(db: Db, before: string): Promise<number> {
  const r = await own(db).deleteFrom('coins_idempotency').where('created_at', '<', before).executeTakeFirst()
  return Number(r.numDeletedRows)
}


/** The community's name (core's `site.name`), for receipts. */
export async function siteName(db: Db): Promise<string> {
  const row = await db.selectFrom('settings').select('value').where('key', '=', 'site.name').executeTakeFirst()
  try {
    const v = row ? (JSON.parse(row.value) as unknown) : null
    return typeof v === 'string' && v ? v : 'Hearth'
  } catch {
    return 'Hearth'
  }
}
