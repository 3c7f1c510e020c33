// Queries of the stream timeline, its segments, replays and moderators; each takes the database first. Chat lines
// stay in `live_chat` (queries.ts) with their stamp; the other events are rows of `live_timeline`.
import type { Kysely } from 'kysely'
import { activeMember, blockedWith, displayNameOf, type PluginDb as Db } from '../../core/plugins/api.js'
import type { Segment } from './delay.js'
import { watchableBy } from './queries.js'
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

/** A stream's events up to `horizonMs` (all when null), without those of members blocked either way with the viewer or suspended. */
export function eventsOf(db: Db, streamId: number, viewerId: number | null, horizonMs: number | null, limit: number): Promise<EventRow[]> {
  let q = own(db)
    .selectFrom('live_timeline')
    .innerJoin('users', 'users.id', 'live_timeline.user_id')
    .select(['live_timeline.id', 'live_timeline.user_id', 'users.username', displayNameOf('users').as('display_name'), 'live_timeline.kind', 'live_timeline.at_ms', 'live_timeline.data'])
    .where('live_timeline.stream_id', '=', streamId)
    .where(activeMember('live_timeline.user_id'))
  if (viewerId !== null) q = q.where((eb) => eb.not(blockedWith(viewerId, 'live_timeline.user_id')))
  if (horizonMs !== null) q = q.where('live_timeline.at_ms', '<=', horizonMs)
  return q.orderBy('live_timeline.at_ms').orderBy('live_timeline.id').limit(limit).execute() as Promise<EventRow[]>
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
