// Reactions, comments, bookmarks and collections.
import type { ColumnType, Generated, Selectable } from 'kysely'
import type { HeldReason } from '../posts/tables.js'

type CreatedAt = ColumnType<string, string | undefined, never>

export interface CommentsTable {
  id: Generated<number>
  post_id: number
  author_id: number
  /** The comment this one replies to (one level of replies). */
  parent_id: number | null
  text: string
  likes_count: Generated<number>
  replies_count: Generated<number>
  edited_at: string | null
  created_at: CreatedAt
  updated_at: string
  /** Held for review: shown to its author only until staff decide. */
  held_at: ColumnType<string | null, string | null | undefined, string | null>
  held_reason: ColumnType<HeldReason | null, HeldReason | null | undefined, HeldReason | null>
  /** 0 while a comment held for review at its making waits: its notifications go out when staff release it. */
  announced: Generated<number>
}

export interface EngagementTables {
  /** created_at is the time of the current reaction (it moves when a member switches). */
  reactions: { post_id: number; user_id: number; kind: 'like' | 'dislike'; created_at: ColumnType<string, string | undefined, string> }
  comments: CommentsTable
  comment_likes: { comment_id: number; user_id: number; created_at: CreatedAt }
  comment_mentions: { comment_id: number; user_id: number }
  bookmarks: { user_id: number; post_id: number; created_at: CreatedAt }
  collections: {
    id: Generated<number>
    owner_id: number
    name: string
    description: ColumnType<string, string | undefined, string>
    visibility: 'public' | 'private'
    share_token: string
    created_at: CreatedAt
    updated_at: string
  }
  collection_posts: { collection_id: number; post_id: number; added_at: CreatedAt }
}

export type CommentRow = Selectable<CommentsTable>
