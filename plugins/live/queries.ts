// Queries of the live plugin; each takes the database first. `watchableBy` is the one audience rule, used by every
// path that shows a stream or its parts (pages, API, playlist and segments, chat and its topic, the list, notifications).
import { type ExpressionBuilder, type Kysely } from 'kysely'
import { activeMember, blockedWith, displayNameOf, queryShapes, type PluginDb as Db } from '../../core/plugins/api.js'
import type { ChatMode, LiveAudience, LiveTables, StreamRow, StreamSource } from './tables.js'

type CoreTables = Db extends Kysely<infer D> ? D : never
type Tables = CoreTables & LiveTables
const own = (db: Db): Kysely<Tables> => db.withTables<LiveTables>()

/**
 * The condition "the viewer may watch this row of `live_streams`":
 * - the streamer always;
 * - others need an active (not suspended) streamer, no block either way, and to be in the audience: public
 *   (anyone who may see the streamer's posts: everyone for a public account, followers for a private one) or
 *   followers;
 * - guests: public streams of public accounts.
 * Ended streams pass too; callers that want live ones add `status = 'live'`. Scheduled events (`live_events`, with
 * the same `user_id` and `audience` columns) follow the same rule: pass the table.
 * @example own(db).selectFrom('live_streams').selectAll().where(watchableBy(viewerId)).where('id', '=', id)
 */
export function watchableBy(viewerId: number | null, table: 'live_streams' | 'live_events' = 'live_streams') {
  // Both tables name the columns alike; the references are typed as the streams' (the SQL is the same).
  const col = <C extends 'user_id' | 'audience'>(c: C) => `${table}.${c}` as `live_streams.${C}`
  return (eb: ExpressionBuilder<Tables, 'live_streams'>) => {
    const publicStreamer = eb.exists(
      eb.selectFrom('users as streamer').select('streamer.id').whereRef('streamer.id', '=', col('user_id')).where('streamer.suspended_at', 'is', null).where('streamer.is_private', '=', 0),
    )
    if (viewerId === null) return eb.and([eb(col('audience'), '=', 'public'), publicStreamer])
    const follows = eb.exists(
      eb.selectFrom('follows').select('follows.follower_id').where('follows.follower_id', '=', viewerId).whereRef('follows.followee_id', '=', col('user_id')),
    )
    return eb.or([
      eb(col('user_id'), '=', viewerId),
      eb.and([
        activeMember(col('user_id')),
        eb.not(blockedWith(viewerId, col('user_id'))),
        eb.or([eb.and([eb(col('audience'), '=', 'public'), eb.or([publicStreamer, follows])]), eb.and([eb(col('audience'), '=', 'followers'), follows])]),
      ]),
    ])
  }
}

/** A stream with its streamer's names, as pages and the API show it. */
export interface StreamView extends StreamRow {
  username: string
  display_name: string
}

const withStreamer = (db: Db) =>
  own(db)
    .selectFrom('live_streams')
    .innerJoin('users', 'users.id', 'live_streams.user_id')
    .selectAll('live_streams')
    .select(['users.username', displayNameOf('users').as('display_name')])

/** A stream the viewer may watch (live or ended), or undefined: missing and hidden look the same. */
export function streamFor(db: Db, viewerId: number | null, id: number): Promise<StreamView | undefined> {
  return withStreamer(db).where(watchableBy(viewerId)).where('live_streams.id', '=', id).executeTakeFirst() as Promise<StreamView | undefined>
}

/** A stream whatever the viewer, with its streamer's names (staff's pages). */
export function streamWithStreamer(db: Db, id: number): Promise<StreamView | undefined> {
  return withStreamer(db).where('live_streams.id', '=', id).executeTakeFirst() as Promise<StreamView | undefined>
}

const shapesOf = new WeakMap<Db, ReturnType<typeof queryShapes>>()

/**
 * Whether the viewer may load a live stream's playlist and segments now: the same rule as `streamFor`, built once per
 * shape (every HLS request asks it; a thousand viewers ask it a thousand times a second).
 */
export async function watchableLive(db: Db, viewerId: number | null, id: number): Promise<boolean> {
  let shapes = shapesOf.get(db)
  if (!shapes) shapesOf.set(db, (shapes = queryShapes(db)))
  const rows = await shapes.all(
    viewerId === null ? 'hls-guest' : 'hls-member',
    (slot) =>
      own(db)
        .selectFrom('live_streams')
        .select('live_streams.id')
        .where(watchableBy(viewerId === null ? null : slot<number>('viewer')))
        .where('live_streams.id', '=', slot<number>('id'))
        .where('live_streams.status', '=', 'live'),
    { viewer: viewerId, id },
  )
  return rows.length > 0
}

/** A stream whatever the viewer (for the streamer's own checks and the ingest). */
export function streamById(db: Db, id: number): Promise<StreamRow | undefined> {
  return own(db).selectFrom('live_streams').selectAll().where('id', '=', id).executeTakeFirst()
}

/** What the live directory narrows or favours: one category, and the viewer's interests (category ids). */
export interface ListOptions {
  categoryId?: number | null
  interestIds?: readonly number[]
}

/**
 * The streams live now that the viewer may watch (the category filter narrows the same rule, never widens it):
 * others' streams in the viewer's interests first, then people they follow, then newest first.
 */
export function liveStreams(db: Db, viewerId: number | null, limit: number, options: ListOptions = {}): Promise<StreamView[]> {
  let q = withStreamer(db).where(watchableBy(viewerId)).where('live_streams.status', '=', 'live')
  if (options.categoryId) q = q.where('live_streams.category_id', '=', options.categoryId)
  if (viewerId !== null && options.interestIds?.length) {
    const ids = options.interestIds
    // `is not null` first, so a stream without a category is 0 here, not null (which would sort after the rest).
    q = q.orderBy((eb) => eb.and([eb('live_streams.category_id', 'is not', null), eb('live_streams.category_id', 'in', ids), eb('live_streams.user_id', '!=', viewerId)]), 'desc')
  }
  if (viewerId !== null) {
    q = q.orderBy((eb) => eb.exists(eb.selectFrom('follows').select('follows.follower_id').where('follows.follower_id', '=', viewerId).whereRef('follows.followee_id', '=', 'live_streams.user_id')), 'desc')
  }
  return q.orderBy('live_streams.id', 'desc').limit(limit).execute() as Promise<StreamView[]>
}

/** The ids of the streams live since before `at` (an ISO instant): those past the longest allowed. */
export async function liveSince(db: Db, at: string): Promise<number[]> {
  const rows = await own(db).selectFrom('live_streams').select('id').where('status', '=', 'live').where('created_at', '<', at).execute()
  return rows.map((r) => r.id)
}

/** The member's stream that is live now, if any. */
export function liveStreamOf(db: Db, userId: number): Promise<StreamRow | undefined> {
  return own(db).selectFrom('live_streams').selectAll().where('user_id', '=', userId).where('status', '=', 'live').executeTakeFirst()
}

export interface NewStream {
  user_id: number
  title: string
  audience: LiveAudience
  chat: ChatMode
  save_replay: boolean
  delay_seconds?: number
  source?: StreamSource
  category_id?: number | null
}

export async function createStream(db: Db, s: NewStream): Promise<StreamRow> {
  return own(db)
    .insertInto('live_streams')
    .values({ user_id: s.user_id, title: s.title, audience: s.audience, chat: s.chat, save_replay: s.save_replay ? 1 : 0, delay_seconds: s.delay_seconds ?? 0, source: s.source ?? 'browser', category_id: s.category_id ?? null })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Mark a stream ended; false when it already was. */
export async function markEnded(db: Db, id: number): Promise<boolean> {
  const r = await own(db).updateTable('live_streams').set({ status: 'ended', ended_at: new Date().toISOString() }).where('id', '=', id).where('status', '=', 'live').executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

/** End every stream still marked live (after a restart, no ingest survives); answers their ids. */
export async function endAllLive(db: Db): Promise<number[]> {
  const rows = await own(db).updateTable('live_streams').set({ status: 'ended', ended_at: new Date().toISOString() }).where('status', '=', 'live').returning('id').execute()
  return rows.map((r) => r.id)
}

export async function setCategory(db: Db, id: number, categoryId: number | null): Promise<void> {
  await own(db).updateTable('live_streams').set({ category_id: categoryId }).where('id', '=', id).execute()
}

export async function setChatMode(db: Db, id: number, chat: ChatMode): Promise<void> {
  await own(db).updateTable('live_streams').set({ chat }).where('id', '=', id).execute()
}

/** The ids of the members following `userId` (the ones told when they go live). */
export async function followerIds(db: Db, userId: number): Promise<number[]> {
  const rows = await db.selectFrom('follows').select('follower_id').where('followee_id', '=', userId).execute()
  return rows.map((r) => r.follower_id)
}

export async function isFollowing(db: Db, followerId: number, followeeId: number): Promise<boolean> {
  return !!(await db.selectFrom('follows').select('follower_id').where('follower_id', '=', followerId).where('followee_id', '=', followeeId).executeTakeFirst())
}

// ---- Chat

export interface ChatLine {
  id: number
  user_id: number
  username: string
  display_name: string
  text: string
  created_at: string
  /** Its stamp on the stream's timeline (milliseconds after the start; timeline.ts). */
  at_ms: number
}

export async function addChat(db: Db, streamId: number, userId: number, text: string, atMs = 0): Promise<ChatLine> {
  const row = await own(db).insertInto('live_chat').values({ stream_id: streamId, user_id: userId, text, at_ms: atMs }).returningAll().executeTakeFirstOrThrow()
  const u = await db.selectFrom('users').select(['username', displayNameOf('users').as('display_name')]).where('id', '=', userId).executeTakeFirstOrThrow()
  return { id: row.id, user_id: userId, username: u.username, display_name: u.display_name as string, text: row.text, created_at: row.created_at, at_ms: row.at_ms }
}

/** A stream's messages the viewer may see: not deleted, by active members, none blocked either way with the viewer. */
function visibleChat(db: Db, streamId: number, viewerId: number | null) {
  const q = own(db)
    .selectFrom('live_chat')
    .innerJoin('users', 'users.id', 'live_chat.user_id')
    .select(['live_chat.id', 'live_chat.user_id', 'users.username', displayNameOf('users').as('display_name'), 'live_chat.text', 'live_chat.created_at', 'live_chat.at_ms'])
    .where('live_chat.stream_id', '=', streamId)
    .where('live_chat.deleted_at', 'is', null)
    .where(activeMember('live_chat.user_id'))
  return viewerId === null ? q : q.where((eb) => eb.not(blockedWith(viewerId, 'live_chat.user_id')))
}

/**
 * The newest `limit` messages of a stream (before `beforeId`, or after `afterId` when given; stamped by `horizonMs`, for a viewer behind the
 * delay), oldest first, without deleted ones or those of members blocked either way with the viewer. `byStamp`: the
 * newest by their stamps rather than their ids (the chat's history, merged with other events on the timeline).
 */
export async function chatOf(db: Db, streamId: number, viewerId: number | null, options: { afterId?: number; beforeId?: number; fromAtMs?: number; horizonMs?: number; limit: number; byStamp?: boolean }): Promise<ChatLine[]> {
  let q = visibleChat(db, streamId, viewerId)
  if (options.horizonMs !== undefined) q = q.where('live_chat.at_ms', '<=', options.horizonMs)
  if (options.beforeId !== undefined) q = q.where('live_chat.id', '<', options.beforeId)
  const forward = options.afterId !== undefined || options.fromAtMs !== undefined
  if (options.afterId !== undefined) q = q.where('live_chat.id', '>', options.afterId).orderBy('live_chat.id', 'asc').limit(options.limit)
  else if (options.fromAtMs !== undefined) q = q.where('live_chat.at_ms', '>=', options.fromAtMs).orderBy('live_chat.at_ms', 'asc').orderBy('live_chat.id', 'asc').limit(options.limit)
  else if (options.byStamp) q = q.orderBy('live_chat.at_ms', 'desc').orderBy('live_chat.id', 'desc').limit(options.limit)
  else q = q.orderBy('live_chat.id', 'desc').limit(options.limit)
  const rows = (await q.execute()) as ChatLine[]
  return forward ? rows : rows.reverse()
}

/** One message of a stream as the viewer may see it (not deleted, no block either way), or undefined. */
export async function chatLine(db: Db, streamId: number, messageId: number, viewerId: number | null): Promise<ChatLine | undefined> {
  return (await visibleChat(db, streamId, viewerId).where('live_chat.id', '=', messageId).executeTakeFirst()) as ChatLine | undefined
}

/** The stream a chat line was written in. */
export async function streamOfMessage(db: Db, messageId: number): Promise<number | undefined> {
  return (await own(db).selectFrom('live_chat').select('stream_id').where('id', '=', messageId).executeTakeFirst())?.stream_id
}

/** Delete a message of a stream; false when there was none to delete. */
export async function deleteChat(db: Db, streamId: number, messageId: number): Promise<boolean> {
  const r = await own(db).updateTable('live_chat').set({ deleted_at: new Date().toISOString() }).where('id', '=', messageId).where('stream_id', '=', streamId).where('deleted_at', 'is', null).executeTakeFirst()
  return Number(r.numUpdatedRows) > 0
}

/** Time out (`until` an ISO instant) or ban (`until` null) a member from a stream's chat. */
export async function banFromChat(db: Db, streamId: number, userId: number, until: string | null): Promise<void> {
  await own(db).insertInto('live_bans').values({ stream_id: streamId, user_id: userId, until }).onConflict((oc) => oc.columns(['stream_id', 'user_id']).doUpdateSet({ until })).execute()
}

/** Whether a member may not write in a stream's chat now (banned, or timed out until later than `at`). */
export async function barredFromChat(db: Db, streamId: number, userId: number, at: string): Promise<boolean> {
  const row = await own(db).selectFrom('live_bans').select('until').where('stream_id', '=', streamId).where('user_id', '=', userId).executeTakeFirst()
  return !!row && (row.until === null || row.until > at)
}
