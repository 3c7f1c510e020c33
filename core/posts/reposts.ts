// Reposts and quotes (decision 025): what a page of posts needs to know about them, in one statement each, and the
// one rule for who may repost what. A repost is a post row (repost_of), so fan-out, feeds and paging carry it as any post.
import { displayName } from '../users/display-name.js'
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import { queryShapes } from '../db/shapes.js'
import { AppError, forbidden, notFound } from '../errors.js'
import type { PostRow } from './tables.js'
import { audienceOf, shownAsRepost, visibleTo } from './visibility.js'

/** Reposts and quotes counted per post and viewer, at most (decision 017: a count on a hot page is capped). */
export const REPOSTS_COUNT_CAP = 1000

/** What a viewer sees of a post's reposts. */
export interface RepostFacts {
  /** Plain reposts the viewer may see. */
  reposts: number
  /** Quotes the viewer may see, with this post in their card. */
  quotes: number
  /** The viewer has reposted it. */
  reposted: boolean
  /** The viewer may repost or quote it now. */
  can: boolean
}

const shapesOf = new WeakMap<Db, ReturnType<typeof queryShapes>>()
const shapes = (db: Db) => {
  let s = shapesOf.get(db)
  if (!s) shapesOf.set(db, (s = queryShapes(db, 6)))
  return s
}

/**
 * The repost facts of a page of posts for a viewer, in one statement bounded by the page's ids: each count walks the
 * post's reposts (or quotes) by index, checking each the way its list would (the repost row's audience, and this post
 * shown as that member's repost), up to REPOSTS_COUNT_CAP.
 */
export async function repostFacts(db: Db, viewerId: number | null, postIds: number[]): Promise<Map<number, RepostFacts>> {
  const out = new Map<number, RepostFacts>()
  if (!postIds.length) return out
  const rows = await shapes(db).all(
    `repost-facts:${viewerId === null ? 'guest' : 'member'}`,
    (slot) => repostFactsQuery(db, viewerId === null ? null : slot<number>('viewer'), slot<string>('ids'), slot<number>('cap')),
    { ids: JSON.stringify(postIds), viewer: viewerId, cap: REPOSTS_COUNT_CAP },
  )
  for (const r of rows as any[]) out.set(Number(r.id), { reposts: Number(r.reposts), quotes: Number(r.quotes), reposted: !!r.reposted, can: !!r.can })
  return out
}

/** The statement of `repostFacts` (exported for its query-plan test): `ids` a JSON array of post ids. */
export function repostFactsQuery(db: Db, viewer: number | null, ids: string, cap: number) {
  const counted = (column: 'repost_of' | 'quote_of') =>
    sql<number>`(select count(*) from (${db
      .selectFrom('posts as r')
      .select('r.id')
      .where(sql.ref(`r.${column}`), '=', sql.ref('p.value'))
      .where((eb) => audienceOf(viewer, 'r')(eb))
      .where((eb) => eb.exists(eb.selectFrom('posts as original').select('original.id').where('original.id', '=', sql.ref('p.value') as any).where((o) => shownAsRepost(viewer, 'original', sql.ref('r.author_id'))(o))))
      .limit(cap)}))`
  return db.selectFrom(sql<{ value: number }>`json_each(${ids})`.as('p')).select((eb) => [
    sql<number>`p.value`.as('id'),
    counted('repost_of').as('reposts'),
    counted('quote_of').as('quotes'),
    viewer === null
      ? sql<number>`0`.as('reposted')
      : eb.exists(eb.selectFrom('posts as mine').select('mine.id').where('mine.repost_of', '=', sql.ref('p.value') as any).where('mine.author_id', '=', viewer)).as('reposted'),
    viewer === null
      ? sql<number>`0`.as('can')
      : eb.exists(eb.selectFrom('posts as o').select('o.id').where('o.id', '=', sql.ref('p.value') as any).where((o) => shownAsRepost(viewer, 'o', viewer)(o))).as('can'),
  ])
}

/**
 * Which of `links` (a repost or quote row's original and its author) the viewer may see as that member's repost: the
 * indexes of those shown, one statement.
 */
export async function shownOriginals(db: Db, viewerId: number | null, links: { original: number; reposter: number }[]): Promise<Set<number>> {
  if (!links.length) return new Set()
  const rows = await shapes(db).all(
    `shown-originals:${viewerId === null ? 'guest' : 'member'}`,
    (slot) => {
      const viewer = viewerId === null ? null : slot<number>('viewer')
      return db
        .selectFrom(sql<{ key: number; value: string }>`json_each(${slot<string>('links')})`.as('l'))
        .select(sql<number>`l.key`.as('i'))
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('posts as original')
              .select('original.id')
              .where('original.id', '=', sql<number>`json_extract(l.value, '$[0]')` as any)
              .where((o) => shownAsRepost(viewer, 'original', sql<number>`json_extract(l.value, '$[1]')`)(o)),
          ),
        )
    },
    { links: JSON.stringify(links.map((l) => [l.original, l.reposter])), viewer: viewerId },
  )
  return new Set(rows.map((r) => Number(r.i)))
}

/**
 * The post `id` names as the original a member would repost or quote, or the reason they may not: NOT_FOUND when they
 * may not see it (hidden equals missing), FORBIDDEN with a sentence otherwise. A plain repost stands for its original.
 */
export async function repostableBy(db: Db, actorId: number, id: number): Promise<PostRow> {
  let row = Number.isInteger(id) && id > 0 ? await db.selectFrom('posts').selectAll().where('posts.id', '=', id).where(visibleTo(actorId)).executeTakeFirst() : undefined
  if (row?.repost_of) row = await db.selectFrom('posts').selectAll().where('posts.id', '=', row.repost_of).where(visibleTo(actorId)).executeTakeFirst()
  if (!row) throw notFound('That post')
  const own = row.author_id === actorId
  if (row.status !== 'published') throw new AppError(409, 'CONFLICT', 'Only published posts can be reposted or quoted.')
  const author = await db
    .selectFrom('users')
    .leftJoin('user_preferences as off', (j) => j.onRef('off.user_id', '=', 'users.id').on('off.key', '=', 'privacy.allow_reposts'))
    .select(['users.username', 'users.display_name', 'off.value as allow'])
    .where('users.id', '=', row.author_id)
    .executeTakeFirstOrThrow()
  const name = own ? 'You' : displayName(author)
  if (row.visibility === 'only_me') throw forbidden('Only-me posts cannot be reposted or quoted.')
  if (!own && row.scope !== null) throw forbidden('Posts in groups cannot be reposted or quoted.')
  if (!own && !(await db.selectFrom('posts').select('posts.id').where('posts.id', '=', row.id).where(visibleTo(null)).executeTakeFirst())) {
    throw forbidden('Only public posts can be reposted or quoted: this post is shared with a limited audience.')
  }
  if (author.allow === 'false') throw forbidden(`${name} ${own ? 'have' : 'has'} turned reposts off for ${own ? 'your' : 'their'} posts.`)
  if (row.reposts_enabled !== 1) throw forbidden(`${name} ${own ? 'have' : 'has'} turned reposts off for this post.`)
  // The read rule itself, last: what may be created is exactly what will be shown (blocks with its author included).
  const shown = await db.selectFrom('posts as original').select('original.id').where('original.id', '=', row.id).where((o) => shownAsRepost(actorId, 'original', actorId)(o)).executeTakeFirst()
  if (!shown) throw forbidden('This post cannot be reposted or quoted.')
  return row
}
