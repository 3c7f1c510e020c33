// Fan-out's writes, on a better-sqlite3 connection: shared by the feed service (on the server's connection, when no
// fan-out thread runs: tests, the CLI) and the fan-out thread (fanout-thread.js, on a connection of its own). Plain
// JavaScript, typed by fanout-writer.d.ts, so that the thread starts without the TypeScript loader.

/**
 * @param {import('better-sqlite3').Database} sqlite
 * @returns {import('./fanout-writer.js').FanoutWriter}
 */
export function createFanoutWriter(sqlite) {
  const post = sqlite.prepare(`select posts.id, posts.author_id, posts.published_at, posts.status, posts.visibility, users.followers_count
    from posts join users on users.id = posts.author_id where posts.id = ?`)
  const followers = sqlite.prepare('select follower_id from follows where followee_id = ? order by follower_id').pluck()
  // Reads each follower's newest row: the page the insert will write to, brought in before the write lock is taken.
  const warm = sqlite.prepare(`select count(*) from json_each(?) f
    where exists (select 1 from feed_items where user_id = f.value order by published_at desc, post_id desc limit 1)`).pluck()
  const insert = sqlite.prepare(`insert into feed_items (user_id, published_at, post_id, author_id)
    select value, :at, :id, :author from json_each(:ids) where true on conflict do nothing`)
  // Not into a feed whose horizon is at or after the post (a post older than that, made visible again by its
  // author): below the horizon, pages are pulled from followees' posts, and the row would show the post twice.
  // Only when some horizon reaches the post (one probe of feed_horizons_published): a new post is newer than all.
  const reached = sqlite.prepare('select exists (select 1 from feed_horizons where published_at >= ?)').pluck()
  const insertAboveHorizons = sqlite.prepare(`insert into feed_items (user_id, published_at, post_id, author_id)
    select f.value, :at, :id, :author from json_each(:ids) f
    where not exists (select 1 from feed_horizons h where h.user_id = f.value and (h.published_at > :at or (h.published_at = :at and h.post_id >= :id)))
    on conflict do nothing`)
  const edge = sqlite.prepare('select published_at, post_id from feed_items where user_id = ? order by published_at desc, post_id desc limit 1 offset ?')
  const drop = sqlite.prepare('delete from feed_items where user_id = ? and (published_at < ? or (published_at = ? and post_id <= ?))')
  // A horizon only moves forward: rows a new follow brought in below it were never read from the feed.
  const horizon = sqlite.prepare(`insert into feed_horizons (user_id, published_at, post_id) values (?, ?, ?)
    on conflict (user_id) do update set published_at = excluded.published_at, post_id = excluded.post_id
    where feed_horizons.published_at < excluded.published_at
       or (feed_horizons.published_at = excluded.published_at and feed_horizons.post_id < excluded.post_id)`)
  const trimTx = sqlite.transaction((/** @type {number} */ userId, /** @type {{ published_at: string, post_id: number }} */ e) => {
    const gone = drop.run(userId, e.published_at, e.published_at, e.post_id).changes
    horizon.run(userId, e.published_at, e.post_id)
    return gone
  })

  /** @type {import('./fanout-writer.js').FanoutWriter} */
  const writer = {
    target(postId, threshold) {
      const p = /** @type {any} */ (post.get(postId))
      if (!p || p.status !== 'published' || p.visibility === 'only_me' || !p.published_at) return null
      if (p.followers_count >= threshold) return null
      return {
        id: p.id,
        authorId: p.author_id,
        publishedAt: p.published_at,
        followers: /** @type {number[]} */ (followers.all(p.author_id)),
        belowSomeHorizon: reached.get(p.published_at) === 1,
      }
    },
    writeChunk(target, userIds, kept) {
      const ids = JSON.stringify(userIds)
      warm.get(ids)
      const written = (target.belowSomeHorizon ? insertAboveHorizons : insert).run({ at: target.publishedAt, id: target.id, author: target.authorId, ids }).changes
      const every = trimEvery(kept)
      for (const userId of userIds) if ((userId + target.id) % every === 0) writer.trim(userId, kept)
      return written
    },
    trim(userId, kept) {
      const e = /** @type {{ published_at: string, post_id: number } | undefined} */ (edge.get(userId, kept))
      // Immediate: the write lock from the start, waited for, as other connections write too.
      return e ? trimTx.immediate(userId, e) : 0
    },
  }
  return writer
}

/**
 * A follower's feed is looked at for trimming on one post in `kept / 16` of those it receives (62 for 1,000;
 * spread by member, so a fan-out trims a few feeds, not all of them). A look walks the kept rows, so it costs about
 * 16 rows' worth of stepping, once per `kept / 16` rows written; a feed grows past its size by about 6 % at most.
 * @param {number} kept
 */
export function trimEvery(kept) {
  return Math.max(1, Math.floor(kept / 16))
}
