// Scheduled live events: a stream announced for later with a title, a description and an audience; members ask to be
// reminded and are told when it starts (from its page, or when the streamer pushes with their key near its time);
// the streamer or staff cancel it. Who sees an event is the streams' rule (`watchableBy` on `live_events`).
import { z } from 'zod'
import { AppError, displayNameOf, parse, safeName, type PluginDb as Db, type Viewer } from '../../core/plugins/api.js'
import { keyOf } from './keys.js'
import type { LiveContext } from './plugin.js'
import { watchableBy } from './queries.js'
import type { LiveService } from './service.js'
import { AUDIENCES, type EventRow, type LiveTables } from './tables.js'

const own = (db: Db) => db.withTables<LiveTables>()

/** A push with the stream key starts the member's event scheduled from this long before its time… */
export const EARLY_MS = 30 * 60_000
/** …to this long after it (an event not started by then is left for its streamer to start or cancel). */
export const LATE_MS = 6 * 60 * 60_000
/** Events may be scheduled at most this far ahead. */
const AHEAD_MS = 366 * 24 * 60 * 60_000

/** The scheduling form (page and API). `starts_at`: an ISO instant, or the page's local `datetime-local` with its offset. */
export const eventInput = z.object({
  title: safeName({ label: 'Titles', min: 1, max: 100 }),
  description: z.string().trim().max(2000, { error: 'Descriptions are at most 2,000 characters.' }).default(''),
  audience: z.enum(AUDIENCES, { error: 'Choose who may watch: public or followers.' }).default('public'),
  starts_at: z
    .string({ error: 'Choose when it starts.' })
    .trim()
    .min(1, { error: 'Choose when it starts.' })
    .transform((v, c) => {
      const t = Date.parse(v)
      if (!Number.isFinite(t)) {
        c.addIssue({ code: 'custom', message: 'Choose a date and time.' })
        return z.NEVER
      }
      return new Date(t).toISOString()
    }),
})
export type EventInput = z.output<typeof eventInput>

/** An event with its streamer's names and the reminders asked for it. */
export interface EventView extends EventRow {
  username: string
  display_name: string
  reminders: number
}

function withStreamer(db: Db) {
  return own(db)
    .selectFrom('live_events')
    .innerJoin('users', 'users.id', 'live_events.user_id')
    .selectAll('live_events')
    .select((eb) => [
      'users.username',
      displayNameOf('users').as('display_name'),
      eb.selectFrom('live_event_reminders').select((e) => e.fn.countAll<number>().as('n')).whereRef('live_event_reminders.event_id', '=', 'live_events.id').as('reminders'),
    ])
}

/** An event the viewer may see, or undefined (hidden and missing look the same). */
export function eventFor(db: Db, viewerId: number | null, id: number): Promise<EventView | undefined> {
  return withStreamer(db)
    .where((eb) => watchableBy(viewerId, 'live_events')(eb as never))
    .where('live_events.id', '=', id)
    .executeTakeFirst() as Promise<EventView | undefined>
}

/** Scheduled events the viewer may see, soonest first (those whose time passed less than `LATE_MS` ago included). */
export function upcoming(db: Db, viewerId: number | null, limit: number, at = Date.now()): Promise<EventView[]> {
  return withStreamer(db)
    .where((eb) => watchableBy(viewerId, 'live_events')(eb as never))
    .where('live_events.status', '=', 'scheduled')
    .where('live_events.starts_at', '>', new Date(at - LATE_MS).toISOString())
    .orderBy('live_events.starts_at', 'asc')
    .limit(limit)
    .execute() as Promise<EventView[]>
}

/** The ids of the members who asked to be reminded of the event whose stream this is. */
export async function remindedOfStream(db: Db, streamId: number): Promise<number[]> {
  const rows = await own(db)
    .selectFrom('live_event_reminders')
    .innerJoin('live_events', 'live_events.id', 'live_event_reminders.event_id')
    .select('live_event_reminders.user_id')
    .where('live_events.stream_id', '=', streamId)
    .execute()
  return rows.map((r) => r.user_id)
}

export async function hasReminder(db: Db, eventId: number, userId: number): Promise<boolean> {
  return !!(await own(db).selectFrom('live_event_reminders').select('user_id').where('event_id', '=', eventId).where('user_id', '=', userId).executeTakeFirst())
}

export type EventsService = ReturnType<typeof eventsService>

export function eventsService(ctx: LiveContext, live: LiveService) {
  const db = ctx.db
  const notFound = () => new AppError(404, 'NOT_FOUND', 'That event does not exist.')

  async function find(viewerId: number | null, id: number): Promise<EventView> {
    const e = await eventFor(db, viewerId, id)
    if (!e) throw notFound()
    return e
  }

  /** The event, for its streamer (or staff, `staff: true`); NOT_FOUND for others, as for a missing one. */
  async function mine(actor: Viewer, id: number, staff = false): Promise<EventView> {
    const e = await find(actor.id, id)
    if (e.user_id !== actor.id && !(staff && actor.role !== 'member')) throw notFound()
    return e
  }

  /** Reminders go to those who may still see the event (a block or an unfollow since drops them). */
  async function tell(eventId: number, type: 'event_started' | 'event_cancelled') {
    const e = await own(db).selectFrom('live_events').selectAll().where('id', '=', eventId).executeTakeFirst()
    if (!e) return
    const rows = await own(db).selectFrom('live_event_reminders').select('user_id').where('event_id', '=', eventId).execute()
    for (const { user_id } of rows) {
      if (!(await eventFor(db, user_id, eventId))) continue
      await ctx.core.notifications.notify({ userId: user_id, type, actorId: e.user_id, data: { eventId, streamId: e.stream_id, title: e.title } })
    }
  }

  /** Start the event's stream: the event is live with it, and its reminders go out, in the stream's transaction. */
  async function begin(viewer: Viewer, e: EventRow, source: 'browser' | 'rtmp') {
    const settings = (await keyOf(db, viewer.id))?.settings
    return live.create(
      viewer,
      { title: e.title, audience: e.audience, chat: settings?.chat ?? 'on', save_replay: settings?.save_replay ?? false },
      {
        source,
        within: async (trx, streamId) => {
          const r = await own(trx).updateTable('live_events').set({ status: 'live', stream_id: streamId }).where('id', '=', e.id).where('status', '=', 'scheduled').executeTakeFirst()
          if (!Number(r.numUpdatedRows)) throw new AppError(409, 'CONFLICT', 'This event has started or was cancelled.')
          await ctx.jobs.enqueue('event-started', { eventId: e.id }, { db: trx })
        },
      },
    )
  }

  // The event follows its stream to the end.
  live.onEnded(async (streamId) => {
    await own(db).updateTable('live_events').set({ status: 'ended' }).where('stream_id', '=', streamId).where('status', '=', 'live').execute()
  })

  return {
    find,
    tell,
    upcoming: (viewerId: number | null, limit: number) => upcoming(db, viewerId, limit),

    async schedule(viewer: Viewer, raw: unknown): Promise<EventView> {
      const input = parse(eventInput, raw)
      const at = Date.parse(input.starts_at)
      if (at < Date.now() - 60_000) throw new AppError(400, 'VALIDATION_FAILED', 'Choose a time that has not passed.', { fields: { starts_at: 'Choose a time that has not passed.' } })
      if (at > Date.now() + AHEAD_MS) throw new AppError(400, 'VALIDATION_FAILED', 'Schedule at most a year ahead.', { fields: { starts_at: 'Schedule at most a year ahead.' } })
      await live.mayGoLive(viewer, false)
      const row = await own(db).insertInto('live_events').values({ user_id: viewer.id, title: input.title, description: input.description, audience: input.audience, starts_at: input.starts_at }).returning('id').executeTakeFirstOrThrow()
      ctx.log.info({ event: row.id, user: viewer.username }, 'live: event scheduled')
      return find(viewer.id, row.id)
    },

    /** Ask (or stop asking) to be told when the event starts. */
    async remind(viewer: Viewer, id: number, on: boolean): Promise<boolean> {
      const e = await find(viewer.id, id)
      if (on && e.status !== 'scheduled') throw new AppError(409, 'CONFLICT', e.status === 'cancelled' ? 'This event was cancelled.' : 'This event has started already.')
      if (on) await own(db).insertInto('live_event_reminders').values({ event_id: id, user_id: viewer.id }).onConflict((oc) => oc.doNothing()).execute()
      else await own(db).deleteFrom('live_event_reminders').where('event_id', '=', id).where('user_id', '=', viewer.id).execute()
      return on
    },

    hasReminder: (userId: number, id: number) => hasReminder(db, id, userId),

    /** The streamer starts the event from its page (the browser studio follows). */
    async start(viewer: Viewer, id: number) {
      const e = await mine(viewer, id)
      if (e.status !== 'scheduled') throw new AppError(409, 'CONFLICT', 'This event has started or was cancelled.')
      return begin(viewer, e, 'browser')
    },

    /** A push with the member's key near one of their events' time starts that event; null when none is due. */
    async startDue(viewer: Viewer, at = Date.now()) {
      const e = await own(db)
        .selectFrom('live_events')
        .selectAll()
        .where('user_id', '=', viewer.id)
        .where('status', '=', 'scheduled')
        .where('starts_at', '>=', new Date(at - LATE_MS).toISOString())
        .where('starts_at', '<=', new Date(at + EARLY_MS).toISOString())
        .orderBy('starts_at', 'asc')
        .executeTakeFirst()
      return e ? begin(viewer, e, 'rtmp') : null
    },

    async cancel(actor: Viewer, id: number): Promise<void> {
      const e = await mine(actor, id, true)
      if (e.status !== 'scheduled') throw new AppError(409, 'CONFLICT', 'Only an event that has not started can be cancelled.')
      await db.transaction().execute(async (trx) => {
        await own(trx).updateTable('live_events').set({ status: 'cancelled' }).where('id', '=', id).execute()
        await ctx.jobs.enqueue('event-cancelled', { eventId: id }, { db: trx })
      })
    },
  }
}
