// Search over members, posts and hashtags with SQLite FTS5. The index chooses the rows, in its own order;
// visibility, suspension and blocks are checked per row inside each query, before every LIMIT.
import { sql, type ExpressionBuilder } from 'kysely'
import type { Db } from '../db/connect.js'
import { queryShapes } from '../db/shapes.js'
import type { Database, UserRow } from '../db/schema.js'
import type { PostRow } from '../posts/tables.js'
import { decodeCursor, encodeCursor, pageOf, type Page } from '../pagination.js'
import type { PostsService } from '../posts/service.js'
import type { PostView } from '../posts/types.js'
import { passesFilters } from '../safety/filters.js'
import { visibleTo } from '../posts/visibility.js'
import { blockedWith } from '../safety/queries.js'
import type { SafetyService } from '../safety/service.js'
import type { SocialService } from '../social/service.js'
import { parse } from '../validation.js'
import { searchQuery, searchQueryInput } from './inputs.js'
import { toFtsQuery } from './query.js'
import type { SearchTables } from './tables.js'
import { displayName } from '../users/display-name.js'

/** A member found by search: what their public profile header shows. */
export interface MemberHit {
  id: number
  username: string
  display_name: string
  bio: string
  avatar_url: string | null
  is_private: boolean
  /** They carry the verified badge (verified members come first among equal matches). */
  verified: boolean
}

export interface HashtagHit {
  tag: string
  /**
   * Public posts with this tag that the viewer may see (never followers-only or private accounts' posts),
   * counted up to HASHTAG_COUNT_CAP: a count of 100 means "100 or more".
   */
  posts_count: number
}

export interface SearchOptions {
  cursor?: string | null
  limit?: number
}

/** Matches read from the index for a first page: enough for a page when most of them are visible. */
const FIRST_CHUNK = 64
/** The largest chunk of matches read at once (chunks grow fourfold while a page is not full). */
const MAX_CHUNK = 4096
/** Matches one request looks at before it answers with what it found and a cursor to go on. */
const SCAN_BUDGET = 20_000
/** The most public posts counted for a hashtag; the count says "at least" beyond it. */
export const HASHTAG_COUNT_CAP = 100
/** Suggestions show no counts: they are ordered by public posts counted up to this many. */
const SUGGEST_COUNT_CAP = 10

export type SearchService = ReturnType<typeof createSearchService>

/**
 * Members, posts and hashtags by full-text search; every query is validated (1 to 100 characters) and
 * quoted term by term (see toFtsQuery), and its last term matches as a prefix, for autocomplete.
 *
 * What a private account shows: it is found by username, display name and bio, because its profile
 * header (with the bio) is public; its posts are found only by those who may see them (visibleTo).
 */
export function createSearchService(deps: {
  db: Db
  posts: PostsService
  safety: SafetyService
  /** Decides whose avatar a viewer sees; without it, results carry no avatars. */
  social?: Pick<SocialService, 'canSeeAvatar'>
  /** Matches a post search looks at before it answers with what it found (default SCAN_BUDGET). */
  scanBudget?: number
}) {
  const { posts, social } = deps
  const scanBudget = deps.scanBudget ?? SCAN_BUDGET
  const db = deps.db.withTables<SearchTables>()
  const shapes = queryShapes(deps.db, 8)

  /** Validate and quote what was typed; null when nothing searchable is left (only punctuation or emoji). */
  function prepare(q: unknown, options: { prefix?: boolean } = {}) {
    const { q: text } = parse(searchQueryInput, { q })
    return { text, fts: toFtsQuery(text, options) }
  }

  async function memberHits(viewerId: number | null, rows: UserRow[]): Promise<MemberHit[]> {
    const out: MemberHit[] = []
    for (const u of rows) {
      const avatar = u.avatar_media_id && social && (await social.canSeeAvatar(viewerId, u)) ? `/media/${u.avatar_media_id}/150` : null
      out.push({ id: u.id, username: u.username, display_name: displayName(u), bio: u.bio, avatar_url: avatar, is_private: u.is_private === 1, verified: u.verified_at !== null })
    }
    return out
  }

  const service = {
    /**
     * Members matching the query: never suspended ones, nobody across a block (either way). An exact username
     * first, then matches in the username or display name, then bio-only matches; within each, verified members
     * first, then oldest account first. Each tier is read along the index in id order, so a page costs its own rows however many match
     * (a two-letter prefix can match every member), and the cursor (tier, id) neither skips nor repeats
     * anyone when others join or write in between pages.
     * @example await search.users(viewer?.id ?? null, 'ana b', { limit: 5 })
     */
    async users(viewerId: number | null, q: unknown, options: SearchOptions = {}): Promise<Page<MemberHit>> {
      const { text, fts } = prepare(q)
      const after = decodeCursor(options.cursor, { t: 'count', id: 'id' })
      if (!fts) return { items: [], nextCursor: null }
      const limit = options.limit ?? 20
      const from = after ? { tier: after.t, id: after.id } : null
      const shown = (eb: ExpressionBuilder<Database, 'users'>) =>
        viewerId === null ? eb.and([eb('users.suspended_at', 'is', null), eb('users.deleted_at', 'is', null)]) : eb.and([eb('users.suspended_at', 'is', null), eb('users.deleted_at', 'is', null), eb.not(blockedWith(viewerId, 'users.id'))])
      const found: (UserRow & { tier: number })[] = []
      // Tier 0: the username as typed (the column compares without case, along its unique index).
      const exactName = fts.terms.length === 1 ? text.replace(/^@/, '') : null
      const exact = exactName === null ? undefined : await db.selectFrom('users').selectAll('users').where('users.username', '=', exactName).where(shown).executeTakeFirst()
      if (exact && !from) found.push({ ...exact, tier: 0 })
      // Matches in the username or display name, then the rest (the bio only); within each, verified members first
      // (tiers 1 and 3), then the others (2 and 4). The terms are quoted, so building the expression here lets
      // nothing typed act as an operator.
      const inName = `{username display_name} : (${fts.match})`
      const tiers = [inName, inName, `(${fts.match}) NOT (${inName})`, `(${fts.match}) NOT (${inName})`]
      for (let t = 1; t <= tiers.length && found.length <= limit; t++) {
        if (from && t < from.tier) continue
        const verified = t % 2 === 1
        // CROSS JOIN: the left side drives, in id order, and each row is checked against the other by id. The few
        // verified members drive their tiers (the partial index), so a prefix matching everyone is not read twice.
        let query = (verified ? db.selectFrom('users').crossJoin('users_fts').where('users.verified_at', 'is not', null) : db.selectFrom('users_fts').crossJoin('users').where('users.verified_at', 'is', null))
          .selectAll('users')
          .whereRef('users.id', '=', 'users_fts.rowid')
          .where(sql<boolean>`users_fts match ${tiers[t - 1]!}`)
          .where(shown)
        if (from && t === from.tier) query = query.where('users.id', '>', from.id)
        if (exact) query = query.where('users.id', '!=', exact.id)
        const rows = await query.orderBy(verified ? 'users.id' : 'users_fts.rowid').limit(limit + 1 - found.length).execute()
        found.push(...rows.map((r) => ({ ...r, tier: t })))
      }
      const page = pageOf(found, limit, (r) => ({ t: r.tier, id: r.id }))
      return { items: await memberHits(viewerId, page.items), nextCursor: page.nextCursor }
    },

    /**
     * Published posts matching the query that the viewer may see (visibleTo: privacy, followers-only,
     * hidden-from, blocks, suspended authors), newest first (by id: the order they were written). The index
     * is walked backwards in chunks and each chunk's posts are checked for visibility by id, so a page costs
     * its own rows, not every match of a common word. The cursor is the last post's id: new posts never shift
     * later pages. After `SCAN_BUDGET` matches the viewer may not see, a page comes back short (even empty)
     * with a cursor that goes on from where the walk stopped.
     * @example await search.posts(null, 'picnic')
     */
    async posts(viewerId: number | null, q: unknown, options: SearchOptions = {}): Promise<Page<PostView>> {
      // Whole words: a prefix longer than the index's own (2 and 3 letters) makes FTS5 merge every matching
      // word's list of posts before it can give the newest (tens of milliseconds for a common one).
      const { fts } = prepare(q, { prefix: false })
      const after = decodeCursor(options.cursor, { id: 'id' })
      if (!fts) return { items: [], nextCursor: null }
      const limit = options.limit ?? 20
      const found: PostRow[] = []
      let before = after ? after.id : null
      let chunk = Math.min(Math.max(FIRST_CHUNK, 2 * (limit + 1)), scanBudget)
      let scanned = 0
      let exhausted = false
      while (found.length <= limit) {
        const ids = (
          await shapes.all(
            `search-matches:${before === null ? 'first' : 'after'}`,
            (slot) => {
              let matches = db.selectFrom('posts_fts').select('posts_fts.rowid').where(sql<boolean>`posts_fts match ${slot<string>('match')}`)
              if (before !== null) matches = matches.where('posts_fts.rowid', '<', slot<number>('before'))
              return matches.orderBy('posts_fts.rowid', 'desc').limit(slot<number>('chunk'))
            },
            { match: fts.match, before, chunk },
          )
        ).map((r) => r.rowid)
        if (ids.length) {
          // Each candidate is looked up by id and checked: the match chose the rows, visibility only filters them.
          const rows = await shapes.all(
            `search-candidates:${viewerId === null ? 'guest' : 'member'}`,
            (slot) =>
              db
                .selectFrom('posts')
                .selectAll('posts')
                .where('posts.id', 'in', sql<number>`(select value from json_each(${slot<string>('ids')}))`)
                // Unary +: the status filters the candidates; by posts_scheduled it would choose every published post.
                .where(sql<string>`+${sql.ref('posts.status')}`, '=', 'published')
                .where(visibleTo(viewerId === null ? null : slot<number>('viewer')))
                .where(passesFilters(viewerId === null ? null : slot<number>('viewer')))
                .orderBy('posts.id', 'desc')
                .limit(slot<number>('k')),
            { ids: JSON.stringify(ids), viewer: viewerId, k: limit + 1 - found.length },
          )
          found.push(...rows)
          before = ids[ids.length - 1]!
          scanned += ids.length
        }
        if (ids.length < chunk) {
          exhausted = true
          break
        }
        if (scanned >= scanBudget) break
        chunk = Math.min(chunk * 4, MAX_CHUNK)
      }
      const page = found.slice(0, limit)
      const items = await posts.hydrate(viewerId, page)
      // A full page goes on after its last post; a short one after the last match looked at, if any are left.
      const next = found.length > limit ? page[page.length - 1]!.id : !exhausted && before !== null ? before : null
      return { items, nextCursor: next === null ? null : encodeCursor({ id: next }) }
    },

    /**
     * Hashtags matching the query that appear on at least one post the viewer may see (a tag used only in
     * private posts stays unknown), the exact tag first, then by how many public posts use it (counted up to
     * `countUpTo`, HASHTAG_COUNT_CAP by default), then by name.
     * @example await search.hashtags(null, '#run', { limit: 5 })
     */
    async hashtags(viewerId: number | null, q: unknown, options: { limit?: number; countUpTo?: number } = {}): Promise<HashtagHit[]> {
      const { text, fts } = prepare(q)
      if (!fts) return []
      const limit = options.limit ?? 10
      const countUpTo = options.countUpTo ?? HASHTAG_COUNT_CAP
      const exact = text.replace(/^#/, '').toLowerCase()
      // The tag's own posts, newest first along post_hashtags_tag (CROSS JOIN keeps SQLite walking them, rather
      // than every published post), each checked for the viewer by id.
      const tagged = (eb: ExpressionBuilder<Database & SearchTables, 'hashtags'>) =>
        eb
          .selectFrom('post_hashtags')
          .crossJoin('posts')
          .select('posts.id')
          .whereRef('post_hashtags.hashtag_id', '=', 'hashtags.id')
          .whereRef('posts.id', '=', 'post_hashtags.post_id')
          .where(sql<string>`+${sql.ref('posts.status')}`, '=', 'published')
          .where(visibleTo(viewerId))
          .orderBy('post_hashtags.post_id', 'desc')
      const rows = await db
        .selectFrom('hashtags_fts')
        .innerJoin('hashtags', 'hashtags.id', 'hashtags_fts.rowid')
        .select((eb) => [
          'hashtags.tag',
          // Counted up to `countUpTo`: checking every post of a popular tag (tens of thousands) to order a few
          // suggestions costs far more than the page; the count says "at least" beyond it.
          eb.selectFrom((viewerId === null ? tagged(eb) : tagged(eb).where(visibleTo(null))).limit(countUpTo).as('public_posts')).select((e) => e.fn.countAll<number>().as('n')).as('posts_count'),
        ])
        .where(sql<boolean>`hashtags_fts match ${fts.match}`)
        .where((eb) => eb.exists(tagged(eb).limit(1)))
        .orderBy(sql`hashtags.tag = ${exact}`, 'desc')
        .orderBy('posts_count', 'desc')
        .orderBy('hashtags.tag')
        .limit(limit)
        .execute()
      return rows.map((r) => ({ tag: r.tag, posts_count: Number(r.posts_count ?? 0) }))
    },

    /**
     * What the search box offers while typing: up to `limit` members and hashtags by prefix. Never
     * throws on what was typed; an empty or too long query suggests nothing.
     */
    async suggest(viewerId: number | null, q: string, limit = 5): Promise<{ users: MemberHit[]; hashtags: HashtagHit[] }> {
      if (!searchQuery.safeParse(q).success) return { users: [], hashtags: [] }
      const [users, hashtags] = await Promise.all([service.users(viewerId, q, { limit }), service.hashtags(viewerId, q, { limit, countUpTo: SUGGEST_COUNT_CAP })])
      return { users: users.items, hashtags }
    },
  }
  return service
}
