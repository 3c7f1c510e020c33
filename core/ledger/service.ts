// The ledger: double-entry accounts and immutable, idempotent transfers in whole units (TigerBeetle's semantics in SQLite).
import { CompiledQuery, sql, type Kysely } from 'kysely'
import type { Database } from '../db/schema.js'
import { queryShapes } from '../db/shapes.js'
import { AppError, validationFailed } from '../errors.js'
import { decodeCursor, pageOf, type Page } from '../pagination.js'
import type { AccountKind, LedgerAccountRow, LedgerTransferRow, TransferType } from './tables.js'

export type { AccountKind, TransferType } from './tables.js'

export const ACCOUNT_KINDS: readonly AccountKind[] = ['member_coins', 'member_earnings', 'earnings_hold', 'pending_withdrawals', 'platform_commission', 'world']
const MEMBER_KINDS: ReadonlySet<AccountKind> = new Set(['member_coins', 'member_earnings', 'earnings_hold', 'pending_withdrawals'])

/**
 * Names an account: a member's (`userId`) or one of the platform's (`name`), in a unit. The account is made the
 * first time it is named. Only `world` (money coming in from outside and going out to it) may go negative.
 * @example { kind: 'member_coins', userId: 12, unit: 'coin' }
 * @example { kind: 'world', name: 'stripe', unit: 'coin' }
 */
export interface AccountSpec {
  kind: AccountKind
  userId?: number
  name?: string
  unit: string
}

/** An account by its id, or by what it is (made if missing). */
export type AccountRef = number | AccountSpec

export interface LedgerAccount {
  id: number
  key: string
  kind: AccountKind
  user_id: number | null
  name: string
  unit: string
  may_go_negative: boolean
  /** Posted credits minus posted debits. */
  balance: number
  /** What may be spent: the balance less what pending transfers hold. */
  available: number
  /** Pending transfers into the account (not spendable until posted). */
  pending_in: number
  /** Pending transfers out of the account (already held from `available`). */
  pending_out: number
  created_at: string
}

/** What a transfer was for, kept with it: flat values only (a gift's id, a post's id, a payment reference). */
export type TransferMeta = Record<string, string | number | boolean | null>

export interface Transfer {
  id: number
  key: string
  type: TransferType
  debit_account_id: number
  credit_account_id: number
  amount: number
  unit: string
  pending_id: number | null
  reverses_id: number | null
  timeout_at: string | null
  meta: TransferMeta
  created_at: string
}

/**
 * One transfer to make. The same `key` again answers the transfer it made the first time (and changes nothing);
 * the same key with other accounts, amount, kind or meta is IDEMPOTENCY_CONFLICT. `pending` holds the amount
 * from the debit account until `post` or `void` (or the timeout, which voids it).
 * @example { key: `gift:${giftId}:share`, debit: { kind: 'member_coins', userId: 3, unit: 'coin' }, credit: earningsId, amount: 80 }
 */
export interface TransferInput {
  key: string
  debit: AccountRef
  credit: AccountRef
  /** A whole number from 1. */
  amount: number
  pending?: boolean
  /** For a pending transfer: void it when nobody posted it within this many seconds. */
  timeoutSeconds?: number
  meta?: TransferMeta
}

export interface WriteOptions {
  /** A transaction of yours: the transfer commits with your writes, or neither does (a savepoint keeps a failed transfer from leaving anything). */
  db?: Kysely<any>
}

/** One line of an account's history: a transfer seen from the account, with the account on its other side. */
export interface HistoryEntry {
  transfer: Transfer
  /** `in` when the account was credited, `out` when it was debited. */
  direction: 'in' | 'out'
  counterpart: { id: number; kind: AccountKind; user_id: number | null; name: string }
}

export interface VerifyReport {
  ok: boolean
  accounts: number
  transfers: number
  /** One sentence per problem found. */
  problems: string[]
}

export interface LedgerService {
  /** An account, made if it does not exist yet. */
  account(spec: AccountSpec, options?: WriteOptions): Promise<LedgerAccount>
  /** An account by id or by what it is, or null (nothing is made). */
  findAccount(ref: AccountRef): Promise<LedgerAccount | null>
  transfer(input: TransferInput, options?: WriteOptions): Promise<Transfer>
  /** Transfers that all happen or none does (a gift's share and its commission). */
  linked(inputs: TransferInput[], options?: WriteOptions): Promise<Transfer[]>
  /** Move a pending transfer's amount for good. */
  post(pendingId: number, input: { key: string; meta?: TransferMeta }, options?: WriteOptions): Promise<Transfer>
  /** Release a pending transfer's amount back to its debit account. */
  void(pendingId: number, input: { key: string; meta?: TransferMeta }, options?: WriteOptions): Promise<Transfer>
  /** A compensating transfer (a refund, a chargeback): `amount` (default: all that is not yet given back) moves back. */
  reverse(transferId: number, input: { key: string; amount?: number; meta?: TransferMeta }, options?: WriteOptions): Promise<Transfer>
  /** Void every pending transfer whose timeout passed; returns how many. */
  expirePending(): Promise<number>
  get(id: number): Promise<Transfer | null>
  byKey(key: string): Promise<Transfer | null>
  /** An account's transfers, newest first. */
  history(accountId: number, options?: { cursor?: string | null; limit?: number }): Promise<Page<HistoryEntry>>
  /** Check that every transfer balances, each unit sums to zero and every stored sum equals its transfers'. */
  verify(): Promise<VerifyReport>
  /** Every transfer as CSV (a header line, then one line per transfer, oldest first). */
  exportCsv(write: (chunk: string) => void | Promise<void>): Promise<number>
}

export interface LedgerOptions {
  /** The clock for timeouts (tests move it). */
  now?: () => Date
}

const KEY = /^[\x21-\x7e]{1,200}$/
const UNIT = /^[A-Za-z0-9_]{1,16}$/
const NAME = /^[a-z0-9][a-z0-9_.-]{0,63}$/
const META_MAX_CHARS = 2000
const TIMEOUT_MAX_SECONDS = 366 * 86_400

export const insufficientFunds = (accountId: number) =>
  new AppError(422, 'INSUFFICIENT_FUNDS', 'There are not enough funds in the account for this.', { account_id: accountId })

/** The key of the account a spec names; throws VALIDATION_FAILED for a spec that names none. */
export function accountKey(spec: AccountSpec): string {
  if (!ACCOUNT_KINDS.includes(spec.kind)) throw validationFailed({ kind: `The account kind must be one of ${ACCOUNT_KINDS.join(', ')}.` })
  if (typeof spec.unit !== 'string' || !UNIT.test(spec.unit)) throw validationFailed({ unit: 'The unit must be 1 to 16 letters, digits or underscores.' })
  if (MEMBER_KINDS.has(spec.kind)) {
    if (!Number.isSafeInteger(spec.userId) || spec.userId! < 1 || spec.name !== undefined) throw validationFailed({ userId: `A ${spec.kind} account belongs to a member: give userId and no name.` })
    return `${spec.kind}:u${spec.userId}:${spec.unit}`
  }
  if (spec.userId !== undefined || typeof spec.name !== 'string' || !NAME.test(spec.name)) throw validationFailed({ name: `A ${spec.kind} account is the platform's: give a name (lowercase letters, digits, . _ -) and no userId.` })
  return `${spec.kind}:${spec.name}:${spec.unit}`
}

function checkAmount(amount: unknown, field = 'amount'): number {
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount < 1) throw validationFailed({ [field]: 'The amount must be a whole number from 1.' })
  return amount
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || !KEY.test(key)) throw validationFailed({ key: 'The idempotency key must be 1 to 200 printable characters without spaces.' })
  return key
}

/** Meta as stored: keys sorted, so the same meta is the same text whatever order it was written in. */
function metaText(meta: TransferMeta | undefined): string {
  const m = meta ?? {}
  if (typeof m !== 'object' || Array.isArray(m) || m === null) throw validationFailed({ meta: 'The meta must be an object of plain values.' })
  const out: TransferMeta = {}
  for (const k of Object.keys(m).sort()) {
    const v = m[k]
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) throw validationFailed({ meta: `The meta value "${k}" must be a string, number, boolean or null.` })
    if (typeof v === 'number' && !Number.isFinite(v)) throw validationFailed({ meta: `The meta value "${k}" must be a finite number.` })
    out[k] = v!
  }
  const text = JSON.stringify(out)
  if (text.length > META_MAX_CHARS) throw validationFailed({ meta: `The meta is longer than ${META_MAX_CHARS} characters.` })
  return text
}

export function accountView(r: LedgerAccountRow): LedgerAccount {
  const balance = r.credits_posted - r.debits_posted
  return {
    id: r.id,
    key: r.key,
    kind: r.kind,
    user_id: r.user_id,
    name: r.name,
    unit: r.unit,
    may_go_negative: r.may_go_negative === 1,
    balance,
    available: balance - r.debits_pending,
    pending_in: r.credits_pending,
    pending_out: r.debits_pending,
    created_at: r.created_at,
  }
}

export function transferView(r: LedgerTransferRow): Transfer {
  return { ...r, meta: JSON.parse(r.meta) as TransferMeta }
}

// One name for every ledger savepoint: SQLite releases or rolls back to the innermost of that name, which is this
// call's (a name per call made each call prepare two new statements and crowd the statement cache).
const SAVEPOINT = CompiledQuery.raw('savepoint ledger')
const RELEASE = CompiledQuery.raw('release ledger')
const ROLLBACK = CompiledQuery.raw('rollback to ledger')

/**
 * Run `fn` in one IMMEDIATE transaction (Kysely's transactions begin immediate here: core/db/connect.ts), or inside
 * the caller's transaction under a savepoint, so a refused transfer leaves the caller's other writes as they were.
 */
async function atomically<T>(db: Kysely<Database>, outer: Kysely<any> | undefined, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  if (outer?.isTransaction) {
    await outer.executeQuery(SAVEPOINT)
    try {
      const result = await fn(outer as Kysely<Database>)
      await outer.executeQuery(RELEASE)
      return result
    } catch (err) {
      await outer.executeQuery(ROLLBACK)
      await outer.executeQuery(RELEASE)
      throw err
    }
  }
  return ((outer as Kysely<Database> | undefined) ?? db).transaction().execute(fn)
}

/**
 * The ledger service. Every write runs in one immediate transaction, so the check that an account may pay and the
 * debit that spends it cannot be split by another connection or process.
 * @example
 * const coins = { kind: 'member_coins', userId: ana.id, unit: 'coin' } as const
 * await ledger.transfer({ key: 'purchase:cs_123', debit: { kind: 'world', name: 'stripe', unit: 'coin' }, credit: coins, amount: 500 })
 */
export function createLedgerService(db: Kysely<Database>, options: LedgerOptions = {}): LedgerService {
  const clock = options.now ?? (() => new Date())
  // The statements every transfer runs, built and compiled once (a gift burst spent a fifth of its time building them).
  const shapes = queryShapes(db, 32)
  const accountBy = async (trx: Kysely<Database>, column: 'id' | 'key', value: number | string) =>
    (await shapes.all(`ledger.account-by-${column}`, (slot) => db.selectFrom('ledger_accounts').selectAll().where(column, '=', slot<never>('v')), { v: value }, trx))[0]
  const transferByKey = async (trx: Kysely<Database>, key: string) =>
    (await shapes.all('ledger.transfer-by-key', (slot) => db.selectFrom('ledger_transfers').selectAll().where('key', '=', slot<string>('key')), { key }, trx))[0]

  /**
   * An account's row, made when a spec names one that does not exist yet. `known` keeps the rows one call already
   * read (a gift's two transfers debit the same coins); only their id and unit are used, which never change.
   */
  async function resolve(trx: Kysely<Database>, ref: AccountRef, known?: Map<string, LedgerAccountRow>): Promise<LedgerAccountRow> {
    const memo = typeof ref === 'number' ? `#${ref}` : accountKey(ref)
    const hit = known?.get(memo)
    if (hit) return hit
    const row = typeof ref === 'number' ? await accountById(trx, ref) : await accountBySpec(trx, ref, memo)
    known?.set(memo, row)
    return row
  }

  /** The accounts a batch names by spec, read in one statement (one not made yet is made when its transfer comes). */
  async function named(trx: Kysely<Database>, batch: Checked[]): Promise<Map<string, LedgerAccountRow>> {
    const keys = [...new Set(batch.flatMap(({ input }) => [input.debit, input.credit]).flatMap((ref) => (typeof ref === 'number' ? [] : [accountKey(ref)])))]
    const rows = keys.length
      ? await shapes.all(
          `ledger.accounts-by-key:${keys.length}`,
          (slot) => db.selectFrom('ledger_accounts').selectAll().where('key', 'in', keys.map((_, i) => slot<string>(`k${i}`))),
          Object.fromEntries(keys.map((k, i) => [`k${i}`, k])),
          trx,
        )
      : []
    return new Map(rows.map((r) => [r.key, r]))
  }

  async function accountById(trx: Kysely<Database>, id: number): Promise<LedgerAccountRow> {
    const row = Number.isSafeInteger(id) ? await accountBy(trx, 'id', id) : undefined
    if (!row) throw new AppError(404, 'NOT_FOUND', `There is no ledger account ${id}.`)
    return row
  }

  async function accountBySpec(trx: Kysely<Database>, ref: AccountSpec, key: string): Promise<LedgerAccountRow> {
    const found = await accountBy(trx, 'key', key)
    if (found) return found
    await trx
      .insertInto('ledger_accounts')
      .values({ key, kind: ref.kind, user_id: ref.userId ?? null, name: ref.name ?? '', unit: ref.unit, may_go_negative: ref.kind === 'world' ? 1 : 0, created_at: clock().toISOString() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute()
    return (await accountBy(trx, 'key', key))!
  }

  type Sums = 'debits_posted' | 'credits_posted' | 'debits_pending' | 'credits_pending'

  /** Add to an account's sums; a debit that would take a protected account below zero changes nothing and throws. */
  async function move(trx: Kysely<Database>, accountId: number, changes: Partial<Record<Sums, number>>, spend: number): Promise<void> {
    const columns = Object.keys(changes) as Sums[]
    const values: Record<string, number> = { id: accountId, spend }
    columns.forEach((col, i) => (values[`n${i}`] = changes[col]!))
    const moved = await shapes.all(
      `ledger.move:${columns.join(',')}:${spend > 0 ? 'guarded' : 'free'}`,
      (slot) => {
        const sets = columns.map((col, i) => sql`${sql.ref(col)} = ${sql.ref(col)} + ${slot<number>(`n${i}`)}`)
        const guard = spend > 0 ? sql`and (may_go_negative = 1 or credits_posted - debits_posted - debits_pending >= ${slot<number>('spend')})` : sql``
        const update = sql<{ id: number }>`update ledger_accounts set ${sql.join(sets)} where id = ${slot<number>('id')} ${guard} returning id`
        return { compile: () => update.compile(db) }
      },
      values,
      trx,
    )
    if (moved.length !== 1) throw insufficientFunds(accountId)
  }

  async function insert(trx: Kysely<Database>, row: Omit<LedgerTransferRow, 'id' | 'created_at'>): Promise<Transfer> {
    const values = { ...row, created_at: clock().toISOString() }
    // The row is what was given and its id: only the id comes back.
    const [created] = await shapes.all(
      'ledger.insert-transfer',
      (slot) =>
        db
          .insertInto('ledger_transfers')
          .values({
            key: slot('key'),
            type: slot('type'),
            debit_account_id: slot('debit_account_id'),
            credit_account_id: slot('credit_account_id'),
            amount: slot('amount'),
            unit: slot('unit'),
            pending_id: slot('pending_id'),
            reverses_id: slot('reverses_id'),
            timeout_at: slot('timeout_at'),
            meta: slot('meta'),
            created_at: slot('created_at'),
          })
          .returning('id'),
      values,
      trx,
    )
    return transferView({ id: created!.id, ...values })
  }

  const conflict = (key: string) =>
    new AppError(409, 'IDEMPOTENCY_CONFLICT', `The idempotency key "${key}" was already used for a different transfer.`, { key })

  /** The transfer a key made before, checked against what the caller asks now; null when the key is new. */
  async function replay(trx: Kysely<Database>, key: string, same: (row: LedgerTransferRow) => boolean): Promise<Transfer | null> {
    const row = await transferByKey(trx, key)
    if (!row) return null
    if (!same(row)) throw conflict(key)
    return transferView(row)
  }

  interface Checked {
    key: string
    input: TransferInput
    meta: string
  }

  function check(input: TransferInput): Checked {
    const key = checkKey(input?.key)
    checkAmount(input.amount)
    if (input.timeoutSeconds !== undefined) {
      if (!input.pending) throw validationFailed({ timeoutSeconds: 'Only a pending transfer has a timeout.' })
      if (!Number.isSafeInteger(input.timeoutSeconds) || input.timeoutSeconds < 1 || input.timeoutSeconds > TIMEOUT_MAX_SECONDS) throw validationFailed({ timeoutSeconds: 'The timeout must be a whole number of seconds from 1 to a year.' })
    }
    return { key, input, meta: metaText(input.meta) }
  }

  /**
   * Make one transfer (or answer the one its key made). `batch` is linked()'s: `fresh` when it found none of its keys
   * used (in this immediate transaction, so none is looked up again), and the accounts its transfers named so far.
   */
  async function apply(trx: Kysely<Database>, c: Checked, reverses: number | null = null, batch?: { fresh: boolean; accounts: Map<string, LedgerAccountRow> }): Promise<Transfer> {
    const { input } = c
    const debit = await resolve(trx, input.debit, batch?.accounts)
    const credit = await resolve(trx, input.credit, batch?.accounts)
    if (debit.id === credit.id) throw validationFailed({ credit: 'A transfer moves between two different accounts.' })
    if (debit.unit !== credit.unit) throw validationFailed({ credit: `The accounts hold different units (${debit.unit} and ${credit.unit}).` })
    const type: TransferType = input.pending ? 'pending' : 'posted'
    const previous = batch?.fresh
      ? null
      : await replay(
          trx,
          c.key,
          (r) => r.type === type && r.debit_account_id === debit.id && r.credit_account_id === credit.id && r.amount === input.amount && r.meta === c.meta && r.reverses_id === reverses,
        )
    if (previous) return previous
    if (type === 'pending') {
      await move(trx, debit.id, { debits_pending: input.amount }, input.amount)
      await move(trx, credit.id, { credits_pending: input.amount }, 0)
    } else {
      await move(trx, debit.id, { debits_posted: input.amount }, input.amount)
      await move(trx, credit.id, { credits_posted: input.amount }, 0)
    }
    const timeout = input.timeoutSeconds ? new Date(clock().getTime() + input.timeoutSeconds * 1000).toISOString() : null
    return insert(trx, { key: c.key, type, debit_account_id: debit.id, credit_account_id: credit.id, amount: input.amount, unit: debit.unit, pending_id: null, reverses_id: reverses, timeout_at: timeout, meta: c.meta })
  }

  async function linked(inputs: TransferInput[], options: WriteOptions = {}): Promise<Transfer[]> {
    if (!Array.isArray(inputs) || inputs.length === 0 || inputs.length > 100) throw validationFailed({ transfers: 'Give from 1 to 100 transfers.' })
    const checked = inputs.map(check)
    if (new Set(checked.map((c) => c.key)).size !== checked.length) throw validationFailed({ key: 'Each linked transfer needs its own idempotency key.' })
    return atomically(db, options.db, async (trx) => {
      const keys = Object.fromEntries(checked.map((c, i) => [`k${i}`, c.key]))
      const seen = await shapes.all(
        `ledger.keys-used:${checked.length}`,
        (slot) => db.selectFrom('ledger_transfers').select('key').where('key', 'in', checked.map((_, i) => slot<string>(`k${i}`))),
        keys,
        trx,
      )
      // A batch is replayed whole or made whole: some of its keys used and others not is another batch's keys.
      if (seen.length > 0 && seen.length < checked.length) throw conflict(seen[0]!.key)
      const batch = { fresh: seen.length === 0, accounts: await named(trx, checked) }
      const out: Transfer[] = []
      for (const c of checked) out.push(await apply(trx, c, null, batch))
      return out
    })
  }

  async function resolvePending(kind: 'post' | 'void', pendingId: number, input: { key: string; meta?: TransferMeta }, options: WriteOptions = {}): Promise<Transfer> {
    const key = checkKey(input?.key)
    const meta = metaText(input.meta)
    return atomically(db, options.db, async (trx) => {
      const previous = await replay(trx, key, (r) => r.type === kind && r.pending_id === pendingId && r.meta === meta)
      if (previous) return previous
      const p = Number.isSafeInteger(pendingId) ? await trx.selectFrom('ledger_transfers').selectAll().where('id', '=', pendingId).where('type', '=', 'pending').executeTakeFirst() : undefined
      if (!p) throw new AppError(404, 'NOT_FOUND', `There is no pending transfer ${pendingId}.`)
      const done = await trx.selectFrom('ledger_transfers').select('type').where('pending_id', '=', p.id).executeTakeFirst()
      if (done) throw new AppError(409, 'PENDING_RESOLVED', `The pending transfer was already ${done.type === 'post' ? 'posted' : 'voided'}.`, { resolution: done.type })
      if (kind === 'post' && p.timeout_at !== null && p.timeout_at <= clock().toISOString()) throw new AppError(409, 'PENDING_EXPIRED', 'The pending transfer timed out; it is voided.')
      const posted = kind === 'post' ? p.amount : 0
      await move(trx, p.debit_account_id, { debits_pending: -p.amount, debits_posted: posted }, 0)
      await move(trx, p.credit_account_id, { credits_pending: -p.amount, credits_posted: posted }, 0)
      return insert(trx, { key, type: kind, debit_account_id: p.debit_account_id, credit_account_id: p.credit_account_id, amount: p.amount, unit: p.unit, pending_id: p.id, reverses_id: null, timeout_at: null, meta })
    })
  }

  const history = async (accountId: number, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<HistoryEntry>> => {
    const limit = options.limit ?? 20
    const after = decodeCursor(options.cursor, { id: 'id' })
    const rows = await db
      .selectFrom('ledger_transfers as t')
      .innerJoin('ledger_accounts as o', (j) => j.on((eb) => eb.or([eb.and([eb('t.debit_account_id', '=', accountId), eb('o.id', '=', eb.ref('t.credit_account_id'))]), eb.and([eb('t.credit_account_id', '=', accountId), eb('o.id', '=', eb.ref('t.debit_account_id'))])])))
      .selectAll('t')
      .select(['o.id as o_id', 'o.kind as o_kind', 'o.user_id as o_user_id', 'o.name as o_name'])
      .where((eb) => eb.or([eb('t.debit_account_id', '=', accountId), eb('t.credit_account_id', '=', accountId)]))
      .$if(after !== null, (q) => q.where('t.id', '<', after!.id))
      .orderBy('t.id', 'desc')
      .limit(limit + 1)
      .execute()
    const page = pageOf(rows, limit, (r) => ({ id: r.id }))
    return {
      nextCursor: page.nextCursor,
      items: page.items.map(({ o_id, o_kind, o_user_id, o_name, ...t }) => ({
        transfer: transferView(t),
        direction: t.credit_account_id === accountId ? 'in' : 'out',
        counterpart: { id: o_id, kind: o_kind, user_id: o_user_id, name: o_name },
      })),
    }
  }

  const find = async (ref: AccountRef): Promise<LedgerAccount | null> => {
    const row = typeof ref === 'number' ? await accountBy(db, 'id', ref) : await accountBy(db, 'key', accountKey(ref))
    return row ? accountView(row) : null
  }

  return {
    account: async (spec, options = {}) => {
      accountKey(spec)
      return accountView(await atomically(db, options.db, (trx) => resolve(trx, spec)))
    },
    findAccount: find,
    transfer: async (input, options) => (await linked([input], options))[0]!,
    linked,
    post: (id, input, options) => resolvePending('post', id, input, options),
    void: (id, input, options) => resolvePending('void', id, input, options),
    reverse: async (transferId, input, options = {}) => {
      const key = checkKey(input?.key)
      if (input.amount !== undefined) checkAmount(input.amount)
      const meta = metaText(input.meta)
      return atomically(db, options.db, async (trx) => {
        const previous = await replay(trx, key, (r) => r.reverses_id === transferId && (input.amount === undefined || r.amount === input.amount) && r.meta === meta)
        if (previous) return previous
        const t = Number.isSafeInteger(transferId) ? await trx.selectFrom('ledger_transfers').selectAll().where('id', '=', transferId).executeTakeFirst() : undefined
        if (!t) throw new AppError(404, 'NOT_FOUND', `There is no transfer ${transferId}.`)
        if (t.type !== 'posted' && t.type !== 'post') throw validationFailed({ transfer: 'Only a posted transfer can be given back; void a pending one instead.' })
        const back = await trx.selectFrom('ledger_transfers').select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('n')).where('reverses_id', '=', t.id).executeTakeFirstOrThrow()
        const left = t.amount - Number(back.n)
        const amount = input.amount ?? left
        if (amount < 1 || amount > left) throw new AppError(422, 'REVERSAL_TOO_LARGE', left === 0 ? 'The transfer was already given back in full.' : `At most ${left} of the transfer is left to give back.`, { left })
        return apply(trx, { key, meta, input: { key, debit: t.credit_account_id, credit: t.debit_account_id, amount, meta: input.meta } }, t.id)
      })
    },
    expirePending: async () => {
      const now = clock().toISOString()
      const due = await db
        .selectFrom('ledger_transfers as p')
        .select('p.id')
        .where('p.type', '=', 'pending')
        .where('p.timeout_at', '<=', now)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('ledger_transfers as r').select('r.id').whereRef('r.pending_id', '=', 'p.id'))))
        .orderBy('p.timeout_at')
        .limit(1000)
        .execute()
      let n = 0
      for (const { id } of due) {
        try {
          await resolvePending('void', id, { key: `ledger:expired:${id}`, meta: { reason: 'timeout' } })
          n++
        } catch (err) {
          // Posted or voided by someone else since the list was read: nothing to expire.
          if (!(err instanceof AppError && err.code === 'PENDING_RESOLVED')) throw err
        }
      }
      return n
    },
    get: async (id) => {
      const row = await db.selectFrom('ledger_transfers').selectAll().where('id', '=', id).executeTakeFirst()
      return row ? transferView(row) : null
    },
    byKey: async (key) => {
      const row = await db.selectFrom('ledger_transfers').selectAll().where('key', '=', key).executeTakeFirst()
      return row ? transferView(row) : null
    },
    history,
    verify: () => verifyLedger(db),
    exportCsv: (write) => exportLedgerCsv(db, write),
  }
}

/** The checks of `hearth ledger verify`, each as SQL over the whole ledger. */
export async function verifyLedger(db: Kysely<Database>): Promise<VerifyReport> {
  const problems: string[] = []
  const counts = await sql<{ accounts: number; transfers: number }>`select (select count(*) from ledger_accounts) as accounts, (select count(*) from ledger_transfers) as transfers`.execute(db)
  const { accounts, transfers } = counts.rows[0]!
  const bad = await sql<{ id: number; why: string }>`
    select t.id, case
      when t.debit_account_id = t.credit_account_id then 'debits and credits the same account'
      when t.amount <= 0 then 'has an amount below 1'
      when d.id is null or c.id is null then 'names an account that does not exist'
      when d.unit <> t.unit or c.unit <> t.unit then 'moves between accounts of another unit'
      when t.type in ('post', 'void') and (p.id is null or p.type <> 'pending' or p.debit_account_id <> t.debit_account_id or p.credit_account_id <> t.credit_account_id or p.amount <> t.amount) then 'does not match the pending transfer it resolves'
    end as why
    from ledger_transfers t
    left join ledger_accounts d on d.id = t.debit_account_id
    left join ledger_accounts c on c.id = t.credit_account_id
    left join ledger_transfers p on p.id = t.pending_id
    where why is not null
    limit 50`.execute(db)
  for (const r of bad.rows) problems.push(`Transfer ${r.id} ${r.why}.`)
  const sums = await sql<{ id: number; key: string; may_go_negative: number; dp: number; cp: number; dq: number; cq: number; sdp: number; scp: number; sdq: number; scq: number }>`
    with open as (select * from ledger_transfers t where t.type = 'pending' and not exists (select 1 from ledger_transfers r where r.pending_id = t.id)),
    moves as (
      select debit_account_id as account, amount as dp, 0 as cp, 0 as dq, 0 as cq from ledger_transfers where type in ('posted', 'post')
      union all select credit_account_id, 0, amount, 0, 0 from ledger_transfers where type in ('posted', 'post')
      union all select debit_account_id, 0, 0, amount, 0 from open
      union all select credit_account_id, 0, 0, 0, amount from open
    ),
    totals as (select account, sum(dp) as dp, sum(cp) as cp, sum(dq) as dq, sum(cq) as cq from moves group by account)
    select a.id, a.key, a.may_go_negative, a.debits_posted as sdp, a.credits_posted as scp, a.debits_pending as sdq, a.credits_pending as scq,
      coalesce(t.dp, 0) as dp, coalesce(t.cp, 0) as cp, coalesce(t.dq, 0) as dq, coalesce(t.cq, 0) as cq
    from ledger_accounts a left join totals t on t.account = a.id`.execute(db)
  for (const a of sums.rows) {
    if (a.sdp !== a.dp || a.scp !== a.cp || a.sdq !== a.dq || a.scq !== a.cq) {
      problems.push(`Account ${a.id} (${a.key}) stores debits ${a.sdp}, credits ${a.scp}, pending ${a.sdq}/${a.scq}, but its transfers sum to ${a.dp}, ${a.cp}, ${a.dq}/${a.cq}.`)
    }
    if (!a.may_go_negative && a.cp - a.dp - a.dq < 0) problems.push(`Account ${a.id} (${a.key}) may not go negative and is at ${a.cp - a.dp - a.dq}.`)
  }
  const units = await sql<{ unit: string; posted: number; pending: number }>`
    select unit, sum(credits_posted - debits_posted) as posted, sum(credits_pending - debits_pending) as pending from ledger_accounts group by unit having posted <> 0 or pending <> 0`.execute(db)
  for (const u of units.rows) problems.push(`The ${u.unit} accounts sum to ${u.posted} posted and ${u.pending} pending instead of zero.`)
  return { ok: problems.length === 0, accounts, transfers, problems }
}

/** A CSV field: quoted when it must be, and text that a spreadsheet would run as a formula made inert. */
export function csvField(value: string | number | null): string {
  if (value === null) return ''
  let s = String(value)
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export const CSV_COLUMNS = ['id', 'created_at', 'key', 'type', 'debit_account', 'credit_account', 'amount', 'unit', 'pending_id', 'reverses_id', 'timeout_at', 'meta'] as const

export async function exportLedgerCsv(db: Kysely<Database>, write: (chunk: string) => void | Promise<void>): Promise<number> {
  await write(CSV_COLUMNS.join(',') + '\n')
  let after = 0
  let n = 0
  for (;;) {
    const rows = await db
      .selectFrom('ledger_transfers as t')
      .innerJoin('ledger_accounts as d', 'd.id', 't.debit_account_id')
      .innerJoin('ledger_accounts as c', 'c.id', 't.credit_account_id')
      .select(['t.id', 't.created_at', 't.key', 't.type', 'd.key as debit', 'c.key as credit', 't.amount', 't.unit', 't.pending_id', 't.reverses_id', 't.timeout_at', 't.meta'])
      .where('t.id', '>', after)
      .orderBy('t.id')
      .limit(1000)
      .execute()
    if (rows.length === 0) return n
    let chunk = ''
    for (const r of rows) chunk += [r.id, r.created_at, r.key, r.type, r.debit, r.credit, r.amount, r.unit, r.pending_id, r.reverses_id, r.timeout_at, r.meta].map(csvField).join(',') + '\n'
    await write(chunk)
    n += rows.length
    after = rows[rows.length - 1]!.id
  }
}
