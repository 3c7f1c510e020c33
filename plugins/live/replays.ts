// Replays: a stream ended with "keep a replay" keeps its HLS segments as a VOD playlist (no re-encode: the files
// viewers already watched), with a poster frame, for the stream's audience, until the streamer deletes it or the
// operator's retention ends it. Its chat, hearts and pins play back on the same timeline (decision 044).
import { existsSync } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError, type Viewer } from '../../core/plugins/api.js'
import { buildPlaylist, replayPosition } from './delay.js'
import type { LiveContext } from './plugin.js'
import * as q from './queries.js'
import * as tq from './timeline-queries.js'
import { giftHtml } from './timeline-views.js'

/** Events a replay's page gets at most (a long, busy stream's chat beyond this is cut from the end). */
export const REPLAY_EVENTS_MAX = 5000

/** One event of a replay's timeline: at `t` seconds into the video. */
export type ReplayEvent =
  | { t: number; kind: 'chat'; line: q.ChatLine }
  | { t: number; kind: 'pin'; line: q.ChatLine | null }
  /** A gift: its fields as the chat's history gives them, and `html`, its line as the page draws it. */
  | ({ t: number; kind: 'gift'; html: string } & tq.GiftEvent)
  | { t: number; kind: string; user_id: number; username: string; display_name: string; data: unknown }

export type ReplayService = ReturnType<typeof replayService>

export function replayService(ctx: LiveContext, recordingsDir: string) {
  const db = ctx.db
  const dirOf = (id: number) => join(recordingsDir, String(id))
  const notFound = () => new AppError(404, 'NOT_FOUND', 'That replay does not exist.')

  /** The replay of a stream the viewer may watch, ready; NOT_FOUND otherwise (hidden and missing look the same). */
  async function ready(viewerId: number | null, id: number) {
    const s = await q.streamFor(db, viewerId, id)
    const r = s && s.status === 'ended' ? await tq.replayOf(db, id) : undefined
    if (!s || !r || r.status !== 'ready') throw notFound()
    return { s, r }
  }

  async function remove(id: number): Promise<boolean> {
    const had = await tq.deleteReplay(db, id)
    await rm(dirOf(id), { recursive: true, force: true })
    return had
  }

  /** ffmpeg's one frame of a segment as the replay's poster (a failure leaves it without one). */
  function poster(dir: string, segment: string): Promise<void> {
    return new Promise((resolve) => {
      const child = ctx.processes.spawn(ctx.processes.ffmpeg(), ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-i', join(dir, segment), '-frames:v', '1', '-vf', 'scale=640:-2', join(dir, 'poster.jpg')], { stdio: 'ignore' })
      child.once('error', () => resolve())
      child.once('close', () => resolve())
    })
  }

  /** Stored gift events as the chat draws them, each gift's picture looked up once (one shown only when ready). */
  async function giftsOf(rows: tq.EventRow[]): Promise<tq.GiftEvent[]> {
    const ids = new Set(rows.flatMap((e) => tq.giftData(JSON.parse(e.data) as Record<string, unknown>).media_id ?? []))
    const pictures = new Map<number, string>()
    for (const mediaId of ids) {
      const info = await ctx.core.media.info(mediaId)
      const url = info && info.status === 'ready' ? (info.urls['150'] ?? info.urls['320'] ?? null) : null
      if (url) pictures.set(mediaId, url)
    }
    return rows.map((e) => tq.giftOf(e, pictures))
  }

  return {
    /** Stored gift events as the chat draws them (their pictures looked up): the history and the live event. */
    gifts: giftsOf,

    /** Remove a replay's records and files, whoever asks: a deleted member's streams (data-rights.ts). */
    remove,

    /** The stream ended with "keep a replay": its row, and the job that finishes it once the delay's end has aired. */
    async keep(id: number, delayMs: number): Promise<void> {
      const days = await ctx.settings.get('replay_retention_days')
      const expiresAt = days > 0 ? new Date(Date.now() + days * 86_400_000).toISOString() : null
      await db.transaction().execute(async (trx) => {
        await tq.addReplay(trx, id, expiresAt)
        await ctx.jobs.enqueue('replay', { streamId: id }, { runAt: new Date(Date.now() + delayMs + 1000), key: `replay:${id}`, db: trx })
      })
    },

    /** The job: the segments on disk checked against their records, a poster drawn, the replay marked ready (or dropped when nothing was recorded). */
    async finalize(id: number): Promise<void> {
      const r = await tq.replayOf(db, id)
      if (!r || r.status === 'ready') return
      const dir = dirOf(id)
      const segments = await tq.segmentsOf(db, id)
      const present = segments.filter((s) => existsSync(join(dir, `seg${s.seq}.ts`)))
      if (present.length < segments.length) {
        const kept = new Set(present.map((s) => s.seq))
        await tq.dropSegments(db, id, segments.filter((s) => !kept.has(s.seq)).map((s) => s.seq))
      }
      if (!present.length) {
        ctx.log.info({ stream: id }, 'live: nothing was recorded; no replay')
        await remove(id)
        return
      }
      await poster(dir, `seg${present[Math.floor(present.length / 2)]!.seq}.ts`)
      const duration = present.reduce((sum, s) => sum + s.duration, 0)
      await tq.setReplay(db, id, 'ready', Math.round(duration * 1000) / 1000)
      ctx.log.info({ stream: id, segments: present.length, duration }, 'live: replay ready')
    },

    /** A replay's segment (the stream's audience already checked by the caller, or staff), or null. */
    async segment(s: Pick<q.StreamView, 'id' | 'status'>, name: string): Promise<Buffer | null> {
      if (s.status !== 'ended') return null
      const r = await tq.replayOf(db, s.id)
      if (!r || r.status !== 'ready') return null
      return readFile(join(dirOf(s.id), name)).catch(() => null)
    },

    async playlist(viewerId: number | null, id: number): Promise<string> {
      await ready(viewerId, id)
      return buildPlaylist(await tq.segmentsOf(db, id), 'vod')
    },

    async poster(viewerId: number | null, id: number): Promise<Buffer> {
      await ready(viewerId, id)
      const bytes = await readFile(join(dirOf(id), 'poster.jpg')).catch(() => null)
      if (!bytes) throw notFound()
      return bytes
    },

    /** What the replay's page shows: the video's length and its chat, hearts and pins at their places in it. */
    async timeline(viewerId: number | null, id: number): Promise<{ duration: number; created_at: string; expires_at: string | null; events: ReplayEvent[] }> {
      const { r } = await ready(viewerId, id)
      const segments = await tq.segmentsOf(db, id)
      const lines = await q.chatOf(db, id, viewerId, { fromAtMs: 0, limit: REPLAY_EVENTS_MAX })
      const byId = new Map(lines.map((l) => [l.id, l]))
      const t = (atMs: number) => Math.round(replayPosition(segments, atMs) * 1000) / 1000
      const events: ReplayEvent[] = lines.map((line) => ({ t: t(line.at_ms), kind: 'chat', line }))
      const rows = await tq.eventsOf(db, id, viewerId, null, REPLAY_EVENTS_MAX)
      const gifts = new Map((await giftsOf(rows.filter((e) => e.kind === 'gift'))).map((g) => [g.id, g]))
      for (const e of rows) {
        const data = JSON.parse(e.data) as Record<string, unknown>
        const gift = e.kind === 'gift' ? gifts.get(e.id) : undefined
        if (e.kind === 'pin') events.push({ t: t(e.at_ms), kind: 'pin', line: byId.get(Number(data.messageId)) ?? null })
        else if (gift) events.push({ t: t(e.at_ms), kind: 'gift', ...gift, html: giftHtml(gift) })
        else events.push({ t: t(e.at_ms), kind: e.kind, user_id: e.user_id, username: e.username, display_name: e.display_name, data })
      }
      events.sort((a, b) => a.t - b.t)
      return { duration: r.duration, created_at: r.created_at, expires_at: r.expires_at, events }
    },

    /** The replay's state for the stream's page and API (null: none). */
    async info(id: number): Promise<tq.ReplayRow | null> {
      return (await tq.replayOf(db, id)) ?? null
    },

    /** The streamer (or staff) deletes a replay: the files and records go; the stream's page stays, ended. */
    async delete(actor: Viewer, id: number): Promise<void> {
      const s = await q.streamFor(db, actor.id, id)
      if (!s || (s.user_id !== actor.id && actor.role === 'member') || !(await remove(id))) throw notFound()
      ctx.log.info({ stream: id, by: actor.id }, 'live: replay deleted')
    },

    /** Staff remove a replay (a report decided "remove"); gone already is fine. */
    discard: (id: number) => remove(id),

    /** The VOD playlist of a ready replay whatever its audience (staff's page), or null. */
    async staffPlaylist(id: number): Promise<string | null> {
      const r = await tq.replayOf(db, id)
      return r?.status === 'ready' ? buildPlaylist(await tq.segmentsOf(db, id), 'vod') : null
    },

    /** Replays past the operator's retention are removed (a job every few minutes); one under an open report waits. */
    async sweep(): Promise<number> {
      const ids = await tq.expiredReplays(db, new Date().toISOString())
      for (const id of ids) await remove(id)
      return ids.length
    },

    list: (viewerId: number | null, streamerId: number, limit = 24) => tq.replaysBy(db, viewerId, streamerId, limit),
  }
}
