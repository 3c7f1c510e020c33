// Feeds: the hybrid home feed (fan-out on write under a follower threshold, pull above it), explore and trending.
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import { queryShapes, type SlotOf } from '../db/shapes.js'
import type { HookRegistry } from '../hooks/registry.js'
import { decodeCursor, encodeCursor, olderThan, type Page } from '../pagination.js'
import type { PostsService } from '../posts/service.js'
import type { PostView } from '../posts/types.js'
import { visibleTo } from '../posts/visibility.js'
import { mutedBy } from '../safety/queries.js'
import type { SettingsService } from '../settings/service.js'

/** Posts copied into a new follower's feed. */
export const BACKFILL_POSTS = 50

/** Followers written per statement by a fan-out (a few ms of holding SQLite's write lock, ~10 ms on a 30 GB database). */
export const FANOUT_CHUNK = 100

/** Places of explore's ranking kept between refreshes (25 pages of 20). */
export const EXPLORE_RANKED = 500

/** Milliseconds a slice of explore's ranking should hold the process (see rankInSlices). */
const SLICE_MS = 4

/** Explore's score of a post as of `at`: (likes + 2 × comments + 1) / (age in hours + 2)^1.5. */
const SCORE = (at: string) => sql<number>`(posts.likes_count + 2 * posts.comments_count + 1) / pow((julianday(${at}) - julianday(posts.published_at)) * 24 + 2, 1.5)`

export interface TrendingHashtag {
  tag: string
  /** Uses in the last hour. */
  recent: number
  /** Uses in the 24 hours before that. */
  previous: number
  score: number
}

export type FeedService = ReturnType<typeof createFeedService>

export function createFeedService(deps: { db: Db; settings: SettingsService; posts: PostsService; hooks: HookRegistry }) {
  const { db, settings, posts, hooks } = deps
  const shapes = queryShapes(db)
  const threshold = () => settings.get('feed.fanout_threshold')

  /**
   * Explore's ranking as of `at`: public posts of the 30 days before, best first (visibility for no one in
   * particular); or of a slice of them, published in [from, to). One bound each way, so that SQLite's range on
   * posts_published is the slice's.
   */
  const rankedQuery = (at: string, slice?: { from: string; to: string | null }) => {
    const since = slice?.from ?? new Date(Date.parse(at) - 30 * 86_400_000).toISOString()
    const score = SCORE(at)
    return db
      .selectFrom('posts')
      .where('posts.status', '=', 'published')
      .where('posts.visibility', '=', 'public')
      .where('posts.published_at', '>=', since)
      .where('posts.published_at', slice?.to ? '<' : '<=', slice?.to ?? at)
      .where(visibleTo(null))
      .orderBy(score, 'desc')
      .orderBy('posts.id', 'desc')
  }
  /**
   * Explore's first EXPLORE_RANKED places as of `at`, ranked a slice of publication time at a time, newest first,
   * with a turn of the event loop between slices: ranking a month in one statement blocked every request for
   * most of a second on a large site. The best places of the month are among the best places of its slices, so
   * the result is the one statement's. A slice's width adapts so that each takes about SLICE_MS.
   */
  async function rankInSlices(at: string): Promise<number[]> {
    const end = Date.parse(at)
    const start = end - 30 * 86_400_000
    let best: { id: number; score: number }[] = []
    let width = 3_600_000
    for (let hi = end; hi > start; ) {
      const lo = Math.max(start, hi - width)
      const began = performance.now()
      const rows = await rankedQuery(at, { from: new Date(lo).toISOString(), to: hi < end ? new Date(hi).toISOString() : null })
        .select(['posts.id', SCORE(at).as('score')])
        .limit(EXPLORE_RANKED)
        .execute()
      const took = performance.now() - began
      if (rows.length) best = [...best, ...rows].sort((a, b) => b.score - a.score || b.id - a.id).slice(0, EXPLORE_RANKED)
      width = took > SLICE_MS ? Math.max(60_000, width / 2) : took < SLICE_MS / 4 ? width * 2 : width
      hi = lo
      if (hi > start) await new Promise((resolve) => setImmediate(resolve))
    }
    return best.map((r) => r.id)
  }
  let rankingKept: { at: string; made: number; ids: number[] } | null = null
  let rankingMade: Promise<void> | null = null
  /**
   * The kept ranking for a cursor made from it, or for a first page. A stale ranking is still served while the
   * next is made in slices; only the first one is waited for.
   */
  async function keptRanking(cursorAt: string | undefined): Promise<{ at: string; ids: number[] } | null> {
    const refreshMs = (await settings.get('feed.explore_refresh_seconds')) * 1000
    if (refreshMs <= 0) return null
    if (cursorAt) return rankingKept?.at === cursorAt ? rankingKept : null
    if (!rankingKept || Date.now() - rankingKept.made >= refreshMs) {
      if (!rankingMade) {
        const at = new Date().toISOString()
        rankingMade = rankInSlices(at)
          .then((ids) => {
            rankingKept = { at, made: Date.now(), ids }
          })
          .finally(() => {
            rankingMade = null
          })
      }
      if (!rankingKept) await rankingMade
      // A failed refresh in the background (the database closing) leaves the old ranking; the next view retries.
      else rankingMade.catch(() => {})
    }
    return rankingKept
  }

  let trendingKept: { made: number; list: TrendingHashtag[] } | null = null
  let trendingMade: Promise<void> | null = null
  /**
   * Every hashtag used in the last hour, by score (the API shows at most 50, the explore page 10). Counted an hour
   * of posts at a time, with a turn of the event loop between: a day of a large site is tens of thousands of rows.
   */
  async function trendingAt(at: Date): Promise<TrendingHashtag[]> {
    const counts = new Map<string, { recent: number; previous: number }>()
    for (let hour = 0; hour < 25; hour++) {
      if (hour > 0) await new Promise((resolve) => setImmediate(resolve))
      const from = new Date(at.getTime() - (hour + 1) * 3_600_000).toISOString()
      const to = new Date(at.getTime() - hour * 3_600_000).toISOString()
      const rows = await db
        .selectFrom('post_hashtags')
        .innerJoin('hashtags', 'hashtags.id', 'post_hashtags.hashtag_id')
        .innerJoin('posts', 'posts.id', 'post_hashtags.post_id')
        .select(['hashtags.tag', (eb) => eb.fn.countAll<number>().as('uses')])
        // Implied by visibleTo(null) (only-me posts are no one else's); said here so that the hour is read along
        // posts_published instead of every published post.
        .where('posts.status', '=', 'published')
        .where('posts.visibility', 'in', ['public', 'followers'])
        .where('posts.published_at', '>=', from)
        .where('posts.published_at', hour === 0 ? '<=' : '<', to)
        .where(visibleTo(null))
        .groupBy('hashtags.id')
        .execute()
      for (const r of rows) {
        const c = counts.get(r.tag) ?? { recent: 0, previous: 0 }
        if (hour === 0) c.recent += Number(r.uses)
        else c.previous += Number(r.uses)
        counts.set(r.tag, c)
      }
    }
    return [...counts]
      .filter(([, c]) => c.recent > 0)
      .map(([tag, { recent, previous }]) => ({ tag, recent, previous, score: (recent * recent) / (previous / 24 + 1) }))
      .sort((a, b) => b.score - a.score || b.recent - a.recent || a.tag.localeCompare(b.tag))
  }

  const service = {
    /**
     * Copy a published post into its author's followers' feeds, unless the author has at least
     * `feed.fanout_threshold` followers: their posts are pulled at read time instead. Runs as a job after the
     * post is committed, in chunks of FANOUT_CHUNK followers, each its own short write (followers in id order,
     * so each chunk writes near neighbours in feed_items' indexes), with a turn of the event loop between
     * chunks: SQLite has one writer, and a long fan-out must not hold it, nor the requests, for its whole length.
     */
    async fanOut(postId: number): Promise<number> {
      const post = await db
        .selectFrom('posts')
        .innerJoin('users', 'users.id', 'posts.author_id')
        .select(['posts.id', 'posts.author_id', 'posts.published_at', 'posts.status', 'posts.visibility', 'users.followers_count'])
        .where('posts.id', '=', postId)
        .executeTakeFirst()
      if (!post || post.status !== 'published' || post.visibility === 'only_me' || !post.published_at) return 0
      if (post.followers_count >= (await threshold())) return 0
      const followers = await db.selectFrom('follows').select('follower_id').where('followee_id', '=', post.author_id).orderBy('follower_id').execute()
      let written = 0
      for (let i = 0; i < followers.length; i += FANOUT_CHUNK) {
        if (i > 0) await new Promise((resolve) => setImmediate(resolve))
        const ids = JSON.stringify(followers.slice(i, i + FANOUT_CHUNK).map((f) => f.follower_id))
        // One statement, one implicit transaction; the SQL text never changes, so it stays prepared.
        const r = await sql`insert into feed_items (user_id, post_id, author_id, published_at)
          select value, ${post.id}, ${post.author_id}, ${post.published_at} from json_each(${ids}) where true
          on conflict do nothing`.execute(db)
        written += Number(r.numAffectedRows ?? 0)
      }
      return written
    },

    /** A new follow: bring the followee's recent posts into the follower's feed. */
    async backfill(followerId: number, followeeId: number): Promise<void> {
      const author = await db.selectFrom('users').select('followers_count').where('id', '=', followeeId).executeTakeFirst()
      if (!author || author.followers_count >= (await threshold())) return
      await db
        .insertInto('feed_items')
        .columns(['user_id', 'post_id', 'author_id', 'published_at'])
        .expression((eb) =>
          eb
            .selectFrom('posts')
            .select([eb.val(followerId).as('user_id'), 'posts.id', 'posts.author_id', 'posts.published_at'])
            .where('posts.author_id', '=', followeeId)
            .where('posts.status', '=', 'published')
            .where('posts.visibility', '!=', 'only_me')
            .orderBy('posts.published_at', 'desc')
            .limit(BACKFILL_POSTS) as any,
        )
        .onConflict((oc) => oc.doNothing())
        .execute()
    },

    /** An unfollow: take the followee's posts out of the follower's feed. */
    async removeAuthor(followerId: number, followeeId: number): Promise<void> {
      await db.deleteFrom('feed_items').where('user_id', '=', followerId).where('author_id', '=', followeeId).execute()
    },

    /**
     * The home feed: the member's fanned-out feed items, merged with the posts of followed members above
     * the threshold (pulled now) and their own posts, newest first. Visibility is part of the query.
     *
     * Each source gives its newest `limit + 1` posts the viewer may see, walking an index in feed order
     * (feed_items by member and date; posts by author and date), so a page costs the same however long the
     * feed is; the page is the newest of those. Visibility is checked inside each source, before its LIMIT.
     */
    async home(viewerId: number, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<PostView>> {
      const limit = options.limit ?? 20
      const k = limit + 1
      const after = decodeCursor<{ at: string; id: number }>(options.cursor, ['at', 'id'])
      const pulledAuthors = await shapes.all(
        'home.pulled',
        (slot) =>
          db
            .selectFrom('follows')
            .innerJoin('users', 'users.id', 'follows.followee_id')
            .select('follows.followee_id')
            .where('follows.follower_id', '=', slot<number>('viewer'))
            .where('users.followers_count', '>=', slot<number>('threshold')),
        { viewer: viewerId, threshold: await threshold() },
      )
      // Built once per shape (how many pulled authors, a cursor or not), the values bound at each call.
      const build = (slot: SlotOf) => {
        const viewer = slot<number>('viewer')
        const k = slot<number>('k')
        const cursor = after ? { at: slot<string>('at'), id: slot<number>('id') } : null
        // Posts by one author, newest first: the viewer's own, or a pulled author's (walks posts_author_published).
        const byAuthor = (authorId: number, own: boolean) => {
          let q = db.selectFrom('posts').select(['posts.id', 'posts.published_at']).where('posts.author_id', '=', authorId).where('posts.status', '=', 'published')
          if (!own) q = q.where(visibleTo(viewer)).where((eb) => eb.not(mutedBy(viewer, 'posts.author_id')))
          if (cursor) q = q.where('posts.published_at', '<=', cursor.at).where(olderThan('posts.published_at', 'posts.id', cursor))
          return q.orderBy('posts.published_at', 'desc').orderBy('posts.id', 'desc').limit(k)
        }
        // Fanned-out posts, newest first along feed_items_read; the post row is read only to check visibility.
        let pushed = db
          .selectFrom('feed_items')
          .innerJoin('posts', 'posts.id', 'feed_items.post_id')
          .select(['posts.id', 'posts.published_at'])
          .where('feed_items.user_id', '=', viewer)
          .where('posts.status', '=', 'published')
          .where(visibleTo(viewer))
          .where((eb) => eb.not(mutedBy(viewer, 'posts.author_id')))
        if (cursor) pushed = pushed.where('feed_items.published_at', '<=', cursor.at).where(olderThan('feed_items.published_at', 'feed_items.post_id', cursor))
        const sources = [
          pushed.orderBy('feed_items.published_at', 'desc').orderBy('feed_items.post_id', 'desc').limit(k),
          byAuthor(viewer, true),
          ...pulledAuthors.map((_, i) => byAuthor(slot<number>(`author${i}`), false)),
        ]
        // A compound SELECT takes ORDER BY and LIMIT only on the whole: each source is wrapped as a subquery.
        const candidates = sources.map((q, i) => db.selectFrom(q.as(`s${i}`)).select(`s${i}.id`)).reduce((all, q) => all.unionAll(q))
        return db.selectFrom('posts').selectAll().where('posts.id', 'in', candidates).orderBy('posts.published_at', 'desc').orderBy('posts.id', 'desc').limit(k)
      }
      const values: Record<string, unknown> = { viewer: viewerId, k, ...(after ? { at: after.at, id: after.id } : {}) }
      pulledAuthors.forEach((a, i) => (values[`author${i}`] = a.followee_id))
      const rows = await shapes.all(`home:${pulledAuthors.length}:${after ? 'cursor' : 'first'}`, build, values)
      const pageRows = rows.slice(0, limit)
      const last = pageRows[pageRows.length - 1]
      const items = await hooks.apply('filter:feed.home', await posts.hydrate(viewerId, pageRows), { viewerId })
      return { items, nextCursor: rows.length > limit && last ? encodeCursor({ at: last.published_at!, id: last.id }) : null }
    },

    /**
     * Explore: public posts of public accounts from the last 30 days, ranked by engagement with time
     * decay: (likes + 2 × comments + 1) / (age in hours + 2)^1.5. Pages by position in that ranking.
     *
     * Ranking a month of posts reads every one of them, so the first EXPLORE_RANKED places are kept for
     * `feed.explore_refresh_seconds` and shared by every viewer; each page still checks, in SQL, which of
     * those the viewer may see before it counts its place. Pages past them, and a cursor of an older
     * ranking, are ranked live as of the cursor's time.
     */
    async explore(viewerId: number | null, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<PostView>> {
      const limit = options.limit ?? 20
      const from = decodeCursor<{ offset: number; at: string }>(options.cursor, ['offset', 'at'])
      const offset = Math.max(0, Math.min(Number(from?.offset ?? 0), 10_000))
      const kept = await keptRanking(from?.at)
      if (kept) {
        // The viewer's places, checked in SQL a chunk of the kept ranking at a time until the page and one more
        // are known: a first page checks a few dozen posts, not all EXPLORE_RANKED.
        const need = offset + limit + 1
        const ranked: number[] = []
        for (let checked = 0, size = Math.max(2 * need, 40); ranked.length < need && checked < kept.ids.length; size *= 2) {
          const ids = kept.ids.slice(checked, checked + size)
          checked += ids.length
          const visible = new Set(
            (
              await shapes.all(
                `explore.visible:${viewerId === null ? 'guest' : 'member'}`,
                (slot) => {
                  const viewer = viewerId === null ? null : slot<number>('viewer')
                  return db
                    .selectFrom('posts')
                    .select('posts.id')
                    .where('posts.id', 'in', sql<number>`(select value from json_each(${slot<string>('ids')}))`)
                    .where(visibleTo(null))
                    .where(visibleTo(viewer))
                },
                { ids: JSON.stringify(ids), viewer: viewerId },
              )
            ).map((r) => r.id),
          )
          for (const id of ids) if (visible.has(id)) ranked.push(id)
        }
        if (offset + limit < ranked.length) {
          const pageIds = ranked.slice(offset, offset + limit)
          const byId = new Map((await db.selectFrom('posts').selectAll().where('id', 'in', pageIds).execute()).map((r) => [r.id, r]))
          const pageRows = pageIds.map((id) => byId.get(id)).filter((r) => r !== undefined)
          return { items: await posts.hydrate(viewerId, pageRows), nextCursor: encodeCursor({ offset: offset + limit, at: kept.at }) }
        }
      }
      const at = from?.at ?? new Date().toISOString()
      const rows = await rankedQuery(at).where(visibleTo(viewerId)).selectAll().limit(limit + 1).offset(offset).execute()
      const pageRows = rows.slice(0, limit)
      return { items: await posts.hydrate(viewerId, pageRows), nextCursor: rows.length > limit ? encodeCursor({ offset: offset + limit, at }) : null }
    },

    /**
     * Trending hashtags by velocity (seed 004 section 12): uses in the last hour against the hourly
     * average of the 24 hours before; score = recent × recent / (average + 1). Public posts only.
     * Now's list is kept for `feed.explore_refresh_seconds`.
     */
    async trending(limit = 10, at?: Date): Promise<TrendingHashtag[]> {
      const refreshMs = (await settings.get('feed.explore_refresh_seconds')) * 1000
      if (at || refreshMs <= 0) return (await trendingAt(at ?? new Date())).slice(0, limit)
      // As explore's ranking: a stale list is served while the next is counted; only the first is waited for.
      if (!trendingKept || Date.now() - trendingKept.made >= refreshMs) {
        trendingMade ??= trendingAt(new Date())
          .then((list) => {
            trendingKept = { made: Date.now(), list }
          })
          .finally(() => {
            trendingMade = null
          })
        if (!trendingKept) await trendingMade
        else trendingMade.catch(() => {})
      }
      return trendingKept!.list.slice(0, limit)
    },
  }
  return service
}
