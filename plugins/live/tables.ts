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

export type LiveTables = {
  live_streams: {
    id: Generated<number>
    user_id: number
    title: string
    audience: LiveAudience
    chat: ChatMode
    /** 1: the streamer asked to keep the recording (replays are not built yet; the choice is kept for them). */
    save_replay: number
    status: Generated<'live' | 'ended'>
    created_at: CreatedAt
    ended_at: Nullable
    /** Where the video comes from: the browser's studio page or an encoder (OBS) over RTMP. */
    source: Generated<StreamSource>
  }
  live_chat: { id: Generated<number>; stream_id: number; user_id: number; text: string; created_at: CreatedAt; deleted_at: Nullable }
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
  /** Staff's rules for one member: verified for live, or banned from going live until a time. */
  live_access: { user_id: number; verified: Generated<number>; banned_until: string | null; ban_reason: Generated<string>; updated_by: number | null; updated_at: CreatedAt }
}

export const STREAM_SOURCES = ['browser', 'rtmp'] as const
export type StreamSource = (typeof STREAM_SOURCES)[number]
export const EVENT_STATUSES = ['scheduled', 'live', 'ended', 'cancelled'] as const
export type EventStatus = (typeof EVENT_STATUSES)[number]

export type StreamRow = Selectable<LiveTables['live_streams']>
export type EventRow = Selectable<LiveTables['live_events']>
