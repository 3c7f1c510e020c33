// A member's own history (posts, likes, comments, comment likes, follows), read from the tables those live in.
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import { decodeCursor, pageOf, type Page } from '../pagination.js'
import { visibleTo } from '../posts/visibility.js'
import { displayName } from '../users/display-name.js'

export type ActivityKind = 'post' | 'like' | 'dislike' | 'comment' | 'comment_like' | 'follow'

export interface ActivityItem {
  kind: ActivityKind
  at: string
  text: string
  /** Where it leads, or null when what it was about is gone or no longer visible to the member. */
  url: string | null
  /** The post it is about, while the member may see it. */
  post_id: number | null
  comment_id: number | null
  /** The member followed, or the author of the post liked or commented on (while visible). */
  user: { id: number; username: string; display_name: string } | null
}

const nullable = <T>(column: string) => sql<T | null>`${sql.ref(column)}`


const excerpt = (text: string) => {
  const line = text.replace(/\s+/g, ' ').trim()
  return line.length > 80 ? `${line.slice(0, 79)}…` : line
}

/** One member's activity, newest first, with cursor pagination over (time, kind, id). */
export async function activityLog(db: Db, userId: number, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<ActivityItem>> {
  const limit = options.limit ?? 20
  const after = decodeCursor(options.cursor, { at: 'time', kind: 'text', ref: 'id' })
  const none = sql<number | null>`null`
  const noText = sql<string | null>`null`
  const events = db
    .selectFrom('posts')
    .where('posts.author_id', '=', userId)
    // The first branch sets the union's column types: every column but the first three may be null.
    .select([sql<string>`'post'`.as('kind'), 'posts.created_at as at', 'posts.id as ref', nullable<number>('posts.id').as('post_id'), none.as('comment_id'), none.as('user_id'), nullable<string>('posts.text').as('text'), nullable<string>('posts.status').as('detail')])
    .unionAll(
      db
        .selectFrom('reactions')
        .where('reactions.user_id', '=', userId)
        .select(['reactions.kind as kind', 'reactions.created_at as at', 'reactions.post_id as ref', 'reactions.post_id as post_id', none.as('comment_id'), none.as('user_id'), noText.as('text'), noText.as('detail')]),
    )
    .unionAll(
      db
        .selectFrom('comments')
        .where('comments.author_id', '=', userId)
        .select([sql<string>`'comment'`.as('kind'), 'comments.created_at as at', 'comments.id as ref', 'comments.post_id as post_id', 'comments.id as comment_id', none.as('user_id'), 'comments.text as text', noText.as('detail')]),
    )
    .unionAll(
      db
        .selectFrom('comment_likes')
        .innerJoin('comments', 'comments.id', 'comment_likes.comment_id')
        .where('comment_likes.user_id', '=', userId)
        .select([sql<string>`'comment_like'`.as('kind'), 'comment_likes.created_at as at', 'comment_likes.comment_id as ref', 'comments.post_id as post_id', 'comments.id as comment_id', none.as('user_id'), noText.as('text'), noText.as('detail')]),
    )
    .unionAll(
      db
        .selectFrom('follows')
        .where('follows.follower_id', '=', userId)
        .select([sql<string>`'follow'`.as('kind'), 'follows.created_at as at', 'follows.followee_id as ref', none.as('post_id'), none.as('comment_id'), 'follows.followee_id as user_id', noText.as('text'), noText.as('detail')]),
    )
  let q = db.selectFrom(events.as('e')).selectAll()
  if (after) {
    q = q.where((eb) =>
      eb.or([
        eb('e.at', '<', after.at),
        eb.and([eb('e.at', '=', after.at), eb.or([eb('e.kind', '<', after.kind), eb.and([eb('e.kind', '=', after.kind), eb('e.ref', '<', after.ref)])])]),
      ]),
    )
  }
  const { items: page, nextCursor } = pageOf(await q.orderBy('e.at', 'desc').orderBy('e.kind', 'desc').orderBy('e.ref', 'desc').limit(limit + 1).execute(), limit, (r) => ({ at: r.at, kind: r.kind, ref: r.ref }))

  // What each event points at, as the member may see it now: posts they may see, and members who are active.
  const postIds = [...new Set(page.map((r) => r.post_id).filter((id): id is number => id !== null))]
  const visible = postIds.length
    ? await db.selectFrom('posts').innerJoin('users', 'users.id', 'posts.author_id').select(['posts.id', 'users.id as author_id', 'users.username', 'users.display_name']).where('posts.id', 'in', postIds).where(visibleTo(userId)).execute()
    : []
  const userIds = [...new Set(page.map((r) => r.user_id).filter((id): id is number => id !== null))]
  const followed = userIds.length ? await db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', 'in', userIds).where('suspended_at', 'is', null).execute() : []

  const items = page.map((r): ActivityItem => {
    const post = visible.find((p) => p.id === r.post_id)
    const author = post ? { id: post.author_id, username: post.username, display_name: displayName(post) } : null
    const whose = author ? (author.id === userId ? 'your post' : `a post by ${author.display_name}`) : 'a post that is no longer available'
    const postUrl = post ? `/p/${post.id}` : null
    const base = { at: r.at, post_id: post ? post.id : null, comment_id: r.comment_id, user: author && author.id !== userId ? author : null }
    switch (r.kind) {
      case 'post':
        return { ...base, kind: 'post', text: `${r.detail === 'scheduled' ? 'You scheduled a post' : 'You posted'}${r.text ? `: “${excerpt(r.text)}”` : ' photos or videos'}`, url: postUrl, user: null }
      case 'like':
      case 'dislike':
        return { ...base, kind: r.kind, text: `You ${r.kind}d ${whose}`, url: postUrl }
      case 'comment':
        return { ...base, kind: 'comment', text: `You commented on ${whose}: “${excerpt(r.text ?? '')}”`, url: post ? `/p/${post.id}#comment-${r.comment_id}` : null }
      case 'comment_like':
        return { ...base, kind: 'comment_like', text: `You liked a comment on ${whose}`, url: post ? `/p/${post.id}#comment-${r.comment_id}` : null }
      default: {
        const u = followed.find((f) => f.id === r.user_id)
        const user = u ? { id: u.id, username: u.username, display_name: displayName(u) } : null
        return { ...base, kind: 'follow', text: user ? `You followed ${user.display_name}` : 'You followed an account that is no longer available', url: user ? `/u/${user.username}` : null, user }
      }
    }
  })
  return { items, nextCursor }
}
