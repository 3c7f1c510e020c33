// Counts a profile shows, as the viewer may see them: posts counted in SQL through visibleTo (never the raw
// total), follower and following counts kept to the members the lists show (suspended members left out).
import { sql, type Kysely } from 'kysely'
import type { Db } from '../db/connect.js'
import type { Database } from '../db/schema.js'
import { queryShapes } from '../db/shapes.js'
import { visibleTo } from '../posts/visibility.js'

/**
 * A profile's posts are counted up to this many, the viewer's visibility checked per post (about 3.5 µs a
 * post for a member viewer): the header then costs at most a few milliseconds, and a count above the cap reads
 * "1000+". See docs/decisions/017-hidden-equals-missing-and-counts.md.
 */
export const POSTS_COUNT_CAP = 1000

/** Each database's query shapes for the count (on every profile view). */
const shapesOf = new WeakMap<Db, ReturnType<typeof queryShapes>>()

/**
 * How many of a member's published posts the viewer may see (the posts their timeline lists), up to
 * `cap` (POSTS_COUNT_CAP): `{ count, capped }`, capped meaning "more than count". One row past the cap is read so
 * that exactly `cap` posts read as an exact count.
 * @example const { count, capped } = await visiblePostsCount(db, viewer?.id ?? null, author.id)
 */
export async function visiblePostsCount(db: Db, viewerId: number | null, authorId: number, cap = POSTS_COUNT_CAP): Promise<{ count: number; capped: boolean }> {
  let shapes = shapesOf.get(db)
  if (!shapes) shapesOf.set(db, (shapes = queryShapes(db, 4)))
  const [row] = await shapes.all(
    `visible-posts-count:${viewerId === null ? 'guest' : 'member'}`,
    (slot) =>
      db
        .selectFrom((eb) =>
          eb
            .selectFrom('posts')
            .select('posts.id')
            .where('posts.author_id', '=', slot<number>('author'))
            .where('posts.status', '=', 'published')
            .where('posts.repost_of', 'is', null)
            .where(visibleTo(viewerId === null ? null : slot<number>('viewer')))
            .limit(slot<number>('cap'))
            .as('visible'),
        )
        .select((eb) => eb.fn.countAll<number>().as('n')),
    { author: authorId, viewer: viewerId, cap: cap + 1 },
  )
  const count = Number(row?.n ?? 0)
  return { count: Math.min(count, cap), capped: count > cap }
}
