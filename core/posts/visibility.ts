// Which posts a viewer may see, as a SQL condition used inside every query (never a filter after LIMIT).
import type { ExpressionBuilder } from 'kysely'
import type { Database } from '../db/schema.js'
import { blockedWith } from '../safety/queries.js'

/**
 * The condition "the viewer may see this row of `posts`":
 * - authors see all their own posts, scheduled ones included;
 * - others see published posts of active (not suspended) authors, not hidden from them, not across a
 *   block (either way), that are
 *   `public` from a public account, or `public`/`followers` from an account they follow;
 * - `only_me` posts are the author's alone.
 * @example db.selectFrom('posts').selectAll().where(visibleTo(viewerId))
 */
export function visibleTo(viewerId: number | null) {
  return (eb: ExpressionBuilder<Database, 'posts'>) => {
    const author = () => eb.selectFrom('users as author').select('author.id').whereRef('author.id', '=', 'posts.author_id').where('author.suspended_at', 'is', null)
    const publishedByActive = eb.and([eb('posts.status', '=', 'published'), eb.exists(author())])
    const publicAuthor = eb.exists(author().where('author.is_private', '=', 0))
    if (viewerId === null) return eb.and([publishedByActive, eb('posts.visibility', '=', 'public'), publicAuthor])
    const follows = eb.exists(
      eb.selectFrom('follows').select('follows.follower_id').where('follows.follower_id', '=', viewerId).whereRef('follows.followee_id', '=', 'posts.author_id'),
    )
    const hidden = eb.exists(
      eb.selectFrom('post_hidden_from').select('post_hidden_from.post_id').whereRef('post_hidden_from.post_id', '=', 'posts.id').where('post_hidden_from.user_id', '=', viewerId),
    )
    return eb.or([
      eb('posts.author_id', '=', viewerId),
      eb.and([
        publishedByActive,
        eb.not(hidden),
        eb.not(blockedWith(viewerId, 'posts.author_id')),
        eb.or([eb.and([eb('posts.visibility', '=', 'public'), eb.or([publicAuthor, follows])]), eb.and([eb('posts.visibility', '=', 'followers'), follows])]),
      ]),
    ])
  }
}
