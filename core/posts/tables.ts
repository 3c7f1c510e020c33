// Posts and what hangs off them: media, hashtags, mentions, hide-from lists and pins.
import type { ColumnType, Generated, Selectable } from 'kysely'

export type PostVisibility = 'public' | 'followers' | 'only_me'
export type PostStatus = 'scheduled' | 'published'

export interface PostsTable {
  id: Generated<number>
  author_id: number
  text: string
  visibility: PostVisibility
  status: PostStatus
  publish_at: string | null
  published_at: string | null
  comments_enabled: ColumnType<number, number | undefined, number>
  likes_count: Generated<number>
  dislikes_count: Generated<number>
  comments_count: Generated<number>
  edited_at: string | null
  created_at: ColumnType<string, string | undefined, never>
  updated_at: string
  /** The space the post belongs to (a plugin's, e.g. a group), or null for a member's own posts. */
  scope: ColumnType<string | null, string | null | undefined, string | null>
  /** A plain repost: the original it shows (its own text is empty). Never another plain repost. */
  repost_of: ColumnType<number | null, number | null | undefined, never>
  /** A quote: the original it embeds as a card. */
  quote_of: ColumnType<number | null, number | null | undefined, never>
  /** The author lets others repost and quote it (their account's privacy.allow_reposts must too). */
  reposts_enabled: ColumnType<number, number | undefined, number>
  /** Its media is sensitive: blurred behind a warning (set by the author, staff or a rule). */
  sensitive: ColumnType<number, number | undefined, number>
  /** Held for review (a rule's hold, or hidden after reports): shown to its author only until staff decide. */
  held_at: ColumnType<string | null, string | null | undefined, string | null>
  /** Why it is held: a rule's hold (`review`), hidden after reports (`reports`), or taken down by staff (`removed`). */
  held_reason: ColumnType<HeldReason | null, HeldReason | null | undefined, HeldReason | null>
  /** The category the author filed it under (core/curation), or null. */
  category_id: ColumnType<number | null, number | null | undefined, number | null>
}

export type HeldReason = 'review' | 'reports' | 'removed'

export interface PostTables {
  posts: PostsTable
  /** `alt` is the author's description of the photo or video for people who cannot see it; '' for none. */
  post_media: { post_id: number; media_id: number; position: number; alt: ColumnType<string, string | undefined, string> }
  hashtags: { id: Generated<number>; tag: string; created_at: ColumnType<string, string | undefined, never> }
  post_hashtags: { post_id: number; hashtag_id: number }
  post_mentions: { post_id: number; user_id: number }
  post_hidden_from: { post_id: number; user_id: number }
  pins: { user_id: number; post_id: number; created_at: ColumnType<string, string | undefined, never> }
  feed_items: { user_id: number; post_id: number; author_id: number; published_at: string }
  /** Where a member's kept feed rows end: rows at or before (published_at, post_id) were trimmed. */
  feed_horizons: { user_id: number; published_at: string; post_id: number }
  post_scopes: { id: string; owner: string; public: number; created_at: ColumnType<string, string | undefined, never> }
  post_scope_members: { scope_id: string; user_id: number }
  /** Words a member does not want to see in lists (lowercased): Settings → Content filters. */
  member_filter_words: { user_id: number; word: string }
}

export type PostRow = Selectable<PostsTable>
