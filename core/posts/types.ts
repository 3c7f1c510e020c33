// What the API and pages show of a post.
import type { NameBadge } from '../hooks/types.js'
import type { MediaInfo } from '../media/types.js'
import type { PostStatus, PostVisibility } from './tables.js'

export interface PostAuthor {
  id: number
  username: string
  display_name: string
  avatar_url: string | null
  /** The author carries the verified badge. */
  verified: boolean
  /** Labels plugins show next to the name (`filter:user.badges`); absent when there are none. */
  badges?: NameBadge[]
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
  /** One liker to name ("Liked by X and N others", N = likes_count - 1): someone the viewer follows, else the newest; never the viewer. */
  liked_by: PostPreviewMember | null
  /** The newest top-level comments the viewer may see (at most 2, oldest first), each text cut to 140 characters. */
  comments_preview: PostPreviewComment[]
  /** The space it belongs to (e.g. `groups:12`), or null. */
  scope: string | null
  /** The category its author filed it under (its page is /explore/c/SLUG), or null. */
  category: { slug: string; name: string } | null
  created_at: string
  /** A plain repost: the original it shows, as the viewer sees it (the repost's own text is empty). */
  repost_of: PostView | null
  /** A quote: the original in its card, or `{ available: false }` when the viewer may not see it (deleted or hidden alike); null for other posts and inside a quote's card. */
  quote: { available: true; post: PostView } | { available: false } | null
  /** Plain reposts of it the viewer may see (at most 1,000). */
  reposts_count: number
  /** Quotes of it the viewer may see (at most 1,000). */
  quotes_count: number
  /** The viewer has reposted it. */
  reposted: boolean
  /** The viewer may repost or quote it now. */
  can_repost: boolean
  /** The author's switch for this post: others may repost and quote it. */
  reposts_enabled: boolean
  /** Its media is sensitive (marked by its author, staff or a rule). */
  sensitive: boolean
  /** Show its media behind a warning: sensitive, and the viewer has not chosen to see sensitive media. */
  blur_media: boolean
  /**
   * Present only for its author, who alone sees it: `review` (held until staff approve it) or `removed` (taken down
   * by staff, kept while it can be appealed).
   */
  held?: 'review' | 'removed'
}

/** A member as a post's previews name them. */
export interface PostPreviewMember {
  username: string
  display_name: string
  /** Set on comment previews' authors: they carry the verified badge. */
  verified?: boolean
}

/** A comment as a post card previews it: its author and its text, cut short. */
export interface PostPreviewComment {
  id: number
  author: PostPreviewMember
  text: string
}
