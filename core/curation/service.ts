// Curation (issue 18): categories of posts and members' interests in them, and what staff put first on Explore
// (featured posts and hashtags; the default hashtags are onboarding's suggested interests). Privacy is in the
// query: a featured post shows only while a guest may see it and the viewer may too (decision 017).
import { sql } from 'kysely'
import { z } from 'zod'
import { audit } from '../audit.js'
import type { Db } from '../db/connect.js'
import { now } from '../db/schema.js'
import { AppError, notFound, validationFailed } from '../errors.js'
import type { FeedService, TrendingHashtag } from '../feed/service.js'
import type { OnboardingService } from '../onboarding/service.js'
import { decodeCursor, olderThan, pageOf, type Page } from '../pagination.js'
import type { PostsService } from '../posts/service.js'
import type { PostView } from '../posts/types.js'
import { visibleTo } from '../posts/visibility.js'
import { passesFilters } from '../safety/filters.js'
import { safeName } from '../text/names.js'
import { parse } from '../validation.js'
import { categoryIdFor, categoryView, listCategories, SLUG, type CategoryView } from '../categories/queries.js'

export type { CategoryView } from '../categories/queries.js'

/** Featured posts on Explore's first page at most, and featured hashtags. */
export const FEATURED_POSTS_MAX = 12
export const FEATURED_TAGS_MAX = 10
/** Categories a site may have, and a member may keep as interests. */
export const CATEGORIES_MAX = 200
export const INTERESTS_MAX = 20


/** A slug from a name: ASCII letters and digits, the rest dashes (`Arts & Crafts` → `arts-crafts`). */
export function slugOf(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40).replace(/-+$/, '')
}

const slug = z.string({ error: 'The slug is text.' }).trim().toLowerCase().regex(SLUG, { error: 'The slug is lowercase letters, digits and dashes (at most 40), starting with a letter or digit.' })
const position = z.number({ error: 'The position is a whole number.' }).int('The position is a whole number.').min(0, 'The position is 0 or more.').max(10_000, 'The position is at most 10000.')
const until = z.iso
  .datetime({ offset: true, error: 'Give “until” as an ISO date and time, e.g. 2026-12-31T23:00:00Z.' })
  .nullable()
  .optional()
  .refine((v) => !v || Date.parse(v) > Date.now(), { error: '“Until” must be in the future.' })

export const categoryInput = z.object({
  name: safeName({ label: 'Category names', min: 1, max: 60, required: 'Give the category a name.' }),
  slug: slug.optional(),
  description: z.string({ error: 'The description is text.' }).trim().max(300, 'Keep the description under 300 characters.').default(''),
  position: position.default(0),
  enabled: z.boolean({ error: 'enabled is true or false.' }).default(true),
})
export const categoryUpdate = categoryInput.partial().extend({ description: z.string({ error: 'The description is text.' }).trim().max(300, 'Keep the description under 300 characters.').optional() })

/** A hashtag as staff type it (`#Hiking`, `hiking`), stored as posts store theirs: lower case, no `#`. */
export const hashtag = z
  .string({ error: 'Give a hashtag.' })
  .trim()
  .transform((t) => t.replace(/^#/, '').toLowerCase())
  .pipe(z.string().regex(/^[\p{L}\p{N}_]{1,64}$/u, 'A hashtag is letters, digits and underscores (at most 64).'))

export const featurePostInput = z.object({
  post_id: z.number({ error: 'post_id is a post’s id.' }).int('post_id is a post’s id.').positive('post_id is a post’s id.'),
  position: position.default(0),
  until,
})
export const featureTagInput = z.object({ tag: hashtag, position: position.default(0), until })

export interface FeaturedPostEntry {
  post_id: number
  position: number
  until: string | null
  featured_by: string | null
  created_at: string
  /** Whether Explore shows it now: still public to guests, published, not past `until`. */
  shown: boolean
  excerpt: string
}

export interface FeaturedTagEntry {
  tag: string
  position: number
  until: string | null
  featured_by: string | null
  created_at: string
  shown: boolean
}

export type TrendingEntry = TrendingHashtag & { featured: boolean }

const view = categoryView

/** Not past its end (a null `until` never ends). */
const current = (column: string, at: string) => sql<boolean>`(${sql.ref(column)} is null or ${sql.ref(column)} > ${at})`

export type CurationService = ReturnType<typeof createCurationService>

export function createCurationService(deps: { db: Db; posts: PostsService; feed: FeedService; onboarding: OnboardingService }) {
  const { db, posts, feed, onboarding } = deps

  const row = async (s: string) => {
    const r = SLUG.test(s) ? await db.selectFrom('categories').selectAll().where('slug', '=', s).executeTakeFirst() : undefined
    if (!r) throw notFound('That category')
    return r
  }
  /** An enabled category by slug (a disabled one is as missing to members). */
  const enabledRow = async (s: string) => {
    const r = await row(s).catch(() => null)
    if (!r || r.enabled !== 1) throw notFound('That category')
    return r
  }

  /** Public posts a guest may open (the only ones staff may feature, and the only ones Explore's strip shows). */
  const guestVisible = (viewer: number | null) =>
    db
      .selectFrom('posts')
      .where('posts.status', '=', 'published')
      .where('posts.visibility', '=', 'public')
      .where('posts.repost_of', 'is', null)
      .where(visibleTo(null))
      .where(visibleTo(viewer))
      .where(passesFilters(viewer))

  const service = {
    // Categories

    /** Categories in order; members see the enabled ones, staff (`all`) every one. */
    async categories(options: { all?: boolean } = {}): Promise<CategoryView[]> {
      return listCategories(db, options.all)
    },

    /** An enabled category (NOT_FOUND for an unknown or disabled slug). */
    async category(s: string): Promise<CategoryView> {
      return view(await enabledRow(s))
    },

    async createCategory(input: unknown, actorId: number | null): Promise<CategoryView> {
      const data = parse(categoryInput, input)
      const s = data.slug ?? slugOf(data.name)
      if (!SLUG.test(s)) throw validationFailed({ slug: 'Give the category a slug: lowercase letters, digits and dashes.' })
      if (await db.selectFrom('categories').select('id').where('slug', '=', s).executeTakeFirst()) throw validationFailed({ slug: `A category “${s}” already exists.` })
      const count = Number((await db.selectFrom('categories').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n)
      if (count >= CATEGORIES_MAX) throw new AppError(409, 'CONFLICT', `A site has at most ${CATEGORIES_MAX} categories.`)
      const r = await db.insertInto('categories').values({ slug: s, name: data.name, description: data.description, position: data.position, enabled: data.enabled ? 1 : 0 }).returningAll().executeTakeFirstOrThrow()
      await audit(db, { actorId, action: 'category.create', targetType: 'category', targetId: s, details: { name: data.name, enabled: data.enabled } })
      return view(r)
    },

    /** Change a category (its slug too: its page moves, posts keep it). */
    async updateCategory(s: string, input: unknown, actorId: number | null): Promise<CategoryView> {
      const before = await row(s)
      const data = parse(categoryUpdate, input)
      if (data.slug && data.slug !== before.slug && (await db.selectFrom('categories').select('id').where('slug', '=', data.slug).executeTakeFirst())) throw validationFailed({ slug: `A category “${data.slug}” already exists.` })
      const set = {
        ...(data.name !== undefined && { name: data.name }),
        ...(data.slug !== undefined && { slug: data.slug }),
        ...(data.description !== undefined && { description: data.description }),
        ...(data.position !== undefined && { position: data.position }),
        ...(data.enabled !== undefined && { enabled: data.enabled ? 1 : 0 }),
      }
      const r = await db.updateTable('categories').set({ ...set, updated_at: now() }).where('id', '=', before.id).returningAll().executeTakeFirstOrThrow()
      await audit(db, { actorId, action: 'category.update', targetType: 'category', targetId: r.slug, details: { ...set, ...(set.slug && { from: before.slug }) } })
      return view(r)
    },

    /** Delete a category: its posts keep no category, members lose it from their interests. */
    async removeCategory(s: string, actorId: number | null): Promise<void> {
      const r = await row(s)
      const posts = Number((await db.selectFrom('posts').select((e) => e.fn.countAll().as('n')).where('category_id', '=', r.id).executeTakeFirstOrThrow()).n)
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('posts').set({ category_id: null }).where('category_id', '=', r.id).execute()
        await trx.deleteFrom('member_categories').where('category_id', '=', r.id).execute()
        await trx.deleteFrom('categories').where('id', '=', r.id).execute()
      })
      await audit(db, { actorId, action: 'category.delete', targetType: 'category', targetId: s, details: { name: r.name, posts } })
    },

    categoryIdFor: (s: string | null | undefined) => categoryIdFor(db, s),

    /**
     * A category's page: its public posts a guest may see (and the viewer may), newest first, along
     * posts_category_published. NOT_FOUND for an unknown or disabled category.
     */
    async categoryPosts(viewerId: number | null, s: string, options: { cursor?: string | null; limit?: number } = {}): Promise<{ category: CategoryView; page: Page<PostView> }> {
      const r = await enabledRow(s)
      const limit = Math.min(Math.max(options.limit ?? 20, 1), 50)
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      let q = guestVisible(viewerId).selectAll('posts').where('posts.category_id', '=', r.id)
      if (after) q = q.where('posts.published_at', '<=', after.at).where(olderThan('posts.published_at', 'posts.id', after))
      const rows = await q.orderBy('posts.published_at', 'desc').orderBy('posts.id', 'desc').limit(limit + 1).execute()
      const page = pageOf(rows, limit, (p) => ({ at: p.published_at!, id: p.id }))
      return { category: view(r), page: { items: await posts.hydrate(viewerId, page.items), nextCursor: page.nextCursor } }
    },

    // Interests

    async interests(userId: number): Promise<CategoryView[]> {
      const rows = await db.selectFrom('member_categories').innerJoin('categories', 'categories.id', 'member_categories.category_id').selectAll('categories').where('member_categories.user_id', '=', userId).where('categories.enabled', '=', 1).orderBy('categories.position').orderBy('categories.name').execute()
      return rows.map(view)
    },

    /** Replace a member's interests with these categories (slugs of enabled ones). */
    async setInterests(userId: number, input: unknown): Promise<CategoryView[]> {
      const slugs = [...new Set(parse(z.array(slug, { error: 'Send interests as a list of category slugs.' }).max(INTERESTS_MAX, `Pick at most ${INTERESTS_MAX} interests.`), input))]
      const found = slugs.length ? await db.selectFrom('categories').select(['id', 'slug']).where('slug', 'in', slugs).where('enabled', '=', 1).execute() : []
      const missing = slugs.filter((x) => !found.some((f) => f.slug === x))
      if (missing.length) throw validationFailed({ interests: `There is no category “${missing[0]}”.` })
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('member_categories').where('user_id', '=', userId).execute()
        if (found.length) await trx.insertInto('member_categories').values(found.map((f) => ({ user_id: userId, category_id: f.id }))).execute()
      })
      return service.interests(userId)
    },

    /**
     * Explore's "For you" row: the best recent public posts (a week, ranked as Explore ranks) in the member's
     * categories, never their own; empty without interests.
     */
    async forInterests(viewerId: number, limit = 6): Promise<PostView[]> {
      const since = new Date(Date.now() - 7 * 86_400_000).toISOString()
      const at = now()
      const rows = await guestVisible(viewerId)
        .selectAll('posts')
        .where('posts.category_id', 'in', db.selectFrom('member_categories').innerJoin('categories', 'categories.id', 'member_categories.category_id').select('categories.id').where('member_categories.user_id', '=', viewerId).where('categories.enabled', '=', 1))
        .where('posts.published_at', '>=', since)
        .where('posts.author_id', '!=', viewerId)
        .orderBy(sql`(posts.likes_count + 2 * posts.comments_count + 1) / pow((julianday(${at}) - julianday(posts.published_at)) * 24 + 2, 1.5)`, 'desc')
        .orderBy('posts.id', 'desc')
        .limit(limit)
        .execute()
      return posts.hydrate(viewerId, rows)
    },

    // Featured posts

    /**
     * Feature a post on Explore (or change its place or end). Only a public post a guest may open: one that is
     * not is refused, and one that stops being so later drops out of Explore by itself.
     */
    async featurePost(input: unknown, actorId: number | null): Promise<FeaturedPostEntry> {
      const data = parse(featurePostInput, input)
      const post = await db.selectFrom('posts').select(['id', 'visibility', 'status', 'repost_of']).where('id', '=', data.post_id).executeTakeFirst()
      if (!post) throw notFound('That post')
      const open = await guestVisible(null).select('posts.id').where('posts.id', '=', data.post_id).executeTakeFirst()
      if (!open) throw validationFailed({ post_id: 'Only a published, public post that anyone may open can be featured.' })
      const values = { position: data.position, until: data.until ? new Date(data.until).toISOString() : null, featured_by: actorId }
      const existed = await db.selectFrom('featured_posts').select('post_id').where('post_id', '=', post.id).executeTakeFirst()
      await db.insertInto('featured_posts').values({ post_id: post.id, ...values }).onConflict((oc) => oc.column('post_id').doUpdateSet(values)).execute()
      await audit(db, { actorId, action: existed ? 'curation.featured-post.update' : 'curation.featured-post.add', targetType: 'post', targetId: post.id, details: { position: values.position, until: values.until } })
      return (await service.featuredPostEntries()).find((e) => e.post_id === post.id)!
    },

    async unfeaturePost(postId: number, actorId: number | null): Promise<void> {
      const r = await db.deleteFrom('featured_posts').where('post_id', '=', postId).executeTakeFirst()
      if (!Number(r.numDeletedRows)) throw notFound('That featured post')
      await audit(db, { actorId, action: 'curation.featured-post.remove', targetType: 'post', targetId: postId })
    },

    /** Staff's list: every featured post, with whether Explore shows it now (one gone private is kept, not shown). */
    async featuredPostEntries(): Promise<FeaturedPostEntry[]> {
      const at = now()
      const rows = await db
        .selectFrom('featured_posts')
        .leftJoin('posts', 'posts.id', 'featured_posts.post_id')
        .leftJoin('users', 'users.id', 'featured_posts.featured_by')
        .select(['featured_posts.post_id', 'featured_posts.position', 'featured_posts.until', 'featured_posts.created_at', 'users.username', 'posts.text'])
        .orderBy('featured_posts.position')
        .orderBy('featured_posts.created_at', 'desc')
        .execute()
      const shown = new Set((await guestVisible(null).select('posts.id').where('posts.id', 'in', db.selectFrom('featured_posts').select('post_id')).execute()).map((r) => r.id))
      return rows.map((r) => ({
        post_id: r.post_id,
        position: r.position,
        until: r.until,
        featured_by: r.username ?? null,
        created_at: r.created_at,
        shown: shown.has(r.post_id) && (r.until === null || r.until > at),
        excerpt: (r.text ?? '').slice(0, 140),
      }))
    },

    /** What Explore shows first: featured posts the viewer may see (a guest may too), in staff's order. */
    async featuredPosts(viewerId: number | null, limit = FEATURED_POSTS_MAX): Promise<PostView[]> {
      // The few featured ids first, then those posts by id: joined in one statement, SQLite walked every public post
      // (48 ms on the bench's 40,000) to find the handful featured.
      const featured = await db
        .selectFrom('featured_posts')
        .select('featured_posts.post_id')
        .where(current('featured_posts.until', now()))
        .orderBy('featured_posts.position')
        .orderBy('featured_posts.created_at', 'desc')
        .execute()
      if (!featured.length) return []
      const rows = await guestVisible(viewerId).selectAll('posts').where('posts.id', 'in', featured.map((f) => f.post_id)).execute()
      const byId = new Map(rows.map((r) => [r.id, r]))
      return posts.hydrate(viewerId, featured.flatMap((f) => byId.get(f.post_id) ?? []).slice(0, limit))
    },

    // Featured and default hashtags

    async featureTag(input: unknown, actorId: number | null): Promise<FeaturedTagEntry> {
      const data = parse(featureTagInput, input)
      const values = { position: data.position, until: data.until ? new Date(data.until).toISOString() : null, featured_by: actorId }
      const existed = await db.selectFrom('featured_hashtags').select('tag').where('tag', '=', data.tag).executeTakeFirst()
      if (!existed && Number((await db.selectFrom('featured_hashtags').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n) >= 50) throw new AppError(409, 'CONFLICT', 'At most 50 hashtags can be featured; remove one first.')
      await db.insertInto('featured_hashtags').values({ tag: data.tag, ...values }).onConflict((oc) => oc.column('tag').doUpdateSet(values)).execute()
      await audit(db, { actorId, action: existed ? 'curation.featured-hashtag.update' : 'curation.featured-hashtag.add', targetType: 'hashtag', targetId: data.tag, details: { position: values.position, until: values.until } })
      return (await service.featuredTagEntries()).find((e) => e.tag === data.tag)!
    },

    async unfeatureTag(raw: string, actorId: number | null): Promise<void> {
      const tag = hashtag.safeParse(raw)
      const r = tag.success ? await db.deleteFrom('featured_hashtags').where('tag', '=', tag.data).executeTakeFirst() : null
      if (!r || !Number(r.numDeletedRows)) throw notFound('That featured hashtag')
      await audit(db, { actorId, action: 'curation.featured-hashtag.remove', targetType: 'hashtag', targetId: tag.data! })
    },

    async featuredTagEntries(): Promise<FeaturedTagEntry[]> {
      const at = now()
      const rows = await db.selectFrom('featured_hashtags').leftJoin('users', 'users.id', 'featured_hashtags.featured_by').select(['featured_hashtags.tag', 'featured_hashtags.position', 'featured_hashtags.until', 'featured_hashtags.created_at', 'users.username']).orderBy('featured_hashtags.position').orderBy('featured_hashtags.tag').execute()
      return rows.map((r) => ({ tag: r.tag, position: r.position, until: r.until, featured_by: r.username ?? null, created_at: r.created_at, shown: r.until === null || r.until > at }))
    },

    /** The featured hashtags in force, in staff's order. */
    async featuredTags(): Promise<string[]> {
      const rows = await db.selectFrom('featured_hashtags').select('tag').where(current('featured_hashtags.until', now())).orderBy('position').orderBy('tag').limit(FEATURED_TAGS_MAX).execute()
      return rows.map((r) => r.tag)
    },

    /**
     * Trending with the featured hashtags first (marked `featured`, with their own figures when they trend too),
     * then the rest by velocity, `limit` in all.
     */
    async trending(limit = 10): Promise<TrendingEntry[]> {
      const featured = await service.featuredTags()
      const counted = await feed.trending(limit + featured.length)
      const byTag = new Map(counted.map((t) => [t.tag, t]))
      const first = featured.map((tag) => ({ ...(byTag.get(tag) ?? { tag, recent: 0, previous: 0, score: 0 }), featured: true }))
      const rest = counted.filter((t) => !featured.includes(t.tag)).map((t) => ({ ...t, featured: false }))
      return [...first, ...rest].slice(0, limit)
    },

    /** The default hashtags: onboarding's suggested interests, one list (Admin → Onboarding shows it too). */
    async defaultTags(): Promise<string[]> {
      return (await onboarding.config()).interests
    },

    async setDefaultTags(input: unknown, actorId: number | null): Promise<string[]> {
      const tags = parse(z.array(hashtag, { error: 'Send hashtags as a list.' }).max(30, 'At most 30 default hashtags.'), input)
      // Onboarding's saveConfig audits the change (`onboarding.update`, with the interests).
      return (await onboarding.saveConfig({ ...(await onboarding.config()), interests: tags }, actorId)).interests
    },
  }
  return service
}
