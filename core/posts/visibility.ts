// Which posts a viewer may see, as a SQL condition used inside every query (never a filter after LIMIT).
import { sql, type ExpressionBuilder } from 'kysely'
import type { Database } from '../db/schema.js'
import { blockedWith } from '../safety/queries.js'

/**
 * The condition "the viewer may see this row of `posts`":
 * - authors see all their own posts, scheduled ones included;
 * - others see published posts of active (not suspended) authors, not hidden from them, not across a
 *   block (either way), that are
 *   `public` from a public account, or `public`/`followers` from an account they follow;
 * - `only_me` posts are the author's alone;
 * - a post in a scope (a plugin's space, such as a group) is read by the scope's rules instead of the
 *   author's: anyone for a public scope, members for the others (blocks and hide-from lists still apply).
 * @example db.selectFrom('posts').selectAll().where(visibleTo(viewerId))
 */
export function visibleTo(viewerId: number | null) {
  return (eb: ExpressionBuilder<Database, 'posts'>) => {
    const author = () => eb.selectFrom('users as author').select('author.id').whereRef('author.id', '=', 'posts.author_id').where('author.suspended_at', 'is', null)
    // Unary +: the status is checked, never used to choose rows (posts_scheduled by status is every published
    // post); a caller that wants published posts along an index says so itself.
    const publishedByActive = eb.and([eb(sql<string>`+${sql.ref('posts.status')}`, '=', 'published'), eb.exists(author())])
    const publicAuthor = eb.exists(author().where('author.is_private', '=', 0))
    const unscoped = eb('posts.scope', 'is', null)
    // In a scope (a group) the scope decides who reads, not the author's followers: public scopes for
    // anyone, others for their members. Only-me posts stay the author's in any case.
    const scope = () => eb.selectFrom('post_scopes as scope').select('scope.id').whereRef('scope.id', '=', 'posts.scope')
    const inPublicScope = eb.exists(scope().where('scope.public', '=', 1))
    const scopedForAnyone = eb.and([eb('posts.scope', 'is not', null), eb('posts.visibility', '!=', 'only_me'), inPublicScope])
    if (viewerId === null) {
      return eb.and([publishedByActive, eb.or([eb.and([unscoped, eb('posts.visibility', '=', 'public'), publicAuthor]), scopedForAnyone])])
    }
    const member = eb.exists(eb.selectFrom('post_scope_members as sm').select('sm.user_id').whereRef('sm.scope_id', '=', 'posts.scope').where('sm.user_id', '=', viewerId))
    const follows = eb.exists(
      eb.selectFrom('follows').select('follows.follower_id').where('follows.follower_id', '=', viewerId).whereRef('follows.followee_id', '=', 'posts.author_id'),
    )
    const hidden = eb.exists(
      eb.selectFrom('post_hidden_from').select('post_hidden_from.post_id').whereRef('post_hidden_from.post_id', '=', 'posts.id').where('post_hidden_from.user_id', '=', viewerId),
    )
    const byAudience = eb.or([eb.and([eb('posts.visibility', '=', 'public'), eb.or([publicAuthor, follows])]), eb.and([eb('posts.visibility', '=', 'followers'), follows])])
    // The unary + keeps SQLite from driving the query by this OR (own posts by posts_author_published): the
    // caller's own conditions (an id, an author, a hashtag, a feed) must choose the rows, and this one only
    // filters them.
    return eb.or([
      eb(sql<number>`+${sql.ref('posts.author_id')}`, '=', viewerId),
      eb.and([
        publishedByActive,
        eb.not(hidden),
        eb.not(blockedWith(viewerId, 'posts.author_id')),
        eb.or([eb.and([unscoped, byAudience]), scopedForAnyone, eb.and([eb('posts.scope', 'is not', null), eb('posts.visibility', '!=', 'only_me'), member])]),
      ]),
    ])
  }
}
