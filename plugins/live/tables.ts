// The live plugin's own tables (prefixed with its name), and the row types read from them.
import type { ColumnType, Generated, Selectable } from 'kysely'

type CreatedAt = ColumnType<string, string | undefined, never>
/** A column that starts null and is set later. */
type Nullable = ColumnType<string | null, string | null | undefined, string | null>

/** Who may watch a stream besides its streamer (close friends are the stories plugin's, not core's: not offered). */
export const AUDIENCES = ['public', 'followers'] as const
export type LiveAudience = (typeof AUDIENCES)[number]
/** Who may write in a stream's chat: every viewer, the streamer's followers, or nobody. */
export const CHAT_MODES = ['on', 'followers', 'off'] as const
export type ChatMode = (typeof CHAT_MODES)[number]

export type ReplayStatus = 'processing' | 'ready' | 'failed'

export type LiveTables = {
  live_streams: {
    id: Generated<number>
    user_id: number
    title: string
    audience: LiveAudience
    chat: ChatMode
    /** 1: the streamer asked to keep the recording as a replay (replays.ts). */
    save_replay: number
    /** The deliberate delay: viewers see the picture and the timeline this many seconds late (delay.ts). */
    delay_seconds: Generated<number>
    /** Slow mode: seconds between one viewer's messages (0: off). */
    slow_seconds: Generated<number>
    status: Generated<'live' | 'ended'>
    created_at: CreatedAt
    ended_at: Nullable
    /** Where the video comes from: the browser's studio page or an encoder (OBS) over RTMP. */
    source: Generated<StreamSource>
    /** Core's category (curation) the streamer filed it under; null: none, or the category was deleted. */
    category_id: ColumnType<number | null, number | null | undefined, number | null>
  }
  live_chat: { id: Generated<number>; stream_id: number; user_id: number; text: string; created_at: CreatedAt; deleted_at: Nullable; at_ms: Generated<number> }
  /** Timeline events besides chat (hearts, pins, later gifts), stamped with stream time (timeline.ts). */
  live_timeline: { id: Generated<number>; stream_id: number; user_id: number; kind: string; at_ms: number; data: Generated<string> }
  /** The HLS segments a stream made: `at_ms` is when each was complete, on the stream's timeline (delay.ts). */
  live_segments: { stream_id: number; seq: number; duration: number; at_ms: number; discontinuity: Generated<number> }
  /** A stream's kept recording (replays.ts). */
  live_replays: { stream_id: number; status: Generated<ReplayStatus>; duration: Generated<number>; created_at: CreatedAt; expires_at: string | null }
  /** Members a streamer named to moderate their streams' chat. */
  live_moderators: { streamer_id: number; user_id: number; created_at: CreatedAt }
  /** `until` null: banned from the stream's chat; else timed out until then. */
  live_bans: { stream_id: number; user_id: number; until: string | null }
  /** A member's stream key (only its hash) and the settings a push with it goes live with. */
  live_keys: { user_id: number; key_hash: string; settings: string; created_at: ColumnType<string, string | undefined, string>; last_used_at: Nullable }
  live_events: {
    id: Generated<number>
    user_id: number
    title: string
    description: string
    audience: LiveAudience
    starts_at: string
    status: Generated<EventStatus>
    stream_id: number | null
    created_at: CreatedAt
  }
  live_event_reminders: { event_id: number; user_id: number; created_at: CreatedAt }
  /** Reports this plugin filed into core's queue: the stream each is about and the frame kept for it (reports.ts). */
  live_reports: { report_id: number; stream_id: number; frame: string | null; open: Generated<number>; created_at: CreatedAt }
  /** Staff's rules for one member: verified for live, or banned from going live until a time. */
  live_access: { user_id: number; verified: Generated<number>; banned_until: string | null; ban_reason: Generated<string>; updated_by: number | null; updated_at: CreatedAt }
}

export const STREAM_SOURCES = ['browser', 'rtmp'] as const
export type StreamSource = (typeof STREAM_SOURCES)[number]
export const EVENT_STATUSES = ['scheduled', 'live', 'ended', 'cancelled'] as const
export type EventStatus = (typeof EVENT_STATUSES)[number]

export type StreamRow = Selectable<LiveTables['live_streams']>
export type EventRow = Selectable<LiveTables['live_events']>
