// The live plugin's rules between the pages, the realtime topics and ffmpeg: going live (one stream per member),
// the ingest (the streamer's chunks into ffmpeg, resumed after a drop or ended after the timeout), who may watch,
// the chat with its moderation, hearts, and followers told when someone goes live. The delay's timeline (what
// viewers get when) is timeline.ts and delay.ts; replays are replays.ts.
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { AppError, displayName, isAppError, type PluginDb, type Viewer } from '../../core/plugins/api.js'
import { mayGoLive, type WhoMayGoLive } from './access.js'
import { AudienceMemo } from './audience.js'
import { DELAYS, Recorder, START_SEGMENTS } from './delay.js'
import { remindedOfStream } from './events.js'
import { Ingests, teeable } from './ingest.js'
import { banInput, chatMessage, ingestMessage, type ChatMessage, type StreamInput } from './inputs.js'
import type { LiveContext } from './plugin.js'
import * as q from './queries.js'
import type { ChatMode, StreamSource } from './tables.js'
import { atOfSeq, seqOf, Timeline } from './timeline.js'
import * as tq from './timeline-queries.js'
import { giftHtml } from './timeline-views.js'
import { replayService } from './replays.js'
import { Relays } from './webrtc.js'

/** What a stream is doing, as the streamer's and viewers' pages are told. */
export type StreamState = 'waiting' | 'live' | 'reconnecting' | 'ended'

declare module '../../core/realtime/types.js' {
  interface TopicEvents {
    /** The streamer's page: its chunks go in as binary frames; `restart` asks it for a new recording (a new header). */
    'live:ingest': { state: { state: StreamState | 'restart' } }
    /** Viewers: chat, hearts, pins and the stream's state on the delayed timeline (timeline.ts); moderation at once. */
    'live:stream': StreamEvents
    /** The streamer, staff and the streamer's moderators: the same events at the live edge. */
    'live:backstage': StreamEvents
  }
}

/** What a stream's two topics carry (the viewers' one on the delayed timeline). */
export interface StreamEvents {
  chat: q.ChatLine
  heart: { userId: number }
  deleted: { id: number }
  state: { state: StreamState }
  chatmode: { chat: ChatMode }
  slow: { seconds: number }
  /** The pinned message (null: unpinned). */
  pinned: { line: q.ChatLine | null }
  /**
   * Another kind of timeline event (a gift from the coins plugin), as `addEvent` put it; `id` is its row, `html` its
   * line in the chat as the page draws it (timeline-views.tsx GiftItem), null for kinds the chat does not draw.
   */
  moment: { kind: string; id: number; userId: number; username: string; display_name: string; at_ms: number; data: Record<string, unknown>; html: string | null }
  refused: { message: string }
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
  const m = /^live:(?:ingest|stream|backstage):(\d{1,12})$/.exec(topicId)
  return m ? Number(m[1]) : null
}
const roomOf = (id: number) => `live:stream:${id}` as const
const ingestOf = (id: number) => `live:ingest:${id}` as const
const backstageOf = (id: number) => `live:backstage:${id}` as const
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
  /** Segments kept past a stream's end: the delay's last seconds, and replays (replays.ts). */
  const recordingsDir = join(ctx.dataDir, 'recordings')
  const active = new Map<number, Active>()
  /** The timelines of streams live, or ended less than their delay ago (viewers are still watching their end). */
  const timelines = new Map<number, Timeline>()
  /** The state viewers were last given (it travels on the delayed timeline too). */
  const aired = new Map<number, StreamState>()
  const replays = replayService(ctx, recordingsDir)
  const recorder = new Recorder({
    save: (id, segments) => tq.addSegments(db, id, segments),
    log: (id, err) => ctx.log.warn({ err, stream: id }, 'live: reading the playlist for the delay failed'),
  })
  // Other parts of the plugin (RTMP connections, events) follow streams ending and ffmpeg stopping.
  const endedListeners = new Set<(id: number, reason: EndReason) => void | Promise<void>>()
  const exitListeners = new Set<(id: number) => void>()

  // WebRTC viewing (webrtc.ts): a relay per stream without a delay whose picture is encoded here.
  const relays = new Relays((msg, detail) => ctx.log.warn(detail, msg))
  // The HLS requests' audience check, kept for a moment (audience.ts); forgotten whenever who may watch can change.
  const audience = new AudienceMemo((viewerId, id) => q.watchableLive(db, viewerId, id))

  const ingests = new Ingests({
    rtp: async (id, source) => {
      const offered = (await ctx.settings.get('webrtc_max_viewers')) > 0 && timelines.get(id)?.delayMs === 0 && teeable(join(streamsDir, String(id)), source)
      if (offered) return relays.open(id)
      // A resume over a path that cannot feed it (OBS copying H.264): its WebRTC viewers go back to HLS.
      await relays.close(id)
      return null
    },
    spawn: (command, args, options) => ctx.processes.spawn(command, args, options),
    ffmpeg: () => ctx.processes.ffmpeg(),
    dirOf: (id) => join(streamsDir, String(id)),
    beforeResume: (id) => recorder.resumed(id),
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
      // Kept segments without a replay were a delay's last seconds when the server stopped.
      const kept = await tq.replayIds(db)
      for (const name of await readdir(recordingsDir).catch(() => [] as string[])) {
        if (!kept.has(Number(name))) await rm(join(recordingsDir, name), { recursive: true, force: true })
      }
    })())

  function setState(id: number, state: StreamState) {
    const a = active.get(id)
    if (a) a.state = state
    backstage.publish(backstageOf(id), 'state', { state })
    ingest.publish(ingestOf(id), 'state', { state })
    const t = timelines.get(id)
    toViewers(id, t ? t.stamp(true) : 0, null, () => {
      aired.set(id, state)
      room.publish(roomOf(id), 'state', { state })
    })
  }

  /** Give viewers an event at its time on the stream's timeline (at once for a stream without a delay). */
  function toViewers(id: number, atMs: number, authorId: number | null, deliver: (seq: number) => void, key?: string, seq = 0) {
    const t = timelines.get(id)
    if (!t) return deliver(seq)
    t.post({ atMs, authorId, deliver, key }, seq)
  }

  /** Whether a member sees the stream at the live edge: its streamer, staff, and the moderators the streamer named. */
  async function atLiveEdge(viewer: Pick<Viewer, 'id' | 'role'> | null, streamerId: number): Promise<boolean> {
    if (!viewer) return false
    return viewer.id === streamerId || viewer.role !== 'member' || (await tq.isModerator(db, streamerId, viewer.id))
  }

  /** Where a viewer is on the stream's timeline: null at the live edge (or without a delay), else the stamp they have seen up to. */
  async function horizonFor(viewer: Viewer | null, s: { id: number; user_id: number }): Promise<number | null> {
    const t = timelines.get(s.id)
    if (!t || t.delayMs === 0 || (await atLiveEdge(viewer, s.user_id))) return null
    return t.horizon()
  }

  /** A stream's timeline and segment records, kept from going live until its end has aired. */
  function openTimeline(s: { id: number; created_at: string; delay_seconds: number; save_replay: number }) {
    const t0 = Date.parse(s.created_at)
    timelines.set(s.id, new Timeline(t0, s.delay_seconds * 1000))
    recorder.track(s.id, { dir: join(streamsDir, String(s.id)), t0, keep: s.save_replay === 1, delayMs: s.delay_seconds * 1000 })
  }

  // The watchdog: quiet streams are "reconnecting", and ended once quiet for longer than the resume timeout.
  let timer: NodeJS.Timeout | null = null
  let ticking = false
  async function tick() {
    if (ticking) return
    ticking = true
    try {
      if (!ctx.core.cluster.isPrimary()) await release()
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

  /**
   * The lease moved (LiteFS, docs/plugins.md "Several servers"): this server no longer holds the streams and may not
   * write. Its ffmpegs are killed (an encoder's RTMP connection closes at its next packet), its WebRTC relays closed
   * and what it kept in memory dropped, nothing written: the streamers' pages and encoders reconnect to the new
   * primary, which ends the streams left live (`recover`), as after a restart. Should the lease come back, `recover`
   * runs again first.
   */
  async function release() {
    const ids = new Set([...active.keys(), ...timelines.keys()])
    if (!ids.size) return
    active.clear()
    for (const id of ids) {
      await ingests.end(id)
      await relays.close(id)
      timelines.get(id)?.close()
      timelines.delete(id)
      aired.delete(id)
      recorder.untrack(id)
    }
    recovered = null
    ctx.log.warn({ streams: [...ids] }, 'live: this server is no longer the primary; its streams continue there')
  }

  /**
   * End a stream: marked ended, its ffmpeg killed, everyone watching told (viewers when the delayed picture gets
   * there). Its files are removed, or kept while the delay's last seconds air and for good as a replay.
   */
  async function end(id: number, reason: EndReason): Promise<void> {
    audience.forget()
    const a = active.get(id)
    active.delete(id)
    const changed = await q.markEnded(db, id)
    const t = timelines.get(id)
    const endAt = t ? t.stamp(true) : 0
    await ingests.kill(id)
    await relays.close(id)
    await recorder.finish(id, endAt)
    const s = await q.streamById(db, id)
    const keep = changed && s?.save_replay === 1
    const delayMs = reason === 'closing' ? 0 : (t?.delayMs ?? 0)
    const recording = join(recordingsDir, String(id))
    if (keep || delayMs > 0) {
      await mkdir(recordingsDir, { recursive: true })
      await rename(join(streamsDir, String(id)), recording).catch(() => {})
      recorder.moved(id, recording)
    }
    await ingests.end(id)
    if (changed) {
      ctx.log.info({ stream: id, reason }, 'live: stream ended')
      backstage.publish(backstageOf(id), 'state', { state: 'ended' })
      ingest.publish(ingestOf(id), 'state', { state: 'ended' })
      toViewers(id, endAt, null, () => {
        aired.set(id, 'ended')
        room.publish(roomOf(id), 'state', { state: 'ended' })
      })
      if (keep) await replays.keep(id, delayMs)
    }
    // The streamer's page leaves the ingest topic: an ended stream takes no more video.
    if (a) ingest.kick(ingestOf(id), a.ownerId)
    // Once the end has aired the timeline goes; without a replay the segments and their records too.
    const close = async () => {
      timelines.get(id)?.close()
      timelines.delete(id)
      aired.delete(id)
      recorder.untrack(id)
      if (!keep) {
        await tq.clearSegments(db, id)
        await rm(recording, { recursive: true, force: true })
      }
    }
    if (delayMs > 0) setTimeout(() => void close().catch((err) => ctx.log.error({ err, stream: id }, 'live: clearing an ended stream failed')), delayMs + 2000).unref()
    else await close()
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

  /** The stream a member may join the topics of: watchable, and live or with its end still airing. */
  async function joinable(viewer: Viewer, topicId: string): Promise<q.StreamView | null> {
    await recover()
    const id = streamIdOf(topicId)
    if (id === null) return null
    const s = await q.streamFor(db, viewer.id, id)
    return s && (s.status === 'live' || timelines.has(id)) ? s : null
  }

  // Members write chat and hearts on either topic: what they send is stamped where they are on the timeline.
  const onMessage = async (conn: { viewer: Viewer; send(event: 'refused', data: { message: string }): void }, topicId: string, m: ChatMessage) => {
    const id = streamIdOf(topicId)!
    try {
      if ('heart' in m) await heart(conn.viewer, id)
      else await say(conn.viewer, id, m.text)
    } catch (err) {
      if (!isAppError(err)) throw err
      conn.send('refused', { message: err.message })
    }
  }

  const room = ctx.realtime.topic('live:stream', {
    authorize: async (viewer, topicId) => !!(await joinable(viewer, topicId)),
    presence: true,
    accept: chatMessage,
    onMessage: (conn, topicId, m) => onMessage(conn, topicId, m),
    // The lines after the last one seen, up to what the viewer's delayed picture has reached.
    replay: async (topicId, viewer, afterSeq) => {
      const id = streamIdOf(topicId)!
      const s = await q.streamFor(db, viewer.id, id)
      if (!s) return []
      const horizonMs = (await horizonFor(viewer, s)) ?? undefined
      const lines = await q.chatOf(db, id, viewer.id, { fromAtMs: atOfSeq(afterSeq), horizonMs, limit: 100 })
      return lines.map((l) => ({ seq: seqOf(l.at_ms, l.id), event: 'chat' as const, data: l })).filter((e) => e.seq > afterSeq)
    },
  })

  const backstage = ctx.realtime.topic('live:backstage', {
    authorize: async (viewer, topicId) => {
      const s = await joinable(viewer, topicId)
      return !!s && (await atLiveEdge(viewer, s.user_id))
    },
    accept: chatMessage,
    onMessage: (conn, topicId, m) => onMessage(conn, topicId, m),
    replay: async (topicId, viewer, afterSeq) => {
      const lines = await q.chatOf(db, streamIdOf(topicId)!, viewer.id, { afterId: afterSeq, limit: 100 })
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

  /** A stream the actor runs: theirs, or any for staff; NOT_FOUND for others (as for a missing one). */
  async function owned(actor: Viewer, id: number): Promise<q.StreamView> {
    const s = await find(actor.id, id)
    if (s.user_id !== actor.id && actor.role === 'member') throw notFound()
    return s
  }

  /** A stream whose chat the actor moderates: the streamer, staff, and the moderators the streamer named. */
  async function moderated(actor: Viewer, id: number): Promise<q.StreamView> {
    const s = await find(actor.id, id)
    if (!(await atLiveEdge(actor, s.user_id))) throw notFound()
    return s
  }

  /**
   * Put an event on the stream's timeline for both topics: the backstage at once, viewers at its time; nobody
   * blocked either way with its author gets it.
   */
  async function post<E extends 'chat' | 'heart' | 'pinned' | 'moment'>(id: number, atMs: number, authorId: number, event: E, data: StreamEvents[E], options: { durable?: number; key?: string } = {}) {
    const except = await ctx.core.social.blockedIds(authorId)
    backstage.publish(backstageOf(id), event, data, { durable: options.durable, except })
    const seq = options.durable === undefined ? 0 : seqOf(atMs, options.durable)
    toViewers(id, atMs, authorId, (n) => room.publish(roomOf(id), event, data, { durable: n || undefined, except }), options.key, seq)
  }

  /** Where a member's action goes on the stream's timeline: the live edge, or what a viewer behind the delay sees. */
  async function stampOf(viewer: Pick<Viewer, 'id' | 'role'>, s: { id: number; user_id: number }): Promise<number> {
    const t = timelines.get(s.id)
    return t ? t.stamp(await atLiveEdge(viewer, s.user_id)) : 0
  }

  async function heart(viewer: Viewer, id: number) {
    ctx.core.limits.hit(`heart:user:${viewer.id}`, { ...HEART_LIMIT, message: () => 'Slow down with the hearts.' })
    const s = await find(viewer.id, id)
    const atMs = await stampOf(viewer, s)
    await tq.addEvent(db, { stream_id: id, user_id: viewer.id, kind: 'heart', at_ms: atMs })
    await post(id, atMs, viewer.id, 'heart', { userId: viewer.id })
  }

  async function say(viewer: Viewer, id: number, text: string): Promise<q.ChatLine> {
    const s = await find(viewer.id, id)
    if (s.status !== 'live') throw new AppError(409, 'CONFLICT', 'This stream has ended.')
    const edge = await atLiveEdge(viewer, s.user_id)
    // The streamer, staff and moderators are not held by the chat's rules.
    if (!edge) {
      if (s.chat === 'off') throw new AppError(403, 'FORBIDDEN', 'Chat is off for this stream.')
      if (s.chat === 'followers' && !(await q.isFollowing(db, viewer.id, s.user_id))) throw new AppError(403, 'FORBIDDEN', `Only followers of @${s.username} may chat here.`)
      if (await q.barredFromChat(db, id, viewer.id, new Date().toISOString())) throw new AppError(403, 'FORBIDDEN', 'You cannot chat in this stream right now.')
      if (s.slow_seconds > 0) ctx.core.limits.hit(`slow:${id}:user:${viewer.id}`, { limit: 1, windowSeconds: s.slow_seconds, message: (w) => `Slow mode is on: wait ${w} s.` })
    }
    // The operator's rules on writing (decision 038) hold for everyone, the streamer and staff too.
    const checked = { surface: 'chat', authorId: viewer.id, text }
    const verdict = await ctx.core.policy.enforce(checked)
    ctx.core.limits.hit(`chat:user:${viewer.id}`, { ...CHAT_LIMIT, message: (s) => `You are sending messages quickly; wait ${s} s.` })
    const line = await q.addChat(db, id, viewer.id, text, await stampOf(viewer, s))
    await ctx.core.policy.flagSaved(verdict, checked, { type: 'live.chat', id: line.id })
    await post(id, line.at_ms, viewer.id, 'chat', line, { durable: line.id, key: `chat:${line.id}` })
    return line
  }

  /** The delays a streamer may choose on this site, and the one chosen for them unless they say. */
  async function delayChoices(): Promise<{ options: number[]; fallback: number }> {
    const max = Number(await ctx.settings.get('max_delay_seconds'))
    return { options: DELAYS.filter((n) => n <= max), fallback: Math.min(Number(await ctx.settings.get('default_delay_seconds')), max) }
  }

  /**
   * The playlist, for a viewer the stream's audience allows, while it is live (or its end is still airing); null
   * otherwise. Behind a delay it is built from the segments out by the viewer's horizon (delay.ts).
   */
  async function playlist(viewer: Viewer | null, id: number): Promise<string | null> {
    const list = await playlistBody(viewer, id)
    return list === null || typeof list === 'string' ? list : list.text
  }

  /** The playlist as served: without a delay the bytes every viewer shares (ingest.ts), behind one the viewer's own text. */
  async function playlistBody(viewer: Viewer | null, id: number): Promise<{ text: string; bytes: Buffer } | string | null> {
    // Without a delay, the hot path (a thousand viewers ask every second): the audience answered from memory for a moment.
    if (!timelines.get(id)?.delayMs) return (await audience.allows(viewer?.id ?? null, id)) ? ingests.playlistBytes(id) : null
    const s = await q.streamFor(db, viewer?.id ?? null, id)
    if (!s) return null
    const horizon = await horizonFor(viewer, s)
    if (horizon === null) return s.status === 'live' ? ingests.playlistBytes(id) : null
    return recorder.playlist(id, horizon)
  }

  /** Whether the member may go live now (who may, bans, streams at once; `counting` false skips the last): throws the reason otherwise. */
  /** Delete a chat line: backstage at once; viewers never get it if it has not aired, else it is taken away. */
  async function dropMessage(id: number, messageId: number): Promise<boolean> {
    if (!(await q.deleteChat(db, id, messageId))) return false
    backstage.publish(backstageOf(id), 'deleted', { id: messageId })
    if (!timelines.get(id)?.cancel(`chat:${messageId}`)) room.publish(roomOf(id), 'deleted', { id: messageId })
    return true
  }

  async function checkMayGoLive(viewer: Viewer, counting = true): Promise<void> {
    const rules = { who: (await ctx.settings.get('who_may_go_live')) as WhoMayGoLive, maxConcurrent: await ctx.settings.get('max_concurrent') }
    await mayGoLive(db, viewer, rules, { counting })
  }

  return {
    ingest,
    delayChoices,
    playlist,
    playlistBody,
    room,
    backstage,
    ingests,
    recorder,
    replays,
    find,
    say,
    heart,
    atLiveEdge,
    horizonFor,
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
      const { options: delays, fallback } = await delayChoices()
      const delay = input.delay_seconds ?? fallback
      if (!delays.includes(delay)) throw new AppError(400, 'VALIDATION_FAILED', delays.length > 1 ? `This site allows a delay of at most ${delays.at(-1)} seconds.` : 'This site does not allow a delay.')
      const source = options.source ?? 'browser'
      // Read before the transaction (one connection). A push from OBS goes live with the key's saved settings: a
      // category deleted or turned off since then is dropped rather than refusing the push (the encoder shows no message).
      const categoryId = await ctx.core.categories.idFor(input.category).catch((err: unknown) => {
        if (source === 'rtmp' && isAppError(err) && err.code === 'VALIDATION_FAILED') return null
        throw err
      })
      const row = await db.transaction().execute(async (trx) => {
        const s = await q.createStream(trx, { user_id: viewer.id, title: input.title, audience: input.audience, chat: input.chat, save_replay: input.save_replay, delay_seconds: delay, source, category_id: categoryId })
        await options.within?.(trx, s.id)
        await ctx.jobs.enqueue('announce', { streamId: s.id }, { db: trx })
        return s
      })
      active.set(row.id, { ownerId: viewer.id, source, lastData: Date.now(), state: 'waiting' })
      openTimeline(row)
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
      const s = await owned(actor, id)
      if (s.status !== 'live') return
      await end(id, s.user_id === actor.id ? 'streamer' : 'staff')
    },

    /** End a stream for a limit it broke (the bitrate over RTMP) or a connection that must not continue it. */
    endFor: (id: number, reason: EndReason) => end(id, reason),

    /** The streams live in this process, for the staff page (every one, whatever its audience). */
    activeStreams(): { id: number; state: StreamState; source: StreamSource; viewers: number; webrtc: number | null }[] {
      return [...active].map(([id, a]) => ({ id, state: a.state, source: a.source, viewers: room.present(roomOf(id)).length, webrtc: relays.has(id) ? relays.count(id) : null }))
    },

    state(id: number): StreamState {
      return active.get(id)?.state ?? 'ended'
    },

    /**
     * The stream as this member sees it now: a viewer behind the delay sees it live (and in the state it was in
     * then) until its end has aired; the live edge sees it as it is.
     */
    async seen(viewer: Viewer | null, s: q.StreamView): Promise<{ status: 'live' | 'ended'; state: StreamState; edge: boolean; playlistReady: boolean }> {
      const edge = await atLiveEdge(viewer, s.user_id)
      const now = (await horizonFor(viewer, s)) === null
      const state: StreamState = now ? (s.status === 'live' ? (active.get(s.id)?.state ?? 'ended') : 'ended') : (aired.get(s.id) ?? 'waiting')
      const status = state === 'ended' ? 'ended' : 'live'
      // Ready once a player can start a few segments in (not on the recording's first: see START_SEGMENTS).
      const list = status === 'live' ? await playlist(viewer, s.id) : null
      const playlistReady = !!list && (list.includes('#EXT-X-ENDLIST') || (list.match(/^seg\d+\.ts$/gm)?.length ?? 0) >= START_SEGMENTS)
      return { status, state, edge, playlistReady }
    },

    viewers(id: number): number {
      return room.present(roomOf(id)).length
    },

    /** The live directory: the streams live now the viewer may watch, narrowed to a category id, with their interests first. */
    async list(viewerId: number | null, limit: number, options: q.ListOptions = {}): Promise<q.StreamView[]> {
      await recover()
      return q.liveStreams(db, viewerId, limit, options)
    },

    /** The ids of a member's interests (enabled categories), for `list` to put those streams first. */
    async interestIds(userId: number): Promise<number[]> {
      const ids = await Promise.all((await ctx.core.categories.interestsOf(userId)).map((slug) => ctx.core.categories.idFor(slug).catch(() => null)))
      return ids.filter((id): id is number => id !== null)
    },

    /** The categories of these streams, by category id (one deleted or turned off is absent: the stream shows none). */
    categoriesOf: (streams: readonly { category_id: number | null }[]) => ctx.core.categories.byIds(streams.flatMap((s) => (s.category_id === null ? [] : [s.category_id]))),

    /** File a stream under a category ('' for none): the streamer or staff, live or ended. */
    async setCategory(actor: Viewer, id: number, slug: string): Promise<void> {
      await owned(actor, id)
      await q.setCategory(db, id, await ctx.core.categories.idFor(slug))
    },



    /**
     * A viewer's WHEP offer answered: 404 when the audience hides the stream or it is not live (as its playlist),
     * 409 when it is not offered over WebRTC (a delay, a copied picture, the setting off), 503 past the viewer cap.
     */
    async whep(viewer: Viewer | null, id: number, offer: string): Promise<{ session: string; sdp: string }> {
      await recover()
      if (!active.has(id) || !(await q.watchableLive(db, viewer?.id ?? null, id))) throw notFound()
      return relays.answer(id, viewer?.id ?? null, offer, await ctx.settings.get('webrtc_max_viewers'))
    },

    /** End a WebRTC viewer's connection (the session id is theirs alone); false when there is none. */
    hangUp: (id: number, session: string) => relays.hangUp(id, session),

    /** Whether the stream is offered over WebRTC now, and to how many viewers it goes that way. */
    webrtc: (id: number) => ({ offered: relays.has(id), viewers: relays.count(id) }),

    /** Whether the stream's first segments are out: players wait for this rather than fetch a playlist that is not there. */
    ready: (id: number) => (active.has(id) ? ingests.ready(id) : Promise.resolve(false)),

    /** A segment, for a viewer the audience allows: live, behind the delay only once out, or of a replay. */
    async segment(viewer: Viewer | null, id: number, name: string): Promise<Buffer | null> {
      if (!timelines.get(id)?.delayMs && (await audience.allows(viewer?.id ?? null, id))) return ingests.segment(id, name)
      const s = await q.streamFor(db, viewer?.id ?? null, id)
      const seq = /^seg(\d{1,9})\.ts$/.exec(name)?.[1]
      if (!s || seq === undefined) return null
      const horizon = await horizonFor(viewer, s)
      if (horizon === null && s.status === 'live') return ingests.segment(id, name)
      const dir = recorder.dirOf(id)
      if (horizon !== null && dir) return recorder.released(id, Number(seq), horizon) ? readFile(join(dir, name)).catch(() => null) : null
      return replays.segment(s, name)
    },

    /**
     * The chat as the member sees it now: its last `limit` lines and gifts in their order on the timeline, with
     * the chat's rules (no deleted lines, none of members blocked either way or suspended, none past a viewer's delay).
     */
    async history(viewer: Viewer | null, id: number, limit = 50): Promise<tq.ChatEntry[]> {
      const s = await find(viewer?.id ?? null, id)
      const horizonMs = await horizonFor(viewer, s)
      const lines = await q.chatOf(db, id, viewer?.id ?? null, { limit, horizonMs: horizonMs ?? undefined, byStamp: true })
      return tq.chatHistory(lines, await replays.gifts(await tq.chatEventsOf(db, id, viewer?.id ?? null, horizonMs, limit)), limit)
    },

    async chat(viewer: Viewer | null, id: number, limit = 50): Promise<q.ChatLine[]> {
      const s = await find(viewer?.id ?? null, id)
      return q.chatOf(db, id, viewer?.id ?? null, { limit, horizonMs: (await horizonFor(viewer, s)) ?? undefined })
    },

    /** The message pinned in the stream as the member sees it now (behind the delay: the pin they have reached). */
    async pinned(viewer: Viewer | null, s: q.StreamView): Promise<q.ChatLine | null> {
      const messageId = await tq.pinnedOf(db, s.id, viewer?.id ?? null, await horizonFor(viewer, s))
      return messageId === null ? null : ((await q.chatLine(db, s.id, messageId, viewer?.id ?? null)) ?? null)
    },

    /** Pin a message for everyone (viewers see it at its time on the timeline), or unpin with null. */
    async pin(actor: Viewer, id: number, messageId: number | null): Promise<q.ChatLine | null> {
      const s = await moderated(actor, id)
      if (s.status !== 'live') throw new AppError(409, 'CONFLICT', 'This stream has ended.')
      const line = messageId === null ? null : ((await q.chatLine(db, id, messageId, actor.id)) ?? null)
      if (messageId !== null && !line) throw new AppError(404, 'NOT_FOUND', 'That message does not exist.')
      const atMs = Math.max(await stampOf(actor, s), line?.at_ms ?? 0)
      await tq.addEvent(db, { stream_id: id, user_id: actor.id, kind: 'pin', at_ms: atMs, data: { messageId } })
      await post(id, atMs, line?.user_id ?? actor.id, 'pinned', { line })
      return line
    },

    /**
     * Put another kind of event on a live stream's timeline (a plugin's gift, from its hook): stored for the replay,
     * at once backstage, to viewers when the picture of the moment reaches them, never to members blocked either way
     * with `authorId`. The author is stamped where they watch (a viewer: behind the delay).
     * @example await live.addEvent(streamId, senderId, 'gift', { name: 'Rose', price: 5 })
     */
    async addEvent(id: number, authorId: number, kind: string, data: Record<string, unknown>): Promise<void> {
      if (!/^[a-z][a-z0-9_-]{0,31}$/.test(kind) || kind === 'heart' || kind === 'pin') throw new Error(`live: "${kind}" is not a timeline event kind another part may add`)
      const s = await q.streamById(db, id)
      const author = await ctx.core.users.find(authorId)
      // Ended meanwhile (the gift is the coins plugin's either way): nothing to show it on.
      if (!s || s.status !== 'live' || !author) return
      const atMs = await stampOf(author, s)
      // A gift is stored as the chat draws it, so the history, the live event and the replay agree.
      const stored = kind === 'gift' ? { ...tq.giftData(data) } : data
      const rowId = await tq.addEvent(db, { stream_id: id, user_id: authorId, kind, at_ms: atMs, data: stored })
      const row = { id: rowId, user_id: authorId, username: author.username, display_name: displayName(author), kind, at_ms: atMs, data: JSON.stringify(stored) }
      const html = kind === 'gift' ? giftHtml((await replays.gifts([row]))[0]!) : null
      await post(id, atMs, authorId, 'moment', { kind, id: rowId, userId: authorId, username: row.username, display_name: row.display_name, at_ms: atMs, data: stored, html })
    },

    /** What a gift on stream `id` is, for coins' `filter:coins.gift.target`: a stream live now the sender may watch, or null (404). */
    async giftTarget(id: number, senderId: number): Promise<{ receiverId: number; label: string; url: string } | null> {
      const s = await q.streamFor(db, senderId, id)
      return s && s.status === 'live' ? { receiverId: s.user_id, label: 'a live stream', url: `/live/${id}` } : null
    },

    async setSlow(actor: Viewer, id: number, seconds: number): Promise<void> {
      await moderated(actor, id)
      await tq.setSlow(db, id, seconds)
      backstage.publish(backstageOf(id), 'slow', { seconds })
      room.publish(roomOf(id), 'slow', { seconds })
    },

    async deleteMessage(actor: Viewer, id: number, messageId: number): Promise<void> {
      await moderated(actor, id)
      if (!(await dropMessage(id, messageId))) throw new AppError(404, 'NOT_FOUND', 'That message does not exist.')
    },

    /** Staff deleting a reported message (from core's queue, whatever the stream's audience); gone already is fine. */
    async removeMessage(messageId: number): Promise<void> {
      const streamId = await q.streamOfMessage(db, messageId)
      if (streamId !== undefined) await dropMessage(streamId, messageId)
    },

    /** Time a viewer out of the chat for some minutes, or ban them from it (0) until the stream ends. */
    async ban(actor: Viewer, id: number, raw: unknown): Promise<{ username: string; until: string | null }> {
      const s = await moderated(actor, id)
      const parsed = banInput.safeParse(raw)
      if (!parsed.success) throw new AppError(400, 'VALIDATION_FAILED', parsed.error.issues[0]?.message ?? 'Check the form.')
      const target = await ctx.core.users.find(parsed.data.username)
      if (!target) throw new AppError(404, 'NOT_FOUND', 'No member has that username.')
      if (target.id === s.user_id) throw new AppError(400, 'VALIDATION_FAILED', 'The streamer cannot be removed from their own chat.')
      const byModerator = actor.id !== s.user_id && actor.role === 'member'
      if (byModerator && (await tq.isModerator(db, s.user_id, target.id))) throw new AppError(400, 'VALIDATION_FAILED', 'Moderators cannot remove each other from the chat; ask the streamer.')
      const until = parsed.data.minutes ? new Date(Date.now() + parsed.data.minutes * 60_000).toISOString() : null
      await q.banFromChat(db, id, target.id, until)
      return { username: target.username, until }
    },

    async setChat(actor: Viewer, id: number, chat: ChatMode): Promise<void> {
      await owned(actor, id)
      await q.setChatMode(db, id, chat)
      backstage.publish(backstageOf(id), 'chatmode', { chat })
      room.publish(roomOf(id), 'chatmode', { chat })
    },

    /** A block or an unfollow may end someone's right to watch, a removed moderator their place backstage: everyone is asked again. */
    recheck: async () => {
      audience.forget()
      await room.recheck()
      await backstage.recheck()
      await relays.recheck((id, viewerId) => q.watchableLive(db, viewerId, id))
    },

    /** Who may watch may have changed (a suspension, an account made private): the HLS paths ask the database again. */
    audienceChanged: () => audience.forget(),

    /** The server is closing: every ffmpeg killed, every live stream ended. */
    async shutdown(): Promise<void> {
      if (timer) clearInterval(timer)
      timer = null
      const ids = [...active.keys()]
      for (const id of ids) await end(id, 'closing')
      await ingests.stopAll()
      await relays.closeAll()
      for (const t of timelines.values()) t.close()
      timelines.clear()
      recorder.stop()
    },
  }
}
