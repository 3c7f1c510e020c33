// Which posts a viewer may see, as a SQL condition used inside every query (never a filter after LIMIT).
import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely'
import type { Database } from '../db/schema.js'
import { blockedWith } from '../safety/queries.js'

/**
 * The condition "the viewer may see this row of `posts`":
 * - authors see all their own posts, scheduled ones included;
 * - others see published posts of active (not suspended) authors, not held for review, not hidden from them,
 *   not across a block (either way), that are
 *   `public` from a public account that is not silenced, or `public`/`followers` from an account they follow;
 * - `only_me` posts are the author's alone;
 * - a post in a scope (a plugin's space, such as a group) is read by the scope's rules instead of the
 *   author's: anyone for a public scope, members for the others (blocks and hide-from lists still apply);
 * - a plain repost only while the viewer may see its original as a repost (`shownAsRepost`): otherwise it is
 *   missing, whoever reposted it (decision 025).
 * @example db.selectFrom('posts').selectAll().where(visibleTo(viewerId))
 */
export function visibleTo(viewerId: number | null) {
  return (eb: ExpressionBuilder<Database, 'posts'>) => {
    const own = audienceOf(viewerId, 'posts')(eb)
    // Unary +: a filter on the rows the caller chose, never an index to choose them (posts_repost_of is partial).
    const original = eb.or([
      eb(sql`+${sql.ref('posts.repost_of')}`, 'is', null),
      eb.exists(
        eb
          .selectFrom('posts as original')
          .select('original.id')
          .whereRef('original.id', '=', 'posts.repost_of')
          .where((o) => shownAsRepost(viewerId, 'original', sql.ref('posts.author_id'))(o as any)),
      ),
    ])
    return eb.and([own, original])
  }
}

/**
 * The condition "the viewer may see the row of `table` (an alias of posts) reposted or quoted by the member in
 * `reposter`": the viewer may see it; it is no plain repost itself; its author lets it be reposted (the post's own
 * switch and their account's `privacy.allow_reposts`); the reposter and its author have not blocked each other; and
 * it is the reposter's own published post (not only-me), or a post anyone may see (public, of a public account, in no scope). A post that
 * leaves that audience, is deleted or turned off takes every repost of it away and every quote's card with it.
 * @example db.selectFrom('posts as original').select('original.id').where(shownAsRepost(viewerId, 'original', sql.ref('posts.author_id')))
 */
export function shownAsRepost(viewerId: number | null, table: string, reposter: Expression<number> | number) {
  return (eb: ExpressionBuilder<any, any>) => {
    const col = (c: string) => sql.ref(`${table}.${c}`)
    return eb.and([
      audienceOf(viewerId, table)(eb),
      eb(sql`+${col('status')}`, '=', 'published'),
      eb(col('visibility'), '!=', 'only_me'),
      eb(col('repost_of'), 'is', null),
      eb(col('reposts_enabled'), '=', 1),
      eb.not(eb.exists(eb.selectFrom('user_preferences as off').select('off.user_id').whereRef('off.user_id', '=', col('author_id') as any).where('off.key', '=', 'privacy.allow_reposts').where('off.value', '=', 'false'))),
      sql<SqlBool>`not exists (select 1 from blocks where (blocks.blocker_id = ${reposter} and blocks.blocked_id = ${col('author_id')}) or (blocks.blocked_id = ${reposter} and blocks.blocker_id = ${col('author_id')}))`,
      eb.or([eb(col('author_id'), '=', reposter), eb.and([eb(col('scope'), 'is', null), audienceOf(null, table)(eb)])]),
    ])
  }
}

/** The audience rule of `visibleTo` (reposts aside) for the rows of `table`, posts or an alias of it. */
export function audienceOf(viewerId: number | null, table: string) {
  return (eb: ExpressionBuilder<any, any>) => {
    const col = (c: string) => sql.ref(`${table}.${c}`) as any
    const author = () => eb.selectFrom('users as author').select('author.id').whereRef('author.id', '=', col('author_id')).where('author.suspended_at', 'is', null)
    // Unary +: the status is checked, never used to choose rows (posts_scheduled by status is every published
    // post); a caller that wants published posts along an index says so itself.
    // A post held for review (core/moderation) is its author's alone until staff release it.
    const publishedByActive = eb.and([eb(sql<string>`+${col('status')}`, '=', 'published'), eb(col('held_at'), 'is', null), eb.exists(author())])
    // A silenced author (core/policy, core/moderation) reaches only their followers until the silence ends.
    const notSilenced = (a: ExpressionBuilder<any, any>) => a.or([a('author.silenced_until', 'is', null), a('author.silenced_until', '<=', sql<string>`strftime('%Y-%m-%dT%H:%M:%fZ','now')`)])
    const publicAuthor = eb.exists(author().where('author.is_private', '=', 0).where(notSilenced))
    const unscoped = eb(col('scope'), 'is', null)
    // In a scope (a group) the scope decides who reads, not the author's followers: public scopes for
    // anyone, others for their members. Only-me posts stay the author's in any case.
    const scope = () => eb.selectFrom('post_scopes as scope').select('scope.id').whereRef('scope.id', '=', col('scope'))
    const inPublicScope = eb.exists(scope().where('scope.public', '=', 1))
    const scopedForAnyone = eb.and([eb(col('scope'), 'is not', null), eb(col('visibility'), '!=', 'only_me'), inPublicScope])
    if (viewerId === null) {
      return eb.and([publishedByActive, eb.or([eb.and([unscoped, eb(col('visibility'), '=', 'public'), publicAuthor]), scopedForAnyone])])
    }
    const member = eb.exists(eb.selectFrom('post_scope_members as sm').select('sm.user_id').whereRef('sm.scope_id', '=', col('scope')).where('sm.user_id', '=', viewerId))
    const follows = eb.exists(eb.selectFrom('follows').select('follows.follower_id').where('follows.follower_id', '=', viewerId).whereRef('follows.followee_id', '=', col('author_id')))
    const hidden = eb.exists(
      eb.selectFrom('post_hidden_from').select('post_hidden_from.post_id').whereRef('post_hidden_from.post_id', '=', col('id')).where('post_hidden_from.user_id', '=', viewerId),
    )
    const byAudience = eb.or([eb.and([eb(col('visibility'), '=', 'public'), eb.or([publicAuthor, follows])]), eb.and([eb(col('visibility'), '=', 'followers'), follows])])
    // The unary + keeps SQLite from driving the query by this OR (own posts by posts_author_published): the
    // caller's own conditions (an id, an author, a hashtag, a feed) must choose the rows, and this one only
    // filters them.
    return eb.or([
      eb(sql<number>`+${col('author_id')}`, '=', viewerId),
      eb.and([
        publishedByActive,
        eb.not(hidden),
        eb.not(blockedWith(viewerId, `${table}.author_id`)),
        eb.or([eb.and([unscoped, byAudience]), scopedForAnyone, eb.and([eb(col('scope'), 'is not', null), eb(col('visibility'), '!=', 'only_me'), member])]),
      ]),
    ])
  }
}
