// Reports on live streams, replays and chat lines: what the reporter was seeing, captured into the report's snapshot
// (the stream, who streams it, the chat lines around the moment, a frame of the picture they had reached) and filed
// into core's one moderation queue. Staff open the stream or its replay from the report whatever its audience (the
// staff page writes each look at a stream they could not otherwise watch to the audit log); "remove" ends the stream
// and drops its replay, deletes the replay, or deletes the chat line.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { AppError, REPORT_REASONS, type Viewer } from '../../core/plugins/api.js'
import { frameOf } from './frames.js'
import type { LiveContext } from './plugin.js'
import * as q from './queries.js'
import type { LiveService } from './service.js'
import type { LiveTables } from './tables.js'
import * as tq from './timeline-queries.js'

/** Chat lines captured on each side of a reported one (twice this many before the moment of a stream or replay). */
export const AROUND = 5
/** Reports one member may file on streams in ten minutes (each may run ffmpeg once for its frame). */
const REPORT_LIMIT = { limit: 10, windowSeconds: 600 }

export const liveReportInput = z.object({
  reason: z.enum(REPORT_REASONS, { error: `Choose a reason: ${REPORT_REASONS.join(', ')}.` }),
  note: z.string().trim().max(1000, { error: 'Notes are at most 1000 characters.' }).optional().default(''),
  /** Where the reporter was in a replay, in seconds (the replay's page sends it). */
  t: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number({ error: 't is a number of seconds.' }).min(0).max(604_800).optional()),
})
export type LiveReportInput = z.output<typeof liveReportInput>

/** The types this plugin files: a stream live when reported, its replay, and one chat line (about its writer). */
export type LiveReportType = 'live.stream' | 'live.replay' | 'live.message'

/** One captured chat line, as core's report page shows a transcript. */
interface Captured {
  id: number
  at: string
  from: string
  from_id: number
  text: string
  reported: boolean
}

/** Where staff look at a stream or its replay from a report (staff.tsx). */
export const staffStreamHref = (id: number) => `/live/staff/streams/${id}`
export const frameHref = (name: string) => `/live/staff/reports/frames/${name}`
export const FRAME_NAME = /^[0-9a-f]{32}\.jpg$/

export type LiveReports = ReturnType<typeof liveReports>

export function liveReports(ctx: LiveContext, live: LiveService) {
  const db = ctx.db
  const own = () => db.withTables<LiveTables>()
  const dir = join(ctx.dataDir, 'reports')
  const capture = (lines: q.ChatLine[], reported?: number): Captured[] =>
    lines.map((l) => ({ id: l.id, at: l.created_at, from: `${l.display_name} (@${l.username})`, from_id: l.user_id, text: l.text, reported: l.id === reported }))

  /** The picture the reporter had reached: the newest segment of their own playlist (behind the delay: their horizon). */
  async function liveFrame(viewer: Viewer, id: number): Promise<Buffer | null> {
    const list = await live.playlist(viewer, id)
    const newest = list ? [...list.matchAll(/^(seg\d+\.ts)$/gm)].pop()?.[1] : undefined
    const ts = newest ? await live.segment(viewer, id, newest) : null
    return ts ? frameOf(ctx, ts, 640) : null
  }

  /** A replay's picture at `t` seconds (its poster without one). */
  async function replayFrame(viewer: Viewer, s: q.StreamView, t: number | undefined): Promise<Buffer | null> {
    if (t === undefined) return live.replays.poster(viewer.id, s.id).catch(() => null)
    let start = 0
    const segments = await tq.segmentsOf(db, s.id)
    const at = segments.find((seg) => (start += seg.duration) > t) ?? segments.at(-1)
    const ts = at ? await live.replays.segment(s, `seg${at.seq}.ts`) : null
    return ts ? frameOf(ctx, ts, 640) : null
  }

  /** The replay's chat lines nearest to `t` (the last ones without it), in order. */
  async function replayLines(viewer: Viewer, id: number, t: number | undefined): Promise<q.ChatLine[]> {
    const chat = (await live.replays.timeline(viewer.id, id)).events.flatMap((e) => (e.kind === 'chat' && 'line' in e && e.line ? [{ t: e.t, line: e.line }] : []))
    if (t === undefined) return chat.slice(-AROUND * 2).map((e) => e.line)
    const nearest = chat.map((e, i) => ({ i, d: Math.abs(e.t - t) })).sort((a, b) => a.d - b.d).slice(0, AROUND * 2).map((e) => e.i)
    return nearest.sort((a, b) => a - b).map((i) => chat[i]!.line)
  }

  /** Keep the frame, file the report, and remember which stream it is about (a repeat report is merged into the first). */
  async function file(viewer: Viewer, s: q.StreamView, target: { type: LiveReportType; id: number; userId: number; summary: string }, input: LiveReportInput, evidence: { transcript: Captured[]; frame: Buffer | null; t?: number }) {
    let name: string | null = null
    if (evidence.frame) {
      name = `${randomBytes(16).toString('hex')}.jpg`
      await mkdir(dir, { recursive: true })
      await writeFile(join(dir, name), evidence.frame)
    }
    const files = [
      ...(name ? [{ label: target.type === 'live.replay' ? 'The replay where it was reported' : 'The picture the reporter was seeing', url: frameHref(name), image: true }] : []),
      { label: s.status === 'live' ? 'Watch the stream (staff)' : 'Open the stream and its replay (staff)', url: staffStreamHref(s.id) },
    ]
    const snapshot = {
      summary: target.summary,
      href: staffStreamHref(s.id),
      stream: { id: s.id, title: s.title, streamer: { id: s.user_id, username: s.username, display_name: s.display_name }, audience: s.audience, source: s.source, status: s.status, delay_seconds: s.delay_seconds, started_at: s.created_at, ended_at: s.ended_at },
      ...(evidence.t !== undefined ? { replay_seconds: evidence.t } : {}),
      transcript: evidence.transcript,
      files,
    }
    try {
      const filed = await ctx.core.reports.file({ reporterId: viewer.id, targetType: target.type, targetId: target.id, targetUserId: target.userId, reason: input.reason, note: input.note, snapshot })
      const added = await own().insertInto('live_reports').values({ report_id: filed.id, stream_id: s.id, frame: name }).onConflict((oc) => oc.column('report_id').doNothing()).returning('report_id').executeTakeFirst()
      // A repeat of the member's open report on the same thing: core kept the first one's snapshot, and its frame.
      if (name && !added) await rm(join(dir, name), { force: true })
      return { id: filed.id }
    } catch (err) {
      if (name) await rm(join(dir, name), { force: true })
      throw err
    }
  }

  const limit = (viewer: Viewer) => ctx.core.limits.hit(`report:user:${viewer.id}`, { ...REPORT_LIMIT, message: (w) => `You have sent many reports; wait ${w} s.` })

  return {
    /** Report a stream the member may watch: live (as they see it now), or its replay. Not one's own. */
    async stream(viewer: Viewer, id: number, input: LiveReportInput): Promise<{ id: number }> {
      const s = await live.find(viewer.id, id)
      if (s.user_id === viewer.id) throw new AppError(409, 'CONFLICT', 'You cannot report your own stream.')
      limit(viewer)
      const seen = await live.seen(viewer, s)
      const who = `@${s.username}`
      if (seen.status === 'live') {
        const lines = await live.chat(viewer, id, AROUND * 2)
        return file(viewer, s, { type: 'live.stream', id, userId: s.user_id, summary: `Live stream “${s.title}” by ${who}` }, input, { transcript: capture(lines), frame: await liveFrame(viewer, id) })
      }
      const replay = await live.replays.info(id)
      if (replay?.status === 'ready') {
        const lines = await replayLines(viewer, id, input.t)
        return file(viewer, s, { type: 'live.replay', id, userId: s.user_id, summary: `Replay of “${s.title}” by ${who}` }, input, { transcript: capture(lines), frame: await replayFrame(viewer, s, input.t), t: input.t })
      }
      const lines = await live.chat(viewer, id, AROUND * 2)
      return file(viewer, s, { type: 'live.stream', id, userId: s.user_id, summary: `Ended stream “${s.title}” by ${who}` }, input, { transcript: capture(lines), frame: null })
    },

    /** Report a chat line someone else wrote, with up to AROUND lines the member sees on each side of it. */
    async message(viewer: Viewer, id: number, messageId: number, input: LiveReportInput): Promise<{ id: number }> {
      const s = await live.find(viewer.id, id)
      const line = await q.chatLine(db, id, messageId, viewer.id)
      const horizon = (await live.horizonFor(viewer, s)) ?? undefined
      if (!line || (horizon !== undefined && line.at_ms > horizon)) throw new AppError(404, 'NOT_FOUND', 'That message does not exist.')
      if (line.user_id === viewer.id) throw new AppError(409, 'CONFLICT', 'You cannot report your own message.')
      limit(viewer)
      const before = await q.chatOf(db, id, viewer.id, { beforeId: messageId, horizonMs: horizon, limit: AROUND })
      const after = await q.chatOf(db, id, viewer.id, { afterId: messageId, horizonMs: horizon, limit: AROUND })
      const seen = await live.seen(viewer, s)
      return file(
        viewer,
        s,
        { type: 'live.message', id: messageId, userId: line.user_id, summary: `Chat message by @${line.username} in “${s.title}”: “${line.text}”` },
        input,
        { transcript: capture([...before, line, ...after], messageId), frame: seen.status === 'live' ? await liveFrame(viewer, id) : null },
      )
    },

    /** What "remove" does to each type, from core's queue (staff decided; the stream's audience does not apply). */
    removers() {
      ctx.core.reports.remover('live.stream', async ({ targetId }) => {
        const id = Number(targetId)
        const s = await q.streamById(db, id)
        if (s?.status === 'live') await live.endFor(id, 'staff')
        await live.replays.discard(id)
      })
      ctx.core.reports.remover('live.replay', async ({ targetId }) => void (await live.replays.discard(Number(targetId))))
      ctx.core.reports.remover('live.message', ({ targetId }) => live.removeMessage(Number(targetId)))
    },

    /** A report was decided: its frame goes, and the stream's replay may expire again. */
    async resolved(reportId: number): Promise<void> {
      const row = await own().selectFrom('live_reports').select('frame').where('report_id', '=', reportId).executeTakeFirst()
      if (!row) return
      await own().updateTable('live_reports').set({ open: 0, frame: null }).where('report_id', '=', reportId).execute()
      if (row.frame) await rm(join(dir, row.frame), { force: true })
    },

    /** A kept frame, for staff. */
    frame: (name: string): Promise<Buffer | null> => (FRAME_NAME.test(name) ? readFile(join(dir, name)).catch(() => null) : Promise.resolve(null)),
  }
}
