// Search over members, posts and hashtags with SQLite FTS5. Visibility, suspension and blocks are part of
// each query (never a filter after LIMIT), so a page of results is always a full page the viewer may see.
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import type { UserRow } from '../db/schema.js'
import { decodeCursor, encodeCursor, olderThan, type Page } from '../pagination.js'
import type { PostsService } from '../posts/service.js'
import type { PostView } from '../posts/types.js'
import { visibleTo } from '../posts/visibility.js'
import { blockedWith } from '../safety/queries.js'
import type { SafetyService } from '../safety/service.js'
import type { SocialService } from '../social/service.js'
import { parse } from '../validation.js'
import { searchQuery, searchQueryInput } from './inputs.js'
import { toFtsQuery } from './query.js'
import type { SearchTables } from './tables.js'

/** A member found by search: what their public profile header shows. */
export interface MemberHit {
  id: number
  username: string
  display_name: string
  bio: string
  avatar_url: string | null
  is_private: boolean
}

export interface HashtagHit {
  tag: string
  /** Public posts with this tag that the viewer may see (never followers-only or private accounts' posts). */
  posts_count: number
}

export interface SearchOptions {
  cursor?: string | null
  limit?: number
}

/** Column weights for bm25 over members: a username counts most, then the display name, then the bio. */
const MEMBER_WEIGHTS = sql.raw('10.0, 5.0, 1.0')

type MemberCursor = { t: number; r: number; id: number }
type PostCursor = { r: number; at: string; id: number }

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
}) {
  const { posts, social } = deps
  const db = deps.db.withTables<SearchTables>()

  /** Validate and quote what was typed; null when nothing searchable is left (only punctuation or emoji). */
  function prepare(q: unknown) {
    const { q: text } = parse(searchQueryInput, { q })
    return { text, fts: toFtsQuery(text) }
  }

  async function memberHits(viewerId: number | null, rows: UserRow[]): Promise<MemberHit[]> {
    const out: MemberHit[] = []
    for (const u of rows) {
      const avatar = u.avatar_media_id && social && (await social.canSeeAvatar(viewerId, u)) ? `/media/${u.avatar_media_id}/150` : null
      out.push({ id: u.id, username: u.username, display_name: u.display_name || u.username, bio: u.bio, avatar_url: avatar, is_private: u.is_private === 1 })
    }
    return out
  }

  const service = {
    /**
     * Members matching the query: never suspended ones, nobody across a block (either way). Ranked by an
     * exact username first, then matches in the username or display name, then bio-only matches; within
     * each, by bm25 (username weighs most).
     * @example await search.users(viewer?.id ?? null, 'ana b', { limit: 5 })
     */
    async users(viewerId: number | null, q: unknown, options: SearchOptions = {}): Promise<Page<MemberHit>> {
      const { text, fts } = prepare(q)
      const after = decodeCursor<MemberCursor>(options.cursor, ['t', 'r', 'id'])
      if (!fts) return { items: [], nextCursor: null }
      const limit = options.limit ?? 20
      const exact = fts.terms.length === 1 ? text.replace(/^@/, '').toLowerCase() : null
      const inName = `{username display_name} : (${fts.match})`
      const tier = sql<number>`(case when ${exact !== null ? sql`lower(users.username) = ${exact}` : sql`0`} then 0 when users.id in (select rowid from users_fts where users_fts match ${inName}) then 1 else 2 end)`
      const score = sql<number>`bm25(users_fts, ${MEMBER_WEIGHTS})`
      let query = db
        .selectFrom('users_fts')
        .innerJoin('users', 'users.id', 'users_fts.rowid')
        .selectAll('users')
        .select([tier.as('tier'), score.as('score')])
        .where(sql<boolean>`users_fts match ${fts.match}`)
        .where('users.suspended_at', 'is', null)
      if (viewerId !== null) query = query.where((eb) => eb.not(blockedWith(viewerId, 'users.id')))
      if (after) {
        query = query.where((eb) =>
          eb.or([eb(tier, '>', after.t), eb.and([eb(tier, '=', after.t), eb.or([eb(score, '>', after.r), eb.and([eb(score, '=', after.r), eb('users.id', '>', after.id)])])])]),
        )
      }
      const rows = await query.orderBy('tier').orderBy('score').orderBy('users.id').limit(limit + 1).execute()
      const page = rows.slice(0, limit)
      const last = page[page.length - 1]
      return { items: await memberHits(viewerId, page), nextCursor: rows.length > limit && last ? encodeCursor({ t: last.tier, r: last.score, id: last.id }) : null }
    },

    /**
     * Published posts matching the query that the viewer may see (visibleTo: privacy, followers-only,
     * hidden-from, blocks, suspended authors), best bm25 match first, newest first among equals.
     * @example await search.posts(null, 'picnic')
     */
    async posts(viewerId: number | null, q: unknown, options: SearchOptions = {}): Promise<Page<PostView>> {
      const { fts } = prepare(q)
      const after = decodeCursor<PostCursor>(options.cursor, ['r', 'at', 'id'])
      if (!fts) return { items: [], nextCursor: null }
      const limit = options.limit ?? 20
      const score = sql<number>`bm25(posts_fts)`
      let query = db
        .selectFrom('posts_fts')
        .innerJoin('posts', 'posts.id', 'posts_fts.rowid')
        .selectAll('posts')
        .select(score.as('score'))
        .where(sql<boolean>`posts_fts match ${fts.match}`)
        .where('posts.status', '=', 'published')
        .where(visibleTo(viewerId))
      if (after) query = query.where((eb) => eb.or([eb(score, '>', after.r), eb.and([eb(score, '=', after.r), olderThan('posts.published_at', 'posts.id', after)(eb)])]))
      const rows = await query.orderBy('score').orderBy('posts.published_at', 'desc').orderBy('posts.id', 'desc').limit(limit + 1).execute()
      const page = rows.slice(0, limit)
      const last = page[page.length - 1]
      const items = await posts.hydrate(viewerId, page.map(({ score: _score, ...post }) => post))
      return { items, nextCursor: rows.length > limit && last ? encodeCursor({ r: last.score, at: last.published_at ?? '', id: last.id }) : null }
    },

    /**
     * Hashtags matching the query that appear on at least one post the viewer may see (a tag used only in
     * private posts stays unknown), the exact tag first, then by how many public posts use it.
     * @example await search.hashtags(null, '#run', { limit: 5 })
     */
    async hashtags(viewerId: number | null, q: unknown, options: { limit?: number } = {}): Promise<HashtagHit[]> {
      const { text, fts } = prepare(q)
      if (!fts) return []
      const limit = options.limit ?? 10
      const exact = text.replace(/^#/, '').toLowerCase()
      // CROSS JOIN keeps SQLite walking a tag's own posts (post_hashtags first) rather than every published post.
      const rows = await db
        .selectFrom('hashtags_fts')
        .innerJoin('hashtags', 'hashtags.id', 'hashtags_fts.rowid')
        .select((eb) => [
          'hashtags.tag',
          eb
            .selectFrom('post_hashtags')
            .crossJoin('posts')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('post_hashtags.hashtag_id', '=', 'hashtags.id')
            .whereRef('posts.id', '=', 'post_hashtags.post_id')
            .where('posts.status', '=', 'published')
            .where(visibleTo(null))
            .where(visibleTo(viewerId))
            .as('posts_count'),
        ])
        .where(sql<boolean>`hashtags_fts match ${fts.match}`)
        .where((eb) =>
          eb.exists(
            eb
              .selectFrom('post_hashtags')
              .crossJoin('posts')
              .select('posts.id')
              .whereRef('post_hashtags.hashtag_id', '=', 'hashtags.id')
              .whereRef('posts.id', '=', 'post_hashtags.post_id')
              .where('posts.status', '=', 'published')
              .where(visibleTo(viewerId)),
          ),
        )
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
      const [users, hashtags] = await Promise.all([service.users(viewerId, q, { limit }), service.hashtags(viewerId, q, { limit })])
      return { users: users.items, hashtags }
    },
  }
  return service
}
