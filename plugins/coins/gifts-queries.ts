// Queries of the gift side (catalog, sent gifts, withdrawals, who may receive); each takes the database first.
import { sql, type Insertable } from 'kysely'
import { blockedWith, canSeeAuthor, displayNameOf, queryShapes, type PluginDb as Db } from '../../core/plugins/api.js'
import type { GiftTables, WithdrawalStatus } from './gifts-tables.js'

export const own = (db: Db) => db.withTables<GiftTables>()

/**
 * Each database's shapes of the statements a gift's send runs, built and compiled once (a live stream's burst runs
 * them hundreds of times a second). `db` is the plugin's handle; a statement of the send's transaction runs on `trx`.
 */
const shapesOf = new WeakMap<Db, ReturnType<typeof queryShapes>>()
function shapes(db: Db) {
  let s = shapesOf.get(db)
  if (!s) shapesOf.set(db, (s = queryShapes(db, 16)))
  return s
}

// ---- The catalog

/** The catalog in picker order; `all` includes switched-off and retired gifts (the admin page). */
export function catalog(db: Db, options: { all?: boolean } = {}) {
  return own(db)
    .selectFrom('coins_gifts')
    .selectAll()
    .$if(!options.all, (q) => q.where('enabled', '=', 1).where('retired_at', 'is', null))
    .orderBy(sql`retired_at is not null`)
    .orderBy('position')
    .orderBy('id')
    .execute()
}

export const giftById = async (db: Db, id: number) =>
  (await shapes(db).all('gift-by-id', (slot) => own(db).selectFrom('coins_gifts').selectAll().where('id', '=', slot<number>('id')), { id }))[0]

export async function isGiftPicture(db: Db, mediaId: number): Promise<boolean> {
  return !!(await own(db).selectFrom('coins_gifts').select('id').where('media_id', '=', mediaId).limit(1).executeTakeFirst())
}

/** Who uploaded a media item (a gift's picture must be the admin's own). */
export async function mediaOwner(db: Db, mediaId: number): Promise<number | null> {
  return (await db.selectFrom('media').select('owner_id').where('id', '=', mediaId).executeTakeFirst())?.owner_id ?? null
}

// ---- Members

/** What the send rules need of a receiver: whether they are active and their account type, and core's verified badge. */
export function receiverRow(db: Db, userId: number) {
  return own(db)
    .selectFrom('users')
    .leftJoin('coins_frozen as f', 'f.user_id', 'users.id')
    .select(['users.id', 'users.username', 'users.suspended_at', 'users.account_type', 'users.created_at', 'users.verified_at as verified', 'f.user_id as frozen'])
    .where('users.id', '=', userId)
    .executeTakeFirst()
}

/** Whether staff froze a member's wallet. */
export const isFrozen = async (db: Db, userId: number) => !!(await own(db).selectFrom('coins_frozen').select('user_id').where('user_id', '=', userId).executeTakeFirst())

/**
 * A gift's sender and receiver in one query: whether each is active, the receiver's account type and verification,
 * and whether a block stands between them.
 */
export async function partiesOf(db: Db, senderId: number, receiverId: number) {
  const rows = await shapes(db).all(
    'parties',
    (slot) =>
      own(db)
        .selectFrom('users')
        .leftJoin('coins_frozen as f', 'f.user_id', 'users.id')
        .select(['users.id', 'users.username', 'users.suspended_at', 'users.account_type', 'users.created_at', 'users.verified_at as verified', 'f.user_id as frozen', blockedWith(slot<number>('sender'), 'users.id').as('blocked')])
        .where('users.id', 'in', [slot<number>('sender'), slot<number>('receiver')]),
    { sender: senderId, receiver: receiverId },
  )
  return { sender: rows.find((r) => r.id === senderId), receiver: rows.find((r) => r.id === receiverId) }
}

export const userNamed = (db: Db, username: string) =>
  db.selectFrom('users').select(['id', 'username', displayNameOf('users').as('display_name'), 'suspended_at']).where(sql`lower(username)`, '=', username.toLowerCase()).executeTakeFirst()

export const userById = (db: Db, id: number) => db.selectFrom('users').select(['id', 'username', displayNameOf('users').as('display_name')]).where('id', '=', id).executeTakeFirst()

// ---- Sent gifts

export const sendByKey = async (db: Db, senderId: number, key: string) =>
  (await shapes(db).all('send-by-key', (slot) => own(db).selectFrom('coins_gift_sends').selectAll().where('sender_id', '=', slot<number>('sender')).where('key', '=', slot<string>('key')), { sender: senderId, key }))[0]

type NewSend = Required<Omit<Insertable<GiftTables['coins_gift_sends']>, 'id' | 'notified_at'>>

/** Record a gift sent (in the send's transaction). Every column is given, so one shape serves every send. */
export async function insertSend(db: Db, row: NewSend, trx: Db) {
  const columns = Object.keys(row)
  const build = (slot: <T>(name: string) => T) => own(db).insertInto('coins_gift_sends').values(Object.fromEntries(columns.map((c) => [c, slot(c)])) as NewSend).returningAll()
  const [sent] = await shapes(db).all('insert-send', build, row, trx)
  return sent!
}

/** A receiver's gifts nobody was told of yet, oldest first, with the gifts' names. */
export const unnotified = (db: Db, receiverId: number, limit: number) =>
  own(db)
    .selectFrom('coins_gift_sends as s')
    .innerJoin('coins_gifts as g', 'g.id', 's.gift_id')
    .select(['s.id', 's.sender_id', 's.target_kind', 's.target_id', 's.target_label', 's.target_url', 's.note', 's.price', 's.share', 'g.name as gift_name'])
    .where('s.receiver_id', '=', receiverId)
    .where('s.notified_at', 'is', null)
    .orderBy('s.id')
    .limit(limit)
    .execute()

/** Receivers with gifts sent before `before` that nobody was told of (a batch job that missed them). */
export const receiversToNotify = (db: Db, before: string) =>
  own(db).selectFrom('coins_gift_sends').select('receiver_id').distinct().where('notified_at', 'is', null).where('created_at', '<', before).limit(1000).execute()

/** Coins a member gave since `since` (the daily limit); read in the send's transaction when `trx` is given. */
export async function givenSince(db: Db, senderId: number, since: string, trx: Db = db): Promise<number> {
  const [row] = await shapes(db).all(
    'given-since',
    (slot) =>
      own(db)
        .selectFrom('coins_gift_sends')
        .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('price'), eb.lit(0)).as('n'))
        .where('sender_id', '=', slot<number>('sender'))
        .where('created_at', '>=', slot<string>('since')),
    { sender: senderId, since },
    trx,
  )
  return Number(row!.n)
}

export const dueForRelease = (db: Db, now: string, limit: number) =>
  own(db).selectFrom('coins_gift_sends').select(['id', 'receiver_id', 'share']).where('released_at', 'is', null).where('release_at', '<=', now).orderBy('release_at').limit(limit).execute()

/** A creator's gifts received, newest first, with the gift's name and the sender's names. */
export function receivedPage(db: Db, receiverId: number, beforeId: number | null, limit: number) {
  return own(db)
    .selectFrom('coins_gift_sends as s')
    .innerJoin('coins_gifts as g', 'g.id', 's.gift_id')
    .innerJoin('users as u', 'u.id', 's.sender_id')
    .select(['s.id', 's.gift_id', 'g.name as gift_name', 's.sender_id', 'u.username as sender_username', displayNameOf('u').as('sender_display_name'), 's.target_kind', 's.target_id', 's.note', 's.price', 's.share', 's.commission', 's.created_at', 's.release_at', 's.released_at'])
    .where('s.receiver_id', '=', receiverId)
    .$if(beforeId !== null, (q) => q.where('s.id', '<', beforeId!))
    .orderBy('s.id', 'desc')
    .limit(limit + 1)
    .execute()
}

/** A creator's share by day (UTC) over the last `days` days. */
export function earningsByDay(db: Db, receiverId: number, since: string) {
  return own(db)
    .selectFrom('coins_gift_sends')
    .select([sql<string>`substr(created_at, 1, 10)`.as('day'), (eb) => eb.fn.sum<number>('share').as('coins'), (eb) => eb.fn.countAll<number>().as('gifts')])
    .where('receiver_id', '=', receiverId)
    .where('created_at', '>=', since)
    .groupBy('day')
    .orderBy('day', 'desc')
    .execute()
}

/** A creator's share by what gifts were sent on (post, profile, live, ...). */
export function earningsBySource(db: Db, receiverId: number) {
  return own(db)
    .selectFrom('coins_gift_sends')
    .select(['target_kind as source', (eb) => eb.fn.sum<number>('share').as('coins'), (eb) => eb.fn.countAll<number>().as('gifts')])
    .where('receiver_id', '=', receiverId)
    .groupBy('target_kind')
    .orderBy('coins', 'desc')
    .execute()
}

/**
 * The members who gave a creator (or on one target: a stream) most, by coins, as `viewerId` may see them (active, no
 * block either way).
 */
export function topSupporters(db: Db, of: { receiverId: number } | { target: { kind: string; id: number } }, viewerId: number | null, limit: number) {
  return own(db)
    .selectFrom('coins_gift_sends as s')
    .innerJoin('users as u', 'u.id', 's.sender_id')
    .select(['u.id', 'u.username', displayNameOf('u').as('display_name'), (eb) => eb.fn.sum<number>('s.price').as('coins'), (eb) => eb.fn.countAll<number>().as('gifts')])
    .$if('receiverId' in of, (q) => q.where('s.receiver_id', '=', (of as { receiverId: number }).receiverId))
    .$if('target' in of, (q) => q.where('s.target_kind', '=', (of as { target: { kind: string } }).target.kind).where('s.target_id', '=', (of as { target: { id: number } }).target.id))
    .where(canSeeAuthor(viewerId, 's.sender_id'))
    .groupBy('u.id')
    .orderBy('coins', 'desc')
    .orderBy('u.id')
    .limit(limit)
    .execute()
}

/** Coins a member gave and received, in gifts' prices (levels and badges). */
export async function totalsOf(db: Db, userId: number): Promise<{ given: number; received: number }> {
  return (await own(db).selectFrom('coins_totals').select(['given', 'received']).where('user_id', '=', userId).executeTakeFirst()) ?? { given: 0, received: 0 }
}

export const totalsOfMany = (db: Db, userIds: number[]) => own(db).selectFrom('coins_totals').selectAll().where('user_id', 'in', userIds).execute()

/** Count a gift in its sender's and receiver's totals (in the send's transaction). */
export async function addToTotals(db: Db, senderId: number, receiverId: number, price: number, trx: Db): Promise<void> {
  await shapes(db).all(
    'add-to-totals',
    (slot) =>
      own(db)
        .insertInto('coins_totals')
        .values([
          { user_id: slot<number>('sender'), given: slot<number>('price'), received: 0 },
          { user_id: slot<number>('receiver'), given: 0, received: slot<number>('price') },
        ])
        .onConflict((oc) => oc.column('user_id').doUpdateSet((eb) => ({ given: eb('coins_totals.given', '+', eb.ref('excluded.given')), received: eb('coins_totals.received', '+', eb.ref('excluded.received')) }))),
    { sender: senderId, receiver: receiverId, price },
    trx,
  )
}

// ---- Withdrawals

export const withdrawalById = (db: Db, id: number) => own(db).selectFrom('coins_withdrawals').selectAll().where('id', '=', id).executeTakeFirst()

export const withdrawalByKey = (db: Db, userId: number, key: string) => own(db).selectFrom('coins_withdrawals').selectAll().where('user_id', '=', userId).where('key', '=', key).executeTakeFirst()

export function withdrawalsOf(db: Db, userId: number, limit = 50) {
  return own(db).selectFrom('coins_withdrawals').selectAll().where('user_id', '=', userId).orderBy('id', 'desc').limit(limit).execute()
}

/** The staff queue: withdrawals in the given states, oldest first, with the creator's names. */
export function withdrawalQueue(db: Db, statuses: WithdrawalStatus[], limit = 100) {
  return own(db)
    .selectFrom('coins_withdrawals as w')
    .innerJoin('users as u', 'u.id', 'w.user_id')
    .selectAll('w')
    .select(['u.username', displayNameOf('u').as('display_name')])
    .where('w.status', 'in', statuses)
    .orderBy(statuses.includes('requested') ? 'w.id' : sql`w.id desc`)
    .limit(limit)
    .execute()
}

/** Withdrawals paid in a month (`YYYY-MM`, by when they were marked paid), oldest first: the payout report. */
export function paidInMonth(db: Db, month: string) {
  return own(db)
    .selectFrom('coins_withdrawals as w')
    .innerJoin('users as u', 'u.id', 'w.user_id')
    .select(['w.id', 'w.updated_at as paid_at', 'w.user_id', 'u.username', 'w.amount', 'w.method', 'w.reference'])
    .where('w.status', '=', 'paid')
    .where(sql<string>`substr(w.updated_at, 1, 7)`, '=', month)
    .orderBy('w.updated_at')
    .orderBy('w.id')
    .execute()
}

/** Withdrawals waiting for staff: how many, and their coins (the admin overview). */
export async function waitingWithdrawals(db: Db): Promise<{ count: number; coins: number }> {
  const row = await own(db)
    .selectFrom('coins_withdrawals')
    .select([(eb) => eb.fn.countAll<number>().as('count'), (eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('coins')])
    .where('status', 'in', ['requested', 'approved'])
    .executeTakeFirstOrThrow()
  return { count: Number(row.count), coins: Number(row.coins) }
}

export async function paidOut(db: Db, userId: number): Promise<number> {
  const row = await own(db)
    .selectFrom('coins_withdrawals')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('amount'), eb.lit(0)).as('n'))
    .where('user_id', '=', userId)
    .where('status', '=', 'paid')
    .executeTakeFirstOrThrow()
  return Number(row.n)
}

// ---- Verified receivers (core's verified members: Admin → Verification)

export function verifiedMembers(db: Db) {
  return db
    .selectFrom('users as u')
    .select(['u.id', 'u.username', displayNameOf('u').as('display_name'), 'u.verified_at as created_at'])
    .where('u.verified_at', 'is not', null)
    .where('u.deleted_at', 'is', null)
    .orderBy('u.username')
    .execute()
}
