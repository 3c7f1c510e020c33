// What the API and pages show of a post.
import type { MediaInfo } from '../media/types.js'
import type { PostStatus, PostVisibility } from './tables.js'

export interface PostAuthor {
  id: number
  username: string
  display_name: string
  avatar_url: string | null
}

/** A photo or video of a post: the media object with its author's alt text ('' for none). */
export type PostMediaView = MediaInfo & { alt: string }

export interface PostView {
  id: number
  author: PostAuthor
  text: string
  /** The text as safe HTML with links for #tags, @mentions and URLs. */
  html: string
  visibility: PostVisibility
  status: PostStatus
  publish_at: string | null
  published_at: string | null
  comments_enabled: boolean
  edited_at: string | null
  media: PostMediaView[]
  /** Some media is still being processed. */
  processing: boolean
  hashtags: string[]
  mentions: string[]
  likes_count: number
  dislikes_count: number
  comments_count: number
  /** The viewer's own reaction, if any. */
  reaction: 'like' | 'dislike' | null
  /** The viewer saved it to their bookmarks. */
  bookmarked: boolean
  pinned: boolean
  /** The space it belongs to (e.g. `groups:12`), or null. */
  scope: string | null
  created_at: string
}
