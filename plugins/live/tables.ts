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
  }
  live_chat: { id: Generated<number>; stream_id: number; user_id: number; text: string; created_at: CreatedAt; deleted_at: Nullable }
  /** `until` null: banned from the stream's chat; else timed out until then. */
  live_bans: { stream_id: number; user_id: number; until: string | null }
}

export type StreamRow = Selectable<LiveTables['live_streams']>
