// The stories plugin's own tables (prefixed with its name), and the row types read from them.
import type { ColumnType, Generated, Selectable } from 'kysely'

type CreatedAt = ColumnType<string, string | undefined, never>

/** What a story is: a photo or a video from the media pipeline, or text on a background. */
export type StoryKind = 'photo' | 'video' | 'text'
/** Who may see a story (besides its author); `hide` lists apply on top of each. */
export type StoryAudience = 'public' | 'followers' | 'close_friends' | 'custom'

export type StoriesTables = {
  stories_items: {
    id: Generated<number>
    author_id: number
    kind: StoryKind
    /** The photo or video (null for a text card, or when core removed the file). */
    media_id: number | null
    /** A text card's text, or a photo's or video's caption. */
    text: string
    /** A text card's background, one of BACKGROUNDS; null for media. */
    background: string | null
    audience: StoryAudience
    /** 1: each viewer may open it once. */
    view_once: number
    created_at: CreatedAt
    /** ISO-8601 UTC; the story is gone for viewers from this instant. */
    expires_at: string
  }
  /** The people of a story's custom audience (`custom`) and those it is hidden from (`hide`). */
  stories_audience: { story_id: number; list: 'custom' | 'hide'; user_id: number }
  /** Who opened a story, once per viewer (the author's viewer list; view-once stories close after it). */
  stories_views: { story_id: number; viewer_id: number; viewed_at: string }
  /** Quick emoji reactions and text replies, sent to the author. */
  stories_reactions: { id: Generated<number>; story_id: number; user_id: number; kind: 'emoji' | 'text'; body: string; created_at: CreatedAt }
  /** A member's close friends list. */
  stories_close_friends: { owner_id: number; friend_id: number; created_at: CreatedAt }
  /** Named highlights on a member's profile; their stories and media outlive expiry. */
  stories_highlights: { id: Generated<number>; owner_id: number; title: string; created_at: CreatedAt }
  stories_highlight_items: { highlight_id: number; story_id: number; added_at: CreatedAt }
}

export type StoryRow = Selectable<StoriesTables['stories_items']>
export type HighlightRow = Selectable<StoriesTables['stories_highlights']>
