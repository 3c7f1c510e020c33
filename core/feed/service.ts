// Feeds: the hybrid home feed (fan-out on write under a follower threshold, pull above it), explore and trending.
import { sql, type ExpressionBuilder } from 'kysely'
import type SQLite from 'better-sqlite3'
import type { Db } from '../db/connect.js'
import { queryShapes, type SlotOf } from '../db/shapes.js'
import type { HookRegistry } from '../hooks/registry.js'
import { decodeCursor, encodeCursor, olderThan, pageOf, type Page } from '../pagination.js'
import type { PostsService } from '../posts/service.js'
import type { PostRow } from '../posts/tables.js'
import type { PostView } from '../posts/types.js'
import { passesFilters } from '../safety/filters.js'
import { visibleTo } from '../posts/visibility.js'
import { mutedBy } from '../safety/queries.js'
import type { SettingsService } from '../settings/service.js'
import type { FanoutThread } from './fanout.js'
import { createFanoutWriter } from './fanout-writer.js'

/** Posts copied into a new follower's feed. */
export const BACKFILL_POSTS = 50

/** Followers written per statement by a fan-out: about a millisecond of holding SQLite's write lock when the pages are in memory. */
export const FANOUT_CHUNK = 100

/** How far back a page past a feed's horizon looks for older posts before it says the feed has ended. */
const OLDEST_WINDOW_MS = 20 * 365 * 86_400_000

/** Places of explore's ranking kept between refreshes (25 pages of 20). */
export const EXPLORE_RANKED = 500

/** Milliseconds a slice of explore's ranking should hold the process (see rankInSlices). */
const SLICE_MS = 4

/** Explore's score of a post as of `at`: (likes + 2 × comments + 1) / (age in hours + 2)^1.5. */
const SCORE = (at: string) => sql<number>`(posts.likes_count + 2 * posts.comments_count + 1) / pow((julianday(${at}) - julianday(posts.published_at)) * 24 + 2, 1.5)`

/** (time, id) at or before `edge`, in feed order (the time column, then the id). */
const atOrBefore = (timeColumn: string, idColumn: string, edge: { at: string; id: number }) => (eb: ExpressionBuilder<any, any>) =>
  eb.or([eb(timeColumn, '<', edge.at), eb.and([eb(timeColumn, '=', edge.at), eb(idColumn, '<=', edge.id)])])

/** A post row is newer than a horizon (strictly after it in feed order). */
const newerThan = (row: { published_at: string | null; id: number }, edge: { published_at: string; post_id: number }) =>
  row.published_at! > edge.published_at || (row.published_at === edge.published_at && row.id > edge.post_id)

/**
 * "Not a plain repost of a post by a member the viewer muted": muting hides a member's posts from the home feed, the
 * ones others repost too. A filter on the row already read (unary +), a primary-key lookup only for reposts.
 */
const notRepostOfMuted = (viewer: number) => (eb: ExpressionBuilder<any, any>) =>
  eb.or([
    eb(sql`+${sql.ref('posts.repost_of')}`, 'is', null),
    eb.not(eb.exists(eb.selectFrom('posts as reposted').select('reposted.id').whereRef('reposted.id', '=', 'posts.repost_of').where(mutedBy(viewer, 'reposted.author_id')))),
  ])

/** Feed order: newest first, then the higher id. */
const newestFirst = (a: PostRow, b: PostRow) => (a.published_at! < b.published_at! ? 1 : a.published_at! > b.published_at! ? -1 : b.id - a.id)

/**
 * A page of the home feed shows an original once: a plain repost of a post already on the page (itself, or reposted by
 * someone newer) is left out. Only within a page: the page's cursor stays the last row's, so nothing is skipped.
 */
export function onceEach(items: PostView[]): PostView[] {
  const seen = new Set<number>()
  return items.filter((p) => {
    const id = p.repost_of?.id ?? p.id
    if (seen.has(id)) return false
    seen.add(id)
    return true
  })
}

export interface TrendingHashtag {
  tag: string
  /** Uses in the last hour. */
  recent: number
  /** Uses in the 24 hours before that. */
  previous: number
  score: number
}

export type FeedService = ReturnType<typeof createFeedService>

export function createFeedService(deps: { db: Db; sqlite: SQLite.Database; settings: SettingsService; posts: PostsService; hooks: HookRegistry }) {
  const { db, settings, posts, hooks } = deps
  const shapes = queryShapes(db)
  // Fan-out's statements on the server's connection, for when no fan-out thread runs.
  const writer = createFanoutWriter(deps.sqlite)
  let thread: FanoutThread | null = null
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
      // Plain reposts add nothing to explore: their originals are ranked themselves.
      .where('posts.repost_of', 'is', null)
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

  /**
   * The newest `k` posts the viewer may see, at or before the feed's horizon (and older than the cursor), by the
   * followees whose posts are pushed: a page that reaches past what the feed keeps. Read a window of time at a
   * time, walking back from the bound: each followee's posts in the window along posts_author_published, so a
   * window costs a seek per followee plus the posts in it. The first window is sized from the feed's kept rows
   * (how much time `k` posts of this feed take); it grows fourfold until the page is full or nothing older can be.
   */
  async function olderThanHorizon(viewerId: number, horizon: { published_at: string; post_id: number }, after: { at: string; id: number } | null, k: number): Promise<PostRow[]> {
    // One bound, the older of the horizon (included) and the cursor (excluded): with two, SQLite walks from the
    // newer one and checks every post between them.
    const strict = after !== null && !newerThan({ published_at: after.at, id: after.id }, horizon)
    const bound = strict ? after! : { at: horizon.published_at, id: horizon.post_id }
    const boundMs = Date.parse(bound.at)
    const [span] = await shapes.all(
      'home.kept-span',
      (slot) =>
        db
          .selectFrom('feed_items')
          .select((eb) => [eb.fn.min('published_at').as('oldest'), eb.fn.max('published_at').as('newest'), eb.fn.countAll<number>().as('n')])
          .where('user_id', '=', slot<number>('viewer')),
      { viewer: viewerId },
    )
    const keptMs = span?.oldest && span.newest ? Date.parse(span.newest) - Date.parse(span.oldest) : 0
    let windowMs = Math.max(60_000, keptMs && span!.n > 1 ? (keptMs / span!.n) * k * 2 : 86_400_000)
    const values = { viewer: viewerId, threshold: await threshold(), k, at: bound.at, id: bound.id, from: '' }
    for (;;) {
      values.from = new Date(boundMs - windowMs).toISOString()
      const rows = await shapes.all(
        `home.older:${strict ? 'before' : 'at'}`,
        (slot) => {
          const viewer = slot<number>('viewer')
          const to = { at: slot<string>('at'), id: slot<number>('id') }
          return db
            .selectFrom('posts')
            .selectAll()
            .where('posts.author_id', 'in', (eb) =>
              eb
                .selectFrom('follows')
                .innerJoin('users', 'users.id', 'follows.followee_id')
                .select('follows.followee_id')
                .where('follows.follower_id', '=', viewer)
                .where('users.followers_count', '<', slot<number>('threshold')),
            )
            // Not an index term (the unary +): the walk must be posts_author_published's, per followee.
            .where(sql<string>`+posts.status`, '=', 'published')
            .where('posts.published_at', '>=', slot<string>('from'))
            .where('posts.published_at', '<=', to.at)
            .where(strict ? olderThan('posts.published_at', 'posts.id', to) : atOrBefore('posts.published_at', 'posts.id', to))
            .where(visibleTo(viewer))
            .where(passesFilters(viewer))
            .where((eb) => eb.not(mutedBy(viewer, 'posts.author_id')))
            .where(notRepostOfMuted(viewer))
            .orderBy('posts.published_at', 'desc')
            .orderBy('posts.id', 'desc')
            .limit(slot<number>('k'))
        },
        values,
      )
      // Hearth's first post cannot be older than this: a window reaching past it has seen everything.
      if (rows.length >= k || windowMs > OLDEST_WINDOW_MS) return rows
      windowMs *= 4
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  const service = {
    /**
     * Copy a published post into its author's followers' feeds, unless the author has at least
     * `feed.fanout_threshold` followers: their posts are pulled at read time instead. Runs as a job after the
     * post is committed, in chunks of FANOUT_CHUNK followers, each its own short write (followers in id order,
     * so each chunk writes near neighbours in feed_items), trimming the feeds whose turn it is (see trimEvery).
     * On the fan-out thread when the server runs one; in process otherwise, with a turn of the event loop between
     * chunks: SQLite has one writer, and a long fan-out must not hold it, nor the requests, for its whole length.
     */
    async fanOut(postId: number): Promise<number> {
      const limit = await threshold()
      const kept = await settings.get('feed.kept_items')
      if (thread?.alive()) return thread.run(postId, limit, kept)
      const target = writer.target(postId, limit)
      if (!target) return 0
      let written = 0
      for (let i = 0; i < target.followers.length; i += FANOUT_CHUNK) {
        if (i > 0) await new Promise((resolve) => setImmediate(resolve))
        written += writer.writeChunk(target, target.followers.slice(i, i + FANOUT_CHUNK), kept)
      }
      return written
    },

    /**
     * Keep the newest `kept` rows of a member's feed (`feed.kept_items` by default): older rows go, and the feed's
     * horizon moves to the newest of them, so that pages past it are pulled from followees' posts (see home).
     * Returns the rows taken away.
     */
    async trim(userId: number, kept?: number): Promise<number> {
      return writer.trim(userId, kept ?? (await settings.get('feed.kept_items')))
    },

    /** Hand fan-outs to a thread of their own (the server does while it runs), or take them back (null). */
    useThread(next: FanoutThread | null): void {
      thread = next
    },

    /** A new follow: bring the followee's recent posts into the follower's feed. */
    async backfill(followerId: number, followeeId: number): Promise<void> {
      const author = await db.selectFrom('users').select('followers_count').where('id', '=', followeeId).executeTakeFirst()
      if (!author || author.followers_count >= (await threshold())) return
      // Only above the feed's horizon: below it, pages are pulled from followees' posts, this one's included.
      const horizon = await db.selectFrom('feed_horizons').select(['published_at', 'post_id']).where('user_id', '=', followerId).executeTakeFirst()
      await db
        .insertInto('feed_items')
        .columns(['user_id', 'published_at', 'post_id', 'author_id'])
        .expression((eb) => {
          let q = eb
            .selectFrom('posts')
            .select([eb.val(followerId).as('user_id'), 'posts.published_at', 'posts.id', 'posts.author_id'])
            .where('posts.author_id', '=', followeeId)
            .where('posts.status', '=', 'published')
            .where('posts.visibility', '!=', 'only_me')
          if (horizon) q = q.where((eb) => eb.not(atOrBefore('posts.published_at', 'posts.id', { at: horizon.published_at, id: horizon.post_id })(eb)))
          return q.orderBy('posts.published_at', 'desc').limit(BACKFILL_POSTS) as any
        })
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
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      // The few members above the threshold (along users_followers_count), each probed in the viewer's follows.
      const pulledAuthors = await shapes.all(
        'home.pulled',
        (slot) =>
          db
            .selectFrom('follows')
            .select('follows.followee_id')
            .where('follows.follower_id', '=', slot<number>('viewer'))
            .where('follows.followee_id', 'in', db.selectFrom('users').select('users.id').where('users.followers_count', '>=', slot<number>('threshold'))),
        { viewer: viewerId, threshold: await threshold() },
      )
      // Built once per shape (how many pulled authors, a cursor or not), the values bound at each call.
      const build = (slot: SlotOf) => {
        const viewer = slot<number>('viewer')
        const k = slot<number>('k')
        const cursor = after ? { at: slot<string>('at'), id: slot<number>('id') } : null
        // Each source gives (id, at) in feed order straight off an index, with no ORDER BY or LIMIT of its own: the
        // compound's ORDER BY makes SQLite merge them, pulling from each only the rows that reach the page, so
        // visibility is checked for about `k` candidates, not `k` per source. UNION, not UNION ALL, so that a post
        // in two sources (pushed once, its author pulled since) is one place of the page.
        // Posts by one author: the viewer's own, or a pulled author's (walks posts_author_published).
        const byAuthor = (authorId: number, own: boolean) => {
          let q = db.selectFrom('posts').select(['posts.id as id', 'posts.published_at as at']).where('posts.author_id', '=', authorId).where(sql<string>`+posts.status`, '=', 'published')
          if (!own) q = q.where(visibleTo(viewer)).where(passesFilters(viewer)).where((eb) => eb.not(mutedBy(viewer, 'posts.author_id'))).where(notRepostOfMuted(viewer))
          if (cursor) q = q.where('posts.published_at', '<=', cursor.at).where(olderThan('posts.published_at', 'posts.id', cursor))
          return q
        }
        // Fanned-out posts along feed_items' key; the post row is read only to check visibility.
        let pushed = db
          .selectFrom('feed_items')
          .innerJoin('posts', 'posts.id', 'feed_items.post_id')
          .select(['feed_items.post_id as id', 'feed_items.published_at as at'])
          .where('feed_items.user_id', '=', viewer)
          .where(sql<string>`+posts.status`, '=', 'published')
          .where(visibleTo(viewer))
          .where(passesFilters(viewer))
          .where((eb) => eb.not(mutedBy(viewer, 'posts.author_id')))
          .where(notRepostOfMuted(viewer))
        if (cursor) pushed = pushed.where('feed_items.published_at', '<=', cursor.at).where(olderThan('feed_items.published_at', 'feed_items.post_id', cursor))
        const merged = [pushed, byAuthor(viewer, true), ...pulledAuthors.map((_, i) => byAuthor(slot<number>(`author${i}`), false))]
          .reduce((all, q) => all.union(q))
          .orderBy('at', 'desc')
          .orderBy('id', 'desc')
          .limit(k)
        return db.selectFrom('posts').selectAll().where('posts.id', 'in', db.selectFrom(merged.as('m')).select('m.id')).orderBy('posts.published_at', 'desc').orderBy('posts.id', 'desc').limit(k)
      }
      const values: Record<string, unknown> = { viewer: viewerId, k, ...(after ? { at: after.at, id: after.id } : {}) }
      pulledAuthors.forEach((a, i) => (values[`author${i}`] = a.followee_id))
      let rows = await shapes.all(`home:${pulledAuthors.length}:${after ? 'cursor' : 'first'}`, build, values)
      // Past the feed's horizon its trimmed rows are gone: the page's older part is pulled from the followees
      // whose posts are pushed, newest first, merged with the rest. Needed only when the page reaches the horizon.
      const [horizon] = await shapes.all(
        'home.horizon',
        (slot) => db.selectFrom('feed_horizons').select(['published_at', 'post_id']).where('user_id', '=', slot<number>('viewer')),
        { viewer: viewerId },
      )
      const lastRow = rows[rows.length - 1]
      if (horizon && (rows.length < k || !lastRow || !newerThan(lastRow, horizon))) {
        rows = [...rows, ...(await olderThanHorizon(viewerId, horizon, after, k))].sort(newestFirst).slice(0, k)
      }
      const page = pageOf(rows, limit, (r) => ({ at: r.published_at!, id: r.id }))
      const items = await hooks.apply('filter:feed.home', onceEach(await posts.hydrate(viewerId, page.items)), { viewerId })
      return { items, nextCursor: page.nextCursor }
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
      const from = decodeCursor(options.cursor, { offset: 'count', at: 'time' })
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
                    .where(passesFilters(viewer))
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
      const rows = await rankedQuery(at).where(visibleTo(viewerId)).where(passesFilters(viewerId)).selectAll().limit(limit + 1).offset(offset).execute()
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
