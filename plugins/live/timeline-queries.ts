// Queries of the stream timeline, its segments, replays and moderators; each takes the database first. Chat lines
// stay in `live_chat` (queries.ts) with their stamp; the other events are rows of `live_timeline`.
import type { Kysely } from 'kysely'
import { activeMember, blockedWith, displayNameOf, type PluginDb as Db } from '../../core/plugins/api.js'
import type { Segment } from './delay.js'
import { watchableBy, type ChatLine } from './queries.js'
import type { LiveTables, ReplayStatus } from './tables.js'

type CoreTables = Db extends Kysely<infer D> ? D : never
const own = (db: Db): Kysely<CoreTables & LiveTables> => db.withTables<LiveTables>()

// ---- Timeline events (hearts, pins, gifts from other plugins later)

export async function addEvent(db: Db, e: { stream_id: number; user_id: number; kind: string; at_ms: number; data?: unknown }): Promise<number> {
  const row = await own(db)
    .insertInto('live_timeline')
    .values({ stream_id: e.stream_id, user_id: e.user_id, kind: e.kind, at_ms: e.at_ms, data: JSON.stringify(e.data ?? {}) })
    .returning('id')
    .executeTakeFirstOrThrow()
  return row.id
}

export interface EventRow {
  id: number
  user_id: number
  username: string
  display_name: string
  kind: string
  at_ms: number
  data: string
}

/** A stream's events stamped by `horizonMs` (all when null), without those of members blocked either way with the viewer or suspended. */
function visibleEvents(db: Db, streamId: number, viewerId: number | null, horizonMs: number | null) {
  let q = own(db)
    .selectFrom('live_timeline')
    .innerJoin('users', 'users.id', 'live_timeline.user_id')
    .select(['live_timeline.id', 'live_timeline.user_id', 'users.username', displayNameOf('users').as('display_name'), 'live_timeline.kind', 'live_timeline.at_ms', 'live_timeline.data'])
    .where('live_timeline.stream_id', '=', streamId)
    .where(activeMember('live_timeline.user_id'))
  if (viewerId !== null) q = q.where((eb) => eb.not(blockedWith(viewerId, 'live_timeline.user_id')))
  if (horizonMs !== null) q = q.where('live_timeline.at_ms', '<=', horizonMs)
  return q
}

/** A stream's first `limit` events up to `horizonMs` (all when null) the viewer may see, oldest first (a replay). */
export function eventsOf(db: Db, streamId: number, viewerId: number | null, horizonMs: number | null, limit: number): Promise<EventRow[]> {
  return visibleEvents(db, streamId, viewerId, horizonMs).orderBy('live_timeline.at_ms').orderBy('live_timeline.id').limit(limit).execute() as Promise<EventRow[]>
}

/** The kinds of other plugins' events the chat draws as a line of its own (timeline-views.tsx). */
export const CHAT_EVENT_KINDS = ['gift'] as const

/** The newest `limit` events the chat draws (gifts) stamped by `horizonMs`, that the viewer may see, oldest first. */
export async function chatEventsOf(db: Db, streamId: number, viewerId: number | null, horizonMs: number | null, limit: number): Promise<EventRow[]> {
  const rows = await visibleEvents(db, streamId, viewerId, horizonMs)
    .where('live_timeline.kind', 'in', CHAT_EVENT_KINDS)
    .orderBy('live_timeline.at_ms', 'desc')
    .orderBy('live_timeline.id', 'desc')
    .limit(limit)
    .execute()
  return (rows as EventRow[]).reverse()
}

/** What a gift on a stream's timeline carries (coins' hook, as plugin.ts stores it). */
export interface GiftData {
  gift: string
  price: number
  note: string
  /** The gift's icon (core's icon set), drawn when it has no picture. */
  icon: string
  /** The gift's picture (public media), if it has one. */
  media_id: number | null
}

/** A gift in the chat: the history, the live `moment` event and the replay carry the same fields. */
export interface GiftEvent {
  id: number
  user_id: number
  username: string
  display_name: string
  at_ms: number
  data: GiftData
  /** The picture's URL when `data.media_id` is ready (looked up as the chat is drawn); else the icon shows. */
  picture_url: string | null
}

/** One entry of a stream's chat history: a line, or a gift in its place on the timeline. */
export type ChatEntry = ({ kind: 'chat' } & ChatLine) | ({ kind: 'gift' } & GiftEvent)

/** A gift's data as stored (rows written before the icon was kept have none: the gift icon). */
export function giftData(raw: Record<string, unknown>): GiftData {
  const media = Number(raw.media_id)
  return {
    gift: String(raw.gift ?? 'a gift'),
    price: Number(raw.price) || 0,
    note: typeof raw.note === 'string' ? raw.note : '',
    icon: typeof raw.icon === 'string' && raw.icon ? raw.icon : 'gift',
    media_id: Number.isSafeInteger(media) && media > 0 ? media : null,
  }
}

/** A stored gift event, its picture's URL from `pictures` (media id → URL of those ready). */
export const giftOf = (e: EventRow, pictures: ReadonlyMap<number, string>): GiftEvent => {
  const data = giftData(JSON.parse(e.data) as Record<string, unknown>)
  return { id: e.id, user_id: e.user_id, username: e.username, display_name: e.display_name, at_ms: e.at_ms, data, picture_url: data.media_id === null ? null : (pictures.get(data.media_id) ?? null) }
}

/** The last `limit` of chat lines and gifts together, in their order on the timeline (a line first at the same stamp). */
export function chatHistory(lines: ChatLine[], gifts: GiftEvent[], limit: number): ChatEntry[] {
  const entries: ChatEntry[] = [...lines.map((l) => ({ kind: 'chat' as const, ...l })), ...gifts.map((g) => ({ kind: 'gift' as const, ...g }))]
  entries.sort((a, b) => a.at_ms - b.at_ms || (a.kind === b.kind ? a.id - b.id : a.kind === 'chat' ? -1 : 1))
  return entries.slice(-limit)
}

/** The message pinned now (the last pin event by `horizonMs`), if any and if the viewer may see it. */
export async function pinnedOf(db: Db, streamId: number, viewerId: number | null, horizonMs: number | null): Promise<number | null> {
  let q = own(db).selectFrom('live_timeline').select('data').where('stream_id', '=', streamId).where('kind', '=', 'pin')
  if (horizonMs !== null) q = q.where('at_ms', '<=', horizonMs)
  const row = await q.orderBy('at_ms', 'desc').orderBy('id', 'desc').executeTakeFirst()
  return row ? ((JSON.parse(row.data) as { messageId: number | null }).messageId ?? null) : null
}

// ---- Segments

export async function addSegments(db: Db, streamId: number, segments: Segment[]): Promise<void> {
  if (!segments.length) return
  await own(db)
    .insertInto('live_segments')
    .values(segments.map((s) => ({ stream_id: streamId, seq: s.seq, duration: s.duration, at_ms: s.atMs, discontinuity: s.discontinuity ? 1 : 0 })))
    .onConflict((oc) => oc.columns(['stream_id', 'seq']).doNothing())
    .execute()
}

export async function segmentsOf(db: Db, streamId: number): Promise<Segment[]> {
  const rows = await own(db).selectFrom('live_segments').select(['seq', 'duration', 'at_ms', 'discontinuity']).where('stream_id', '=', streamId).orderBy('seq').execute()
  return rows.map((r) => ({ seq: r.seq, duration: r.duration, atMs: r.at_ms, discontinuity: r.discontinuity === 1 }))
}

export async function dropSegments(db: Db, streamId: number, seqs: number[]): Promise<void> {
  for (let i = 0; i < seqs.length; i += 500) await own(db).deleteFrom('live_segments').where('stream_id', '=', streamId).where('seq', 'in', seqs.slice(i, i + 500)).execute()
}

// ---- Replays

export interface ReplayRow {
  stream_id: number
  status: ReplayStatus
  duration: number
  created_at: string
  expires_at: string | null
}

export async function addReplay(db: Db, streamId: number, expiresAt: string | null): Promise<void> {
  await own(db).insertInto('live_replays').values({ stream_id: streamId, expires_at: expiresAt }).onConflict((oc) => oc.column('stream_id').doNothing()).execute()
}

export function replayOf(db: Db, streamId: number): Promise<ReplayRow | undefined> {
  return own(db).selectFrom('live_replays').selectAll().where('stream_id', '=', streamId).executeTakeFirst()
}

export async function setReplay(db: Db, streamId: number, status: ReplayStatus, duration: number): Promise<void> {
  await own(db).updateTable('live_replays').set({ status, duration }).where('stream_id', '=', streamId).execute()
}

/** Forget a replay and its segment records (the files are the caller's); false when there was none. */
export async function deleteReplay(db: Db, streamId: number): Promise<boolean> {
  const r = await own(db).deleteFrom('live_replays').where('stream_id', '=', streamId).executeTakeFirst()
  await clearSegments(db, streamId)
  return Number(r.numDeletedRows) > 0
}

/** The replays whose retention has passed, but for those a report still open is about. */
export async function expiredReplays(db: Db, now: string): Promise<number[]> {
  const rows = await own(db)
    .selectFrom('live_replays')
    .select('stream_id')
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', now)
    // Kept while a report on the stream waits for staff (reports.ts).
    .where((eb) => eb.not(eb.exists(eb.selectFrom('live_reports').select('live_reports.report_id').whereRef('live_reports.stream_id', '=', 'live_replays.stream_id').where('live_reports.open', '=', 1))))
    .execute()
  return rows.map((r) => r.stream_id)
}

/** Every stream id with a replay row (a restart keeps their folders). */
export async function replayIds(db: Db): Promise<Set<number>> {
  return new Set((await own(db).selectFrom('live_replays').select('stream_id').execute()).map((r) => r.stream_id))
}

// ---- Moderators

export async function isModerator(db: Db, streamerId: number, userId: number): Promise<boolean> {
  return !!(await own(db).selectFrom('live_moderators').select('user_id').where('streamer_id', '=', streamerId).where('user_id', '=', userId).executeTakeFirst())
}

export interface ModeratorView {
  id: number
  username: string
  display_name: string
}

export function moderatorsOf(db: Db, streamerId: number): Promise<ModeratorView[]> {
  return own(db)
    .selectFrom('live_moderators')
    .innerJoin('users', 'users.id', 'live_moderators.user_id')
    .select(['users.id', 'users.username', displayNameOf('users').as('display_name')])
    .where('live_moderators.streamer_id', '=', streamerId)
    .orderBy('users.username')
    .execute() as Promise<ModeratorView[]>
}

export async function addModerator(db: Db, streamerId: number, userId: number): Promise<void> {
  await own(db).insertInto('live_moderators').values({ streamer_id: streamerId, user_id: userId }).onConflict((oc) => oc.columns(['streamer_id', 'user_id']).doNothing()).execute()
}

export async function removeModerator(db: Db, streamerId: number, userId: number): Promise<boolean> {
  const r = await own(db).deleteFrom('live_moderators').where('streamer_id', '=', streamerId).where('user_id', '=', userId).executeTakeFirst()
  return Number(r.numDeletedRows) > 0
}

export async function setSlow(db: Db, streamId: number, seconds: number): Promise<void> {
  await own(db).updateTable('live_streams').set({ slow_seconds: seconds }).where('id', '=', streamId).execute()
}

/** Forget a stream's segment records (its files are gone). */
export async function clearSegments(db: Db, streamId: number): Promise<void> {
  await own(db).deleteFrom('live_segments').where('stream_id', '=', streamId).execute()
}

/** A streamer's replays ready to watch that the viewer may see (the stream's audience), newest first. */
export function replaysBy(db: Db, viewerId: number | null, streamerId: number, limit: number) {
  return own(db)
    .selectFrom('live_replays')
    .innerJoin('live_streams', 'live_streams.id', 'live_replays.stream_id')
    .select(['live_streams.id', 'live_streams.title', 'live_streams.created_at', 'live_replays.duration'])
    .where('live_streams.user_id', '=', streamerId)
    .where('live_replays.status', '=', 'ready')
    .where(watchableBy(viewerId))
    .orderBy('live_streams.id', 'desc')
    .limit(limit)
    .execute()
}
