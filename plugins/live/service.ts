// The live plugin's rules between the pages, the realtime topics and ffmpeg: going live (one stream per member),
// the ingest (the streamer's chunks into ffmpeg, resumed after a drop or ended after the timeout), who may watch,
// the chat with its moderation, hearts, and followers told when someone goes live.
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError, isAppError, type PluginDb, type TopicConnection, type Viewer } from '../../core/plugins/api.js'
import { mayGoLive, type WhoMayGoLive } from './access.js'
import { remindedOfStream } from './events.js'
import { Ingests } from './ingest.js'
import { banInput, chatMessage, ingestMessage, type StreamInput } from './inputs.js'
import type { LiveContext } from './plugin.js'
import * as q from './queries.js'
import type { ChatMode, StreamSource } from './tables.js'

/** What a stream is doing, as the streamer's and viewers' pages are told. */
export type StreamState = 'waiting' | 'live' | 'reconnecting' | 'ended'

declare module '../../core/realtime/types.js' {
  interface TopicEvents {
    /** The streamer's page: its chunks go in as binary frames; `restart` asks it for a new recording (a new header). */
    'live:ingest': { state: { state: StreamState | 'restart' } }
    /** Viewers and the streamer: chat, hearts, moderation and the stream's state. */
    'live:stream': {
      chat: q.ChatLine
      heart: { userId: number }
      deleted: { id: number }
      state: { state: StreamState }
      chatmode: { chat: ChatMode }
      refused: { message: string }
    }
  }
}

/** The largest chunk the streamer's page may send (MediaRecorder at 2.5 Mbit/s and 1 s chunks is about 320 KB). */
export const MAX_CHUNK_BYTES = 1024 * 1024
/** Without a chunk for this long, viewers are told the stream is reconnecting. */
const QUIET_MS = 4_000
/** Chat: 8 messages in any 4 s window per member; hearts: 20 in 4 s. */
const CHAT_LIMIT = { limit: 8, windowSeconds: 4 }
const HEART_LIMIT = { limit: 20, windowSeconds: 4 }

interface Active {
  ownerId: number
  source: StreamSource
  /** Date.now() of the last chunk (or of the stream's start, before any). */
  lastData: number
  state: StreamState
}

const streamIdOf = (topicId: string): number | null => {
  const m = /^live:(?:ingest|stream):(\d{1,12})$/.exec(topicId)
  return m ? Number(m[1]) : null
}
const roomOf = (id: number) => `live:stream:${id}` as const
const ingestOf = (id: number) => `live:ingest:${id}` as const
const notFound = () => new AppError(404, 'NOT_FOUND', 'That stream does not exist.')

/** Why a stream ended: its streamer, the resume timeout, staff, the server closing, or a limit (duration, bitrate). */
export type EndReason = 'streamer' | 'timeout' | 'staff' | 'closing' | 'limit'

/** Extra steps of going live: where the video comes from, and work done in the same transaction (an event's link). */
export interface CreateOptions {
  source?: StreamSource
  within?: (trx: PluginDb, streamId: number) => Promise<void>
}

export type LiveService = ReturnType<typeof liveService>

export function liveService(ctx: LiveContext) {
  const db = ctx.db
  const streamsDir = join(ctx.dataDir, 'streams')
  const active = new Map<number, Active>()
  // Other parts of the plugin (RTMP connections, events) follow streams ending and ffmpeg stopping.
  const endedListeners = new Set<(id: number, reason: EndReason) => void | Promise<void>>()
  const exitListeners = new Set<(id: number) => void>()

  const ingests = new Ingests({
    spawn: (command, args, options) => ctx.processes.spawn(command, args, options),
    ffmpeg: () => ctx.processes.ffmpeg(),
    dirOf: (id) => join(streamsDir, String(id)),
    onExit: (id, detail) => {
      ctx.log.warn({ stream: id, detail }, 'live: ffmpeg stopped; waiting for the streamer to resume')
      if (!active.has(id)) return
      setState(id, 'reconnecting')
      ingest.publish(ingestOf(id), 'state', { state: 'restart' })
      for (const fn of exitListeners) fn(id)
    },
  })

  // After a restart no ingest survives: streams still marked live are ended once, before anything else is served.
  let recovered: Promise<void> | null = null
  const recover = () =>
    (recovered ??= (async () => {
      const ids = await q.endAllLive(db)
      if (ids.length) ctx.log.info({ streams: ids }, 'live: streams left live by the last run were ended')
      await rm(streamsDir, { recursive: true, force: true })
    })())

  function setState(id: number, state: StreamState) {
    const a = active.get(id)
    if (a) a.state = state
    room.publish(roomOf(id), 'state', { state })
    ingest.publish(ingestOf(id), 'state', { state })
  }

  // The watchdog: quiet streams are "reconnecting", and ended once quiet for longer than the resume timeout.
  let timer: NodeJS.Timeout | null = null
  let ticking = false
  async function tick() {
    if (ticking) return
    ticking = true
    try {
      const resumeMs = (await ctx.settings.get('resume_seconds')) * 1000
      const maxMs = (await ctx.settings.get('max_duration_minutes')) * 60_000
      const now = Date.now()
      // Streams past the longest allowed, by the time they went live as stored.
      const tooLong = new Set(maxMs > 0 ? await q.liveSince(db, new Date(now - maxMs).toISOString()) : [])
      for (const [id, a] of active) {
        const quiet = now - a.lastData
        if (tooLong.has(id)) await end(id, 'limit')
        else if (quiet > resumeMs) await end(id, 'timeout')
        else if (quiet > QUIET_MS && a.state === 'live') setState(id, 'reconnecting')
      }
    } catch (err) {
      ctx.log.error({ err }, 'live: watchdog failed')
    } finally {
      ticking = false
    }
    if (!active.size && timer) {
      clearInterval(timer)
      timer = null
    }
  }
  const watch = () => {
    if (timer) return
    timer = setInterval(() => void tick(), 500)
    timer.unref()
  }

  /** End a stream: marked ended, its ffmpeg killed and files removed, everyone watching told. */
  async function end(id: number, reason: EndReason): Promise<void> {
    const a = active.get(id)
    active.delete(id)
    const changed = await q.markEnded(db, id)
    await ingests.end(id)
    if (changed) {
      ctx.log.info({ stream: id, reason }, 'live: stream ended')
      room.publish(roomOf(id), 'state', { state: 'ended' })
      ingest.publish(ingestOf(id), 'state', { state: 'ended' })
    }
    // The streamer's page leaves the ingest topic: an ended stream takes no more video.
    if (a) ingest.kick(ingestOf(id), a.ownerId)
    if (changed) for (const fn of endedListeners) await fn(id, reason)
  }

  /** Video arrived for the stream (a chunk from the page, a tag over RTMP). */
  function fed(id: number) {
    const a = active.get(id)
    if (!a) return
    a.lastData = Date.now()
    if (a.state !== 'live') setState(id, 'live')
  }

  const ingest = ctx.realtime.topic('live:ingest', {
    // Only the streamer, only while the stream is live.
    authorize: async (viewer, topicId) => {
      await recover()
      const id = streamIdOf(topicId)
      const a = id === null ? undefined : active.get(id)
      return !!a && a.ownerId === viewer.id
    },
    accept: ingestMessage,
    // A new recording: its WebM header comes next, so ffmpeg starts again (continuing the playlist after a drop).
    onMessage: async (conn, topicId) => {
      const id = streamIdOf(topicId)!
      const a = active.get(id)
      if (!a || a.ownerId !== conn.viewer.id) return
      await ingests.start(id)
      a.lastData = Date.now()
      conn.send('state', { state: a.state })
    },
    binary: { maxBytes: MAX_CHUNK_BYTES },
    onBinary: async (conn, topicId, bytes) => {
      const id = streamIdOf(topicId)!
      const a = active.get(id)
      if (!a || a.ownerId !== conn.viewer.id) return
      if (!(await ingests.write(id, bytes))) {
        conn.send('state', { state: 'restart' })
        return
      }
      fed(id)
    },
  })

  const room = ctx.realtime.topic('live:stream', {
    authorize: async (viewer, topicId) => {
      await recover()
      const id = streamIdOf(topicId)
      if (id === null) return false
      const s = await q.streamFor(db, viewer.id, id)
      return !!s && s.status === 'live'
    },
    presence: true,
    accept: chatMessage,
    onMessage: async (conn, topicId, m) => {
      const id = streamIdOf(topicId)!
      try {
        if ('heart' in m) heart(conn.viewer, id)
        else await say(conn.viewer, id, m.text)
      } catch (err) {
        if (!isAppError(err)) throw err
        ;(conn as TopicConnection<'live:stream'>).send('refused', { message: err.message })
      }
    },
    replay: async (topicId, viewer, afterSeq) => {
      const id = streamIdOf(topicId)!
      const lines = await q.chatOf(db, id, viewer.id, { afterId: afterSeq, limit: 100 })
      return lines.map((l) => ({ seq: l.id, event: 'chat' as const, data: l }))
    },
  })

  /** A stream the viewer may watch, live or ended; NOT_FOUND otherwise (hidden and missing look the same). */
  async function find(viewerId: number | null, id: number): Promise<q.StreamView> {
    await recover()
    const s = await q.streamFor(db, viewerId, id)
    if (!s) throw notFound()
    return s
  }

  /** A live stream the actor moderates: theirs, or any for staff; NOT_FOUND for others (as for a missing one). */
  async function moderated(actor: Viewer, id: number): Promise<q.StreamView> {
    const s = await find(actor.id, id)
    if (s.user_id !== actor.id && actor.role === 'member') throw notFound()
    return s
  }

  function heart(viewer: Viewer, id: number) {
    ctx.core.limits.hit(`heart:user:${viewer.id}`, { ...HEART_LIMIT, message: () => 'Slow down with the hearts.' })
    room.publish(roomOf(id), 'heart', { userId: viewer.id })
  }

  async function say(viewer: Viewer, id: number, text: string): Promise<q.ChatLine> {
    const s = await find(viewer.id, id)
    if (s.status !== 'live') throw new AppError(409, 'CONFLICT', 'This stream has ended.')
    if (s.user_id !== viewer.id) {
      if (s.chat === 'off') throw new AppError(403, 'FORBIDDEN', 'Chat is off for this stream.')
      if (s.chat === 'followers' && !(await q.isFollowing(db, viewer.id, s.user_id))) throw new AppError(403, 'FORBIDDEN', `Only followers of @${s.username} may chat here.`)
      if (await q.barredFromChat(db, id, viewer.id, new Date().toISOString())) throw new AppError(403, 'FORBIDDEN', 'You cannot chat in this stream right now.')
    }
    ctx.core.limits.hit(`chat:user:${viewer.id}`, { ...CHAT_LIMIT, message: (s) => `You are sending messages quickly; wait ${s} s.` })
    const line = await q.addChat(db, id, viewer.id, text)
    room.publish(roomOf(id), 'chat', line, { durable: line.id })
    return line
  }

  /** Whether the member may go live now (who may, bans, streams at once; `counting` false skips the last): throws the reason otherwise. */
  async function checkMayGoLive(viewer: Viewer, counting = true): Promise<void> {
    const rules = { who: (await ctx.settings.get('who_may_go_live')) as WhoMayGoLive, maxConcurrent: await ctx.settings.get('max_concurrent') }
    await mayGoLive(db, viewer, rules, { counting })
  }

  return {
    ingest,
    room,
    ingests,
    find,
    say,
    heart,
    fed,
    recover,

    /** Follow streams ending (for any reason). */
    onEnded(fn: (id: number, reason: EndReason) => void | Promise<void>) {
      endedListeners.add(fn)
    },
    /** Follow a stream's ffmpeg stopping by itself (the stream waits for its streamer to resume). */
    onIngestExit(fn: (id: number) => void) {
      exitListeners.add(fn)
    },
    /** The stream the member is live with now from `source`, kept in memory by this process (a resume continues it). */
    resumable(userId: number, source: StreamSource): number | null {
      for (const [id, a] of active) if (a.ownerId === userId && a.source === source) return id
      return null
    },
    mayGoLive: checkMayGoLive,

    /** Go live: the stream exists at once (waiting for video), its followers are told by a job committed with it. */
    async create(viewer: Viewer, input: StreamInput, options: CreateOptions = {}): Promise<q.StreamView> {
      await recover()
      if (await q.liveStreamOf(db, viewer.id)) throw new AppError(409, 'CONFLICT', 'You are live already: end that stream first.')
      await checkMayGoLive(viewer)
      const source = options.source ?? 'browser'
      const row = await db.transaction().execute(async (trx) => {
        const s = await q.createStream(trx, { user_id: viewer.id, title: input.title, audience: input.audience, chat: input.chat, save_replay: input.save_replay, source })
        await options.within?.(trx, s.id)
        await ctx.jobs.enqueue('announce', { streamId: s.id }, { db: trx })
        return s
      })
      active.set(row.id, { ownerId: viewer.id, source, lastData: Date.now(), state: 'waiting' })
      watch()
      ctx.log.info({ stream: row.id, user: viewer.username }, 'live: stream started')
      return find(viewer.id, row.id)
    },

    /** The followers who may watch are told (a follower the stream's audience leaves out is not). */
    async announce(streamId: number): Promise<void> {
      const s = await q.streamById(db, streamId)
      if (!s || s.status !== 'live') return
      // Those who asked to be reminded of the stream's event hear about it once, from the event.
      const reminded = new Set(await remindedOfStream(db, s.id))
      for (const userId of await q.followerIds(db, s.user_id)) {
        if (reminded.has(userId) || !(await q.streamFor(db, userId, s.id))) continue
        await ctx.core.notifications.notify({ userId, type: 'started', actorId: s.user_id, data: { streamId: s.id, title: s.title } })
      }
    },

    async end(actor: Viewer, id: number): Promise<void> {
      const s = await moderated(actor, id)
      if (s.status !== 'live') return
      await end(id, s.user_id === actor.id ? 'streamer' : 'staff')
    },

    /** End a stream for a limit it broke (the bitrate over RTMP) or a connection that must not continue it. */
    endFor: (id: number, reason: EndReason) => end(id, reason),

    /** The streams live in this process, for the staff page (every one, whatever its audience). */
    activeStreams(): { id: number; state: StreamState; source: StreamSource; viewers: number }[] {
      return [...active].map(([id, a]) => ({ id, state: a.state, source: a.source, viewers: room.present(roomOf(id)).length }))
    },

    state(id: number): StreamState {
      return active.get(id)?.state ?? 'ended'
    },

    viewers(id: number): number {
      return room.present(roomOf(id)).length
    },

    async list(viewerId: number | null, limit: number): Promise<q.StreamView[]> {
      await recover()
      return q.liveStreams(db, viewerId, limit)
    },

    /** The playlist, for a viewer the stream's audience allows, while it is live; null otherwise. */
    async playlist(viewerId: number | null, id: number): Promise<string | null> {
      if (!(await q.watchableLive(db, viewerId, id))) return null
      return ingests.playlist(id)
    },

    /** Whether the stream's first segments are out: players wait for this rather than fetch a playlist that is not there. */
    ready: (id: number) => (active.has(id) ? ingests.ready(id) : Promise.resolve(false)),

    async segment(viewerId: number | null, id: number, name: string): Promise<Buffer | null> {
      if (!(await q.watchableLive(db, viewerId, id))) return null
      return ingests.segment(id, name)
    },

    async chat(viewerId: number | null, id: number, limit = 50): Promise<q.ChatLine[]> {
      await find(viewerId, id)
      return q.chatOf(db, id, viewerId, { limit })
    },

    async deleteMessage(actor: Viewer, id: number, messageId: number): Promise<void> {
      await moderated(actor, id)
      if (!(await q.deleteChat(db, id, messageId))) throw new AppError(404, 'NOT_FOUND', 'That message does not exist.')
      room.publish(roomOf(id), 'deleted', { id: messageId })
    },

    /** Time a viewer out of the chat for some minutes, or ban them from it (0) until the stream ends. */
    async ban(actor: Viewer, id: number, raw: unknown): Promise<{ username: string; until: string | null }> {
      const s = await moderated(actor, id)
      const parsed = banInput.safeParse(raw)
      if (!parsed.success) throw new AppError(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'Check the form.')
      const target = await ctx.core.users.find(parsed.data.username)
      if (!target) throw new AppError(404, 'NOT_FOUND', 'No member has that username.')
      if (target.id === s.user_id) throw new AppError(400, 'VALIDATION_FAILED', 'The streamer cannot be removed from their own chat.')
      const until = parsed.data.minutes ? new Date(Date.now() + parsed.data.minutes * 60_000).toISOString() : null
      await q.banFromChat(db, id, target.id, until)
      return { username: target.username, until }
    },

    async setChat(actor: Viewer, id: number, chat: ChatMode): Promise<void> {
      await moderated(actor, id)
      await q.setChatMode(db, id, chat)
      room.publish(roomOf(id), 'chatmode', { chat })
    },

    /** A block or an unfollow may end someone's right to watch: everyone in a stream's room is asked again. */
    recheck: () => room.recheck(),

    /** The server is closing: every ffmpeg killed, every live stream ended. */
    async shutdown(): Promise<void> {
      if (timer) clearInterval(timer)
      timer = null
      const ids = [...active.keys()]
      for (const id of ids) await end(id, 'closing')
      await ingests.stopAll()
    },
  }
}
