// The random chat plugin's own tables (prefixed with its name), and the row types read from them.
import type { ColumnType, Generated, Selectable } from 'kysely'

type CreatedAt = ColumnType<string, string | undefined, never>

export type RandomChatTables = {
  /** One call between two members. What was said is never stored; it lives in memory for reports only. */
  random_chat_sessions: {
    /** A random UUID: the id a member's page holds to signal, report, block or add. */
    id: string
    /** The member who waited longer (makes the WebRTC offer). */
    a_id: number
    b_id: number
    mode: 'video' | 'text'
    /** JSON arrays of tags. */
    a_interests: string
    b_interests: string
    shared: string
    started_at: CreatedAt
    ended_at: string | null
    /** next, stop, left, reported, blocked, banned, moderator, suspended */
    end_reason: string | null
    /** The member whose action (or ban) ended it; null when a moderator or the server did. */
    ended_by: number | null
    messages: Generated<number>
  }
  /** What a member declared for matching, and whether partners see who they are. */
  random_chat_profiles: {
    user_id: number
    show_identity: Generated<number>
    /** ISO 3166 country code, upper case. */
    region: string | null
    /** ISO 639 language code, lower case. */
    language: string | null
    gender: string | null
    birth_year: number | null
    updated_at: ColumnType<string, string | undefined, string>
  }
  random_chat_bans: {
    user_id: number
    /** ISO-8601 UTC. */
    until: string
    reason: Generated<string>
    banned_by: number | null
    created_at: CreatedAt
  }
  /** "Add" presses: when both members of a session pressed it, they follow each other. */
  random_chat_adds: { session_id: string; user_id: number; created_at: CreatedAt }
}

export type SessionRow = Selectable<RandomChatTables['random_chat_sessions']>
export type ProfileRow = Selectable<RandomChatTables['random_chat_profiles']>
export type BanRow = Selectable<RandomChatTables['random_chat_bans']>
