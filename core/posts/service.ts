// The posts service: create, edit, delete, pin, hide, schedule; hydrated views; timelines and hashtag pages.
import { sql } from 'kysely'
import { audit } from '../audit.js'
import type { Db } from '../db/connect.js'
import { queryShapes, type SlotOf } from '../db/shapes.js'
import { now, type AvatarVisibility } from '../db/schema.js'
import { AppError, forbidden, notFound, validationFailed } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import type { JobQueue } from '../jobs/queue.js'
import type { Logger } from '../logger.js'
import type { MediaService } from '../media/service.js'
import type { MediaRow } from '../media/tables.js'
import { decodeCursor, olderThan, pageOf, type Page } from '../pagination.js'
import type { SocialService } from '../social/service.js'
import type { Viewer } from '../users/types.js'
import { idsOfUsernames } from '../users/queries.js'
import { parse } from '../validation.js'
import { createPostInput, updatePostInput, type CreatePostInput } from './inputs.js'
import type { PostRow } from './tables.js'
import { extractHashtags, extractMentions, renderPostText } from './text.js'
import type { ContentPolicy } from '../policy/service.js'
import type { PostView } from './types.js'
import { passesFilters, sensitiveChoice } from '../safety/filters.js'
import { visibleTo } from './visibility.js'
import { displayName } from '../users/display-name.js'
import { hiddenByBlocks } from '../db/engagement-counts.js'
import { repostableBy, repostFacts, shownOriginals } from './reposts.js'
import { postPreviews } from './previews.js'
import { categoryIdFor } from '../categories/queries.js'

export const MAX_PINS = 3
export const FANOUT_JOB = 'feed.fanout'

export type PostsService = ReturnType<typeof createPostsService>


/** What hydration reads for a post besides its row. */
interface HydratedParts {
  id: number
  author_id: number
  username: string
  display_name: string
  avatar_media_id: number | null
  avatar_visibility: AvatarVisibility
  /** 1 when the author carries the verified badge. */
  verified: number
  /** Media ids by position. */
  media: number[]
  tags: string[]
  mentions: string[]
  pinned: 0 | 1
  reaction: 'like' | 'dislike' | null
  bookmarked: 0 | 1
  category_slug: string | null
  category_name: string | null
}

export function createPostsService(deps: {
  db: Db
  hooks: HookRegistry
  queue: JobQueue
  media: MediaService
  social: SocialService
  log: Logger
  /** Whether a mention of `targetId` by `actorId` counts (set by the safety service). */
  mayMention?: (actorId: number, targetId: number) => Promise<boolean>
  /** Counts a post against the member's posts-per-hour limit. */
  limit?: (action: 'post', userId: number) => Promise<void>
  /** The operator's rules on what members write (core/policy). */
  policy?: ContentPolicy
}) {
  const { db, hooks, queue, media, social, mayMention, limit, policy } = deps
  const shapes = queryShapes(db)

  /**
   * The members a text mentions that count: existing, active, not the author, allowing it, no block
   * between. Read before a transaction opens (these checks use the shared connection).
   */
  async function mentionsOf(authorId: number, text: string): Promise<number[]> {
    const names = extractMentions(text)
    const candidates = names.length
      ? (await db.selectFrom('users').select('id').where(sql<string>`lower(username)`, 'in', names).where('suspended_at', 'is', null).execute()).map((u) => u.id).filter((id) => id !== authorId)
      : []
    const mentioned: number[] = []
    for (const id of candidates) if (!mayMention || (await mayMention(authorId, id))) mentioned.push(id)
    return mentioned
  }

  /** Write hashtags and mentions of a post's text (replacing earlier ones). Runs inside a transaction. */
  async function indexText(trx: Db, postId: number, text: string, mentioned: number[]): Promise<{ hashtags: string[]; mentions: number[] }> {
    await trx.deleteFrom('post_hashtags').where('post_id', '=', postId).execute()
    await trx.deleteFrom('post_mentions').where('post_id', '=', postId).execute()
    const tags = extractHashtags(text)
    for (const tag of tags) {
      await trx.insertInto('hashtags').values({ tag }).onConflict((oc) => oc.column('tag').doNothing()).execute()
    }
    if (tags.length) {
      const ids = await trx.selectFrom('hashtags').select('id').where('tag', 'in', tags).execute()
      await trx.insertInto('post_hashtags').values(ids.map((h) => ({ post_id: postId, hashtag_id: h.id }))).execute()
    }
    if (mentioned.length) await trx.insertInto('post_mentions').values(mentioned.map((user_id) => ({ post_id: postId, user_id }))).execute()
    return { hashtags: tags, mentions: mentioned }
  }

  /**
   * Queue a post's fan-out (a job, so the author never waits) in the transaction that makes it visible: a post
   * that committed always reaches followers' feeds, even when the process dies right after (decision 015).
   */
  async function fanOutIn(trx: Db, postId: number): Promise<void> {
    await queue.enqueueIn(trx, FANOUT_JOB, { postId })
  }

  /** After a post became visible (its fan-out queued with it): tell plugins. */
  async function published(post: PostRow): Promise<void> {
    const tags = await db.selectFrom('post_hashtags').innerJoin('hashtags', 'hashtags.id', 'post_hashtags.hashtag_id').select('hashtags.tag').where('post_id', '=', post.id).execute()
    const mentions = await db.selectFrom('post_mentions').select('user_id').where('post_id', '=', post.id).execute()
    await hooks.emit('action:post.created', { postId: post.id, authorId: post.author_id, hashtags: tags.map((t) => t.tag), mentions: mentions.map((m) => m.user_id) })
    if (post.quote_of !== null) {
      const original = await db.selectFrom('posts').select('author_id').where('id', '=', post.quote_of).executeTakeFirst()
      if (original) await hooks.emit('action:post.reposted', { postId: post.id, originalId: post.quote_of, originalAuthorId: original.author_id, userId: post.author_id, quote: true })
    }
  }

  async function ownPost(actorId: number, id: number): Promise<PostRow> {
    const post = await db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst()
    // Someone else's post is NOT_FOUND unless they may see it, then FORBIDDEN.
    if (!post) throw notFound('That post')
    if (post.author_id !== actorId) {
      if (await service.get(actorId, id)) throw forbidden('Only the author can change this post.')
      throw notFound('That post')
    }
    return post
  }

  /** Whether staff (a decision in the queue) or a rule marked the post sensitive, rather than its author. */
  async function markedByOthers(id: number): Promise<boolean> {
    const [decision, rule] = await Promise.all([
      db.selectFrom('report_resolutions').select('id').where('target_type', '=', 'post').where('target_id', '=', String(id)).where('outcome', '=', 'sensitive').executeTakeFirst(),
      db.selectFrom('policy_hits').select('id').where('target', '=', `post:${id}`).where('action', '=', 'sensitive').where('dry_run', '=', 0).executeTakeFirst(),
    ])
    return !!(decision || rule)
  }

  /** One's own post to change (edit, pin): a plain repost has nothing of its own to change. */
  async function changeablePost(actorId: number, id: number): Promise<PostRow> {
    const post = await ownPost(actorId, id)
    if (post.repost_of !== null) throw new AppError(409, 'CONFLICT', 'A repost cannot be changed; undo it instead.')
    return post
  }

  /** Delete a post, its media files and its counts; audited when someone else than its author does it. */
  async function deletePost(post: PostRow, actor: Viewer, details: Record<string, unknown>): Promise<void> {
    const mediaIds = (await db.selectFrom('post_media').select('media_id').where('post_id', '=', post.id).execute()).map((m) => m.media_id)
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('posts').where('id', '=', post.id).execute()
      // Its plain reposts show nothing without it (quotes keep their text and say the post is unavailable).
      await trx.deleteFrom('posts').where('repost_of', '=', post.id).execute()
      if (post.status === 'published' && post.repost_of === null) await trx.updateTable('users').set((eb) => ({ posts_count: eb('posts_count', '-', 1) })).where('id', '=', post.author_id).execute()
    })
    for (const m of mediaIds) await media.remove(m)
    if (post.author_id !== actor.id) await audit(db, { actorId: actor.id, action: 'post.delete', targetType: 'post', targetId: post.id, details: { author_id: post.author_id, ...details } })
    await hooks.emit('action:post.deleted', { postId: post.id, authorId: post.author_id, actorId: actor.id })
  }

  /** A post's text as HTML, kept by post while its text and mentions stay the same: rendering is pure, and a feed shows the same posts again and again. */
  const renderedText = new Map<number, { text: string; mentions: string; html: string }>()
  function postHtml(post: PostRow, mentionNames: string[]): string {
    const mentions = mentionNames.join(' ')
    const kept = renderedText.get(post.id)
    if (kept && kept.text === post.text && kept.mentions === mentions) return kept.html
    const html = renderPostText(post.text, new Set(mentionNames.map((n) => n.toLowerCase())))
    if (kept) renderedText.delete(post.id)
    else if (renderedText.size >= 5000) renderedText.delete(renderedText.keys().next().value!)
    renderedText.set(post.id, { text: post.text, mentions, html })
    return html
  }

  /**
   * Posts → views. What each post carries (its author, media, hashtags, mentions, pin, the viewer's reaction and
   * bookmark) comes in one statement of the same shape for any page, as one JSON array (fewer values to hand from
   * SQLite to JavaScript than a row per post); the media rows in a second, only when a post has some.
   */
  async function hydrate(viewerId: number | null, rows: PostRow[], embedded = false): Promise<PostView[]> {
    if (!rows.length) return []
    const [{ page }] = (await shapes.all(
      'hydrate',
      (slot) =>
        db
          .selectFrom(sql<{ value: number }>`json_each(${slot<string>('ids')})`.as('p'))
          .innerJoin('posts', 'posts.id', 'p.value')
          .innerJoin('users', 'users.id', 'posts.author_id')
          .select((eb) => {
            // Each reads its table's primary key from the post; an aggregate answers `[]` when there is nothing.
            const media = eb.selectFrom('post_media').select(sql`json_group_array(post_media.media_id order by post_media.position)`.as('ids')).whereRef('post_media.post_id', '=', 'posts.id')
            const tags = eb.selectFrom('post_hashtags').innerJoin('hashtags', 'hashtags.id', 'post_hashtags.hashtag_id').select(sql`json_group_array(hashtags.tag)`.as('tags')).whereRef('post_hashtags.post_id', '=', 'posts.id')
            const mentions = eb.selectFrom('post_mentions').innerJoin('users as mentioned', 'mentioned.id', 'post_mentions.user_id').select(sql`json_group_array(mentioned.username)`.as('names')).whereRef('post_mentions.post_id', '=', 'posts.id')
            // Only a post's author pins it (pin() checks), so the pin is found by its primary key.
            const pinned = eb.exists(eb.selectFrom('pins').select('pins.post_id').whereRef('pins.user_id', '=', 'posts.author_id').whereRef('pins.post_id', '=', 'posts.id'))
            // A guest's null matches no row.
            const reaction = eb.selectFrom('reactions').select('reactions.kind').whereRef('reactions.post_id', '=', 'posts.id').where('reactions.user_id', '=', slot<number | null>('viewer'))
            // An enabled category only: a disabled one shows nowhere (its page is missing).
            const category = (column: 'slug' | 'name') => eb.selectFrom('categories').select(`categories.${column}`).whereRef('categories.id', '=', 'posts.category_id').where('categories.enabled', '=', 1)
            const bookmarked = eb.exists(eb.selectFrom('bookmarks').select('bookmarks.post_id').where('bookmarks.user_id', '=', slot<number | null>('viewer')).whereRef('bookmarks.post_id', '=', 'posts.id'))
            // The arrays are built inside the same expression, so they stay JSON (not text) within the object.
            return sql<string>`json_group_array(json_object(
              'id', posts.id, 'author_id', users.id, 'username', users.username, 'display_name', users.display_name,
              'avatar_media_id', users.avatar_media_id, 'avatar_visibility', users.avatar_visibility, 'verified', users.verified_at is not null,
              'media', ${media}, 'tags', ${tags}, 'mentions', ${mentions}, 'pinned', ${pinned}, 'reaction', ${reaction}, 'bookmarked', ${bookmarked},
              'category_slug', ${category('slug')}, 'category_name', ${category('name')}
            ))`.as('page')
          }),
      { ids: JSON.stringify(rows.map((r) => r.id)), viewer: viewerId },
    )) as [{ page: string }]
    const extras = JSON.parse(page) as HydratedParts[]
    const byPost = new Map(extras.map((x) => [x.id, x]))
    const mediaIds = new Map<number, number[]>()
    for (const x of extras) if (x.media.length) mediaIds.set(x.id, x.media)
    const mediaRows = new Map<number, MediaRow & { alt: string }>()
    if (mediaIds.size) {
      const found = await shapes.all(
        'hydrate.media',
        // A media row is in one post at most, so joining its post_media row brings the author's alt text.
        (slot) => db.selectFrom('media').innerJoin('post_media', 'post_media.media_id', 'media.id').selectAll('media').select('post_media.alt').where('media.id', 'in', sql<number>`(select value from json_each(${slot<string>('ids')}))`),
        { ids: JSON.stringify([...mediaIds.values()].flat()) },
      )
      for (const m of found) mediaRows.set(m.id, m)
    }
    const avatars = new Map<number, string | null>()
    for (const x of extras) {
      if (avatars.has(x.author_id)) continue
      avatars.set(x.author_id, x.avatar_media_id && (await social.canSeeAvatar(viewerId, { id: x.author_id, avatar_visibility: x.avatar_visibility })) ? `/media/${x.avatar_media_id}/150` : null)
    }
    // The stored counts leave out suspended members; the viewer's lists also leave out members blocked with them.
    const hidden = viewerId === null ? new Map<number, { likes: number; comments: number }>() : await hiddenByBlocks(db, viewerId, rows.map((r) => r.id))
    const reposts = await repostFacts(db, viewerId, rows.map((r) => r.id))
    const originals = await originalsOf(viewerId, rows, embedded)
    const previews = await postPreviews(db, viewerId, rows.map((r) => r.id))
    const badges = await hooks.apply('filter:user.badges', {}, { userIds: [...new Set(extras.map((x) => x.author_id))] })
    // Sensitive media goes behind a warning unless the viewer chose to see it (read only when a post needs it).
    const blur = rows.some((r) => r.sensitive === 1) && (await sensitiveChoice(db, viewerId)) !== 'show'
    const out: PostView[] = []
    for (const r of rows) {
      // A post deleted since its row was read has nothing left to show.
      const x = byPost.get(r.id)
      if (!x) continue
      // A plain repost whose original the viewer may not see (it changed since the row was chosen) shows nothing.
      const original = r.repost_of !== null ? originals.get(r.id) : undefined
      if (r.repost_of !== null && !original) continue
      const quoted = r.quote_of !== null && !embedded ? originals.get(r.id) : undefined
      const facts = reposts.get(r.id)
      const postMedia = (mediaIds.get(r.id) ?? []).flatMap((id) => {
        const m = mediaRows.get(id)
        return m ? [{ ...media.info(m), alt: m.alt }] : []
      })
      const html = await hooks.apply('filter:post.html', postHtml(r, x.mentions), { postId: r.id, authorId: r.author_id })
      out.push({
        id: r.id,
        author: { id: x.author_id, username: x.username, display_name: displayName(x), avatar_url: avatars.get(x.author_id) ?? null, verified: x.verified === 1, ...(badges[x.author_id]?.length && { badges: badges[x.author_id] }) },
        text: r.text,
        html,
        visibility: r.visibility,
        status: r.status,
        publish_at: r.publish_at,
        published_at: r.published_at,
        comments_enabled: r.comments_enabled === 1,
        edited_at: r.edited_at,
        media: postMedia,
        processing: postMedia.some((m) => m.status === 'processing'),
        hashtags: x.tags,
        mentions: x.mentions,
        likes_count: r.likes_count - (hidden.get(r.id)?.likes ?? 0),
        dislikes_count: r.dislikes_count,
        comments_count: r.comments_count - (hidden.get(r.id)?.comments ?? 0),
        reaction: x.reaction,
        bookmarked: x.bookmarked === 1,
        pinned: x.pinned === 1,
        liked_by: previews.get(r.id)?.liked_by ?? null,
        comments_preview: previews.get(r.id)?.comments_preview ?? [],
        scope: r.scope,
        created_at: r.created_at,
        repost_of: original ?? null,
        quote: r.quote_of === null || embedded ? null : quoted ? { available: true, post: quoted } : { available: false },
        reposts_count: facts?.reposts ?? 0,
        quotes_count: facts?.quotes ?? 0,
        reposted: facts?.reposted ?? false,
        can_repost: facts?.can ?? false,
        reposts_enabled: r.reposts_enabled === 1,
        sensitive: r.sensitive === 1,
        blur_media: r.sensitive === 1 && blur && postMedia.length > 0,
        category: x.category_slug && x.category_name ? { slug: x.category_slug, name: x.category_name } : null,
        ...(r.held_reason !== null && { held: r.held_reason === 'removed' ? 'removed' : 'review' }),
      })
    }
    return out
  }

  /**
   * The originals of a page's reposts and quotes that the viewer may see as those members' reposts, hydrated, by the
   * repost's or quote's id. A plain repost's original is a card of its own (its quote card included); a quote's card
   * shows no card of its own (`embedded`), so nesting stops there.
   */
  async function originalsOf(viewerId: number | null, rows: PostRow[], embedded: boolean): Promise<Map<number, PostView>> {
    const out = new Map<number, PostView>()
    const linked = rows.filter((r) => r.repost_of !== null || (r.quote_of !== null && !embedded))
    if (!linked.length) return out
    const shown = await shownOriginals(db, viewerId, linked.map((r) => ({ original: (r.repost_of ?? r.quote_of)!, reposter: r.author_id })))
    const pairs = linked.filter((_, i) => shown.has(i))
    if (!pairs.length) return out
    const ids = [...new Set(pairs.map((r) => (r.repost_of ?? r.quote_of)!))]
    const found = new Map((await db.selectFrom('posts').selectAll().where('id', 'in', ids).execute()).map((r) => [r.id, r]))
    const views = new Map<number, PostView>()
    for (const asCard of [false, true]) {
      const wanted = ids.filter((id) => pairs.some((r) => (asCard ? r.quote_of === id && r.repost_of === null : r.repost_of === id)))
      const hydrated = await hydrate(viewerId, wanted.map((id) => found.get(id)).filter((r) => r !== undefined), asCard)
      for (const v of hydrated) views.set(asCard ? -v.id : v.id, v)
    }
    for (const r of pairs) {
      const v = r.repost_of !== null ? views.get(r.repost_of) : views.get(-r.quote_of!)
      if (v) out.set(r.id, v)
    }
    return out
  }

  function page(rows: PostRow[], limit: number): { rows: PostRow[]; next: string | null } {
    const { items, nextCursor } = pageOf(rows, limit, (r) => ({ at: r.published_at ?? '', id: r.id }))
    return { rows: items, next: nextCursor }
  }

  const service = {
    hydrate: (viewerId: number | null, rows: PostRow[]) => hydrate(viewerId, rows),

    /**
     * Repost a post to one's followers (a plain repost: a post of theirs that shows the original). Only public posts
     * may be reposted by others, and one's own not-only-me posts by oneself; never when its author turned reposts
     * off. Once per member and post: a repeat answers the repost there is (`created` false).
     * @example const { post } = await ctx.core.posts.repost(me.id, 12)
     */
    async repost(actorId: number, id: number): Promise<{ post: PostView; created: boolean }> {
      const original = await repostableBy(db, actorId, id)
      const existing = () => db.selectFrom('posts').selectAll().where('repost_of', '=', original.id).where('author_id', '=', actorId).executeTakeFirst()
      let row = await existing()
      let created = false
      if (!row) {
        await limit?.('post', actorId)
        row = await db.transaction().execute(async (trx) => {
          const inserted = await trx
            .insertInto('posts')
            .values({ author_id: actorId, text: '', visibility: original.visibility, status: 'published', published_at: now(), comments_enabled: 0, repost_of: original.id, updated_at: now() })
            .onConflict((oc) => oc.doNothing())
            .returningAll()
            .executeTakeFirst()
          if (inserted) await fanOutIn(trx as Db, inserted.id)
          return inserted
        })
        if (row) created = true
        else row = await existing() // a second request at the same moment made it
        if (!row) throw notFound('That post')
        if (created) await hooks.emit('action:post.reposted', { postId: row.id, originalId: original.id, originalAuthorId: original.author_id, userId: actorId, quote: false })
      }
      const [view] = await hydrate(actorId, [row])
      if (!view) throw notFound('That post')
      return { post: view, created }
    },

    /** Undo one's plain repost of a post (`id` is the original or the repost); nothing to undo is no error. */
    async unrepost(actorId: number, id: number): Promise<void> {
      const mine = await db
        .selectFrom('posts')
        .selectAll()
        .where('author_id', '=', actorId)
        .where((eb) => eb.or([eb('repost_of', '=', id), eb.and([eb('id', '=', id), eb('repost_of', 'is not', null)])]))
        .executeTakeFirst()
      if (!mine) {
        // Nothing of theirs to undo: answer like any path for a post they may not see.
        if (!(await service.get(actorId, id))) throw notFound('That post')
        return
      }
      await db.deleteFrom('posts').where('id', '=', mine.id).execute()
      await hooks.emit('action:post.unreposted', { postId: mine.id, originalId: mine.repost_of!, userId: actorId })
    },

    /**
     * Create a post. Publishes now, or at `publish_at` (only the author sees it until then).
     * @example await ctx.core.posts.create(me.id, { text: 'Hello #hearth', visibility: 'public' })
     */
    async create(authorId: number, input: CreatePostInput, options: { scope?: string } = {}): Promise<PostView> {
      const data = parse(createPostInput, input)
      await limit?.('post', authorId)
      const text = data.text.trim()
      const mediaIds = [...new Set(data.media_ids)]
      if (data.media_alt.length > data.media_ids.length) throw validationFailed({ media_alt: 'Give one alt text per photo or video, in the same order.' })
      const altOf = new Map<number, string>()
      data.media_ids.forEach((id, i) => altOf.has(id) || altOf.set(id, data.media_alt[i] ?? ''))
      if (!text && !mediaIds.length) throw validationFailed({ text: 'Write something or add a photo or video.' })
      let publishAt: string | null = null
      if (data.publish_at) {
        const at = Date.parse(data.publish_at)
        if (at <= Date.now() + 30_000) throw validationFailed({ publish_at: 'Choose a publish time in the future, or leave it empty to publish now.' })
        if (at > Date.now() + 365 * 86_400_000) throw validationFailed({ publish_at: 'Schedule at most a year ahead.' })
        publishAt = new Date(at).toISOString()
      }
      if (mediaIds.length) {
        const rows = await db.selectFrom('media').leftJoin('post_media', 'post_media.media_id', 'media.id').select(['media.id', 'media.owner_id', 'media.status', 'post_media.post_id']).where('media.id', 'in', mediaIds).execute()
        for (const id of mediaIds) {
          const m = rows.find((r) => r.id === id)
          if (!m || m.owner_id !== authorId) throw validationFailed({ media_ids: `Media ${id} is not one of your uploads.` })
          if (m.post_id !== null) throw validationFailed({ media_ids: `Media ${id} is already in another post.` })
          if (m.status === 'failed') throw validationFailed({ media_ids: `Media ${id} could not be processed; remove it and upload it again.` })
        }
        const avatar = await db.selectFrom('users').select('id').where('avatar_media_id', 'in', mediaIds).executeTakeFirst()
        if (avatar) throw validationFailed({ media_ids: 'That file is your profile picture; upload it again to post it.' })
      }
      const quoted = data.quote_of ? await repostableBy(db, authorId, data.quote_of) : null
      const categoryId = await categoryIdFor(db, data.category)
      const checked = { surface: 'post', authorId, text }
      const verdict = text ? await policy?.enforce(checked) : undefined
      const mentioned = await mentionsOf(authorId, text)
      const post = await db.transaction().execute(async (trx) => {
        const row = await trx
          .insertInto('posts')
          .values({
            author_id: authorId,
            text,
            visibility: data.visibility,
            status: publishAt ? 'scheduled' : 'published',
            publish_at: publishAt,
            published_at: publishAt ? null : now(),
            comments_enabled: data.comments_enabled ? 1 : 0,
            reposts_enabled: data.reposts_enabled ? 1 : 0,
            quote_of: quoted?.id ?? null,
            scope: options.scope ?? null,
            // A rule may mark it sensitive or hold it for review (decision 038); the author's choice stands beside.
            sensitive: data.sensitive || verdict?.sensitive ? 1 : 0,
            held_at: verdict?.hold ? now() : null,
            held_reason: verdict?.hold ? 'review' : null,
            category_id: categoryId,
            updated_at: now(),
          })
          .returningAll()
          .executeTakeFirstOrThrow()
        if (mediaIds.length) await trx.insertInto('post_media').values(mediaIds.map((media_id, position) => ({ post_id: row.id, media_id, position, alt: altOf.get(media_id) ?? '' }))).execute()
        await indexText(trx as Db, row.id, text, mentioned)
        if (!publishAt) {
          await trx.updateTable('users').set((eb) => ({ posts_count: eb('posts_count', '+', 1) })).where('id', '=', authorId).execute()
          await fanOutIn(trx as Db, row.id)
        }
        return row
      })
      if (verdict) await policy?.flagSaved(verdict, checked, { type: 'post', id: post.id })
      if (!publishAt) await published(post)
      return (await hydrate(authorId, [post]))[0]!
    },

    /** A post if the viewer may see it, else null (callers answer NOT_FOUND, as for a missing one). */
    async get(viewerId: number | null, id: number): Promise<PostView | null> {
      if (!Number.isInteger(id) || id < 1) return null
      const [row] = await shapes.all(
        `post:${viewerId === null ? 'guest' : 'member'}`,
        (slot) => db.selectFrom('posts').selectAll().where('posts.id', '=', slot<number>('id')).where(visibleTo(viewerId === null ? null : slot<number>('viewer'))),
        { id, viewer: viewerId },
      )
      return row ? ((await hydrate(viewerId, [row]))[0] ?? null) : null
    },

    /** The id and author of a post if the viewer may see it, else null: the cheap check before acting on a post. */
    async visibleRow(viewerId: number | null, id: number): Promise<{ id: number; authorId: number } | null> {
      if (!Number.isSafeInteger(id) || id < 1) return null
      const [row] = await shapes.all(
        `visible-row:${viewerId === null ? 'guest' : 'member'}`,
        (slot) => db.selectFrom('posts').select(['id', 'author_id']).where('posts.id', '=', slot<number>('id')).where(visibleTo(viewerId === null ? null : slot<number>('viewer'))),
        { id, viewer: viewerId },
      )
      return row ? { id: row.id, authorId: row.author_id } : null
    },

    /** Edit text, visibility, comments switch or hide-from list. Text changes mark the post edited. */
    async update(actorId: number, id: number, input: unknown): Promise<PostView> {
      const post = await changeablePost(actorId, id)
      const data = parse(updatePostInput, input)
      const hidden = data.hidden_from ? await idsOfUsernames(db, data.hidden_from, 'hidden_from', actorId) : undefined
      const text = data.text?.trim()
      if (text !== undefined && !text && !(await db.selectFrom('post_media').select('post_id').where('post_id', '=', id).executeTakeFirst())) {
        throw validationFailed({ text: 'A post without photos or videos needs some text.' })
      }
      const checked = { surface: 'post', authorId: actorId, text: text ?? '' }
      const verdict = text !== undefined && text && text !== post.text ? await policy?.enforce(checked) : undefined
      const mentioned = text !== undefined && text !== post.text ? await mentionsOf(actorId, text) : []
      const categoryId = data.category === undefined ? undefined : await categoryIdFor(db, data.category)
      // What staff or a rule marked sensitive stays so: the author cannot take the warning off.
      if (data.sensitive === false && post.sensitive === 1 && (await markedByOthers(id))) throw new AppError(409, 'CONFLICT', 'The moderators marked this post sensitive; it stays behind the warning.')
      await db.transaction().execute(async (trx) => {
        const set: Record<string, unknown> = { updated_at: now() }
        if (text !== undefined && text !== post.text) {
          set.text = text
          set.edited_at = now()
          await indexText(trx as Db, id, text, mentioned)
        }
        if (data.visibility) set.visibility = data.visibility
        if (data.comments_enabled !== undefined) set.comments_enabled = data.comments_enabled ? 1 : 0
        if (data.reposts_enabled !== undefined) set.reposts_enabled = data.reposts_enabled ? 1 : 0
        if (data.sensitive !== undefined) set.sensitive = data.sensitive ? 1 : 0
        if (categoryId !== undefined) set.category_id = categoryId
        if (verdict?.sensitive) set.sensitive = 1
        if (verdict?.hold) Object.assign(set, { held_at: now(), held_reason: 'review' })
        await trx.updateTable('posts').set(set).where('id', '=', id).execute()
        if (hidden) {
          await trx.deleteFrom('post_hidden_from').where('post_id', '=', id).execute()
          if (hidden.length) await trx.insertInto('post_hidden_from').values(hidden.map((user_id) => ({ post_id: id, user_id }))).execute()
        }
        // A post leaving only-me reaches the feeds it never entered.
        if (data.visibility && data.visibility !== 'only_me' && post.visibility === 'only_me' && post.status === 'published') await fanOutIn(trx as Db, id)
      })
      if (verdict) await policy?.flagSaved(verdict, checked, { type: 'post', id })
      await hooks.emit('action:post.updated', { postId: id, authorId: actorId })
      return (await service.get(actorId, id))!
    },

    /** Who a post is hidden from (author only). */
    async hiddenFrom(actorId: number, id: number): Promise<string[]> {
      await ownPost(actorId, id)
      const rows = await db.selectFrom('post_hidden_from').innerJoin('users', 'users.id', 'post_hidden_from.user_id').select('users.username').where('post_id', '=', id).execute()
      return rows.map((r) => r.username)
    },

    /** Delete a post (its author, or a moderator or admin, which is audited) with its media files. */
    async remove(actor: Viewer, id: number): Promise<void> {
      const post = await db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst()
      const staff = actor.role === 'admin' || actor.role === 'moderator'
      if (!post || (post.author_id !== actor.id && !staff && !(await service.get(actor.id, id)))) throw notFound('That post')
      if (post.author_id !== actor.id && !staff) throw forbidden('Only the author can delete this post.')
      await deletePost(post, actor, {})
    },

    /**
     * Delete a post of a scope on behalf of that scope's staff (a group's moderators), whoever wrote it.
     * The plugin decides who may; core checks the post is in the scope, audits and cleans up.
     */
    async removeInScope(actor: Viewer, id: number, scope: string): Promise<void> {
      const post = await db.selectFrom('posts').selectAll().where('id', '=', id).executeTakeFirst()
      if (!post || post.scope !== scope) throw notFound('That post')
      await deletePost(post, actor, { scope })
    },

    /** Pin a published post to one's profile (at most 3). */
    async pin(userId: number, id: number): Promise<void> {
      const post = await changeablePost(userId, id)
      if (post.status !== 'published') throw new AppError(409, 'CONFLICT', 'Only published posts can be pinned.')
      const pins = await db.selectFrom('pins').select('post_id').where('user_id', '=', userId).execute()
      if (pins.some((p) => p.post_id === id)) return
      if (pins.length >= MAX_PINS) throw new AppError(409, 'CONFLICT', `You can pin up to ${MAX_PINS} posts; unpin one first.`)
      await db.insertInto('pins').values({ user_id: userId, post_id: id }).execute()
    },

    async unpin(userId: number, id: number): Promise<void> {
      await ownPost(userId, id)
      await db.deleteFrom('pins').where('user_id', '=', userId).where('post_id', '=', id).execute()
    },

    /** Publish scheduled posts whose time has come (a croner job runs this every 15 s). */
    async publishDue(at = new Date()): Promise<number> {
      const due = await db.selectFrom('posts').selectAll().where('status', '=', 'scheduled').where('publish_at', '<=', at.toISOString()).orderBy('publish_at').limit(500).execute()
      for (const p of due) {
        const claimed = await db.transaction().execute(async (trx) => {
          // Dated when it appears, so a post published late (the server was down) still lands on top of feeds.
          const r = await trx.updateTable('posts').set({ status: 'published', published_at: now(), updated_at: now() }).where('id', '=', p.id).where('status', '=', 'scheduled').executeTakeFirst()
          if (Number(r.numUpdatedRows) !== 1) return false
          await trx.updateTable('users').set((eb) => ({ posts_count: eb('posts_count', '+', 1) })).where('id', '=', p.author_id).execute()
          await fanOutIn(trx as Db, p.id)
          return true
        })
        if (claimed) await published({ ...p, status: 'published' })
      }
      return due.length
    },

    /** A member's scheduled posts (only they see them). */
    async scheduled(authorId: number): Promise<PostView[]> {
      const rows = await db.selectFrom('posts').selectAll().where('author_id', '=', authorId).where('status', '=', 'scheduled').orderBy('publish_at').execute()
      return hydrate(authorId, rows)
    },

    /** A member's published posts that the viewer may see, newest first; `only: 'video'`: those with a video. */
    async timeline(viewerId: number | null, authorId: number, options: { cursor?: string | null; limit?: number; only?: 'video' } = {}): Promise<Page<PostView>> {
      const limit = options.limit ?? 20
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      const { rows, next } = page(
        await shapes.all(
          `timeline:${viewerId === null ? 'guest' : 'member'}:${after ? 'cursor' : 'first'}:${options.only ?? 'all'}`,
          (slot) => {
            let q = db
              .selectFrom('posts')
              .selectAll()
              .where('posts.author_id', '=', slot<number>('author'))
              .where('posts.status', '=', 'published')
              // A profile shows the member's own posts; their plain reposts reach followers' feeds only.
              .where('posts.repost_of', 'is', null)
              .where(visibleTo(viewerId === null ? null : slot<number>('viewer')))
            if (options.only === 'video') {
              q = q.where((eb) => eb.exists(eb.selectFrom('post_media').innerJoin('media', 'media.id', 'post_media.media_id').select('post_media.post_id').whereRef('post_media.post_id', '=', 'posts.id').where('media.kind', '=', 'video')))
            }
            if (after) q = q.where(olderThan('posts.published_at', 'posts.id', { at: slot<string>('at'), id: slot<number>('id') }))
            return q.orderBy('posts.published_at', 'desc').orderBy('posts.id', 'desc').limit(slot<number>('k'))
          },
          { author: authorId, viewer: viewerId, at: after?.at, id: after?.id, k: limit + 1 },
        ),
        limit,
      )
      return { items: await hydrate(viewerId, rows), nextCursor: next }
    },

    /** Published posts that mention a member (their "Tagged" tab) and that the viewer may see, newest first. */
    async mentioning(viewerId: number | null, userId: number, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<PostView>> {
      const limit = options.limit ?? 20
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      let q = db
        .selectFrom('post_mentions')
        .innerJoin('posts', 'posts.id', 'post_mentions.post_id')
        .selectAll('posts')
        .where('post_mentions.user_id', '=', userId)
        .where('posts.status', '=', 'published')
        .where(visibleTo(viewerId))
      if (after) q = q.where(olderThan('posts.published_at', 'posts.id', after))
      const { rows, next } = page(await q.orderBy('posts.published_at', 'desc').orderBy('posts.id', 'desc').limit(limit + 1).execute(), limit)
      return { items: await hydrate(viewerId, rows), nextCursor: next }
    },

    /** The posts of a scope (a group's feed) that the viewer may see, newest first. */
    async inScope(viewerId: number | null, scope: string, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<PostView>> {
      const limit = options.limit ?? 20
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      let q = db.selectFrom('posts').selectAll().where('posts.scope', '=', scope).where('posts.status', '=', 'published').where(visibleTo(viewerId))
      if (after) q = q.where(olderThan('posts.published_at', 'posts.id', after))
      const { rows, next } = page(await q.orderBy('posts.published_at', 'desc').orderBy('posts.id', 'desc').limit(limit + 1).execute(), limit)
      return { items: await hydrate(viewerId, rows), nextCursor: next }
    },

    /** A member's pinned posts the viewer may see. */
    async pinned(viewerId: number | null, authorId: number): Promise<PostView[]> {
      const rows = await shapes.all(
        `pinned:${viewerId === null ? 'guest' : 'member'}`,
        (slot) =>
          db
            .selectFrom('posts')
            .innerJoin('pins', 'pins.post_id', 'posts.id')
            .selectAll('posts')
            .where('pins.user_id', '=', slot<number>('author'))
            .where('posts.author_id', '=', slot<number>('author'))
            .where(visibleTo(viewerId === null ? null : slot<number>('viewer')))
            .orderBy('pins.created_at', 'desc'),
        { author: authorId, viewer: viewerId },
      )
      return hydrate(viewerId, rows)
    },

    /**
     * Posts with a hashtag that the viewer may see, newest first. A popular tag has tens of thousands of
     * posts, so they are never all sorted: posts published as they were written (no publish_at) are in the
     * same order by id as by date, and are read backwards along the tag's index until a page of visible ones;
     * posts that were scheduled (published later than their id says) are few and read along posts_scheduled.
     * The page is the newest of the two.
     */
    async byHashtag(viewerId: number | null, tag: string, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<PostView>> {
      const limit = options.limit ?? 20
      const k = limit + 1
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      const [hashtag] = await shapes.all('hashtag', (slot) => db.selectFrom('hashtags').select('id').where('tag', '=', slot<string>('tag')), { tag: tag.replace(/^#/, '').toLowerCase() })
      if (!hashtag) return { items: [], nextCursor: null }
      const build = (slot: SlotOf) => {
        const viewer = viewerId === null ? null : slot<number>('viewer')
        const hashtagId = slot<number>('hashtag')
        const k = slot<number>('k')
        let direct = db
          .selectFrom('post_hashtags')
          .innerJoin('posts', 'posts.id', 'post_hashtags.post_id')
          .select('posts.id')
          .where('post_hashtags.hashtag_id', '=', hashtagId)
          .where('posts.publish_at', 'is', null)
          .where('posts.status', '=', 'published')
          .where(visibleTo(viewer))
          .where(passesFilters(viewer))
        // CROSS JOIN keeps SQLite from reading the tag's every post to find its scheduled ones.
        let scheduled = db
          .selectFrom('posts')
          .crossJoin('post_hashtags')
          .select('posts.id')
          .whereRef('post_hashtags.post_id', '=', 'posts.id')
          .where('post_hashtags.hashtag_id', '=', hashtagId)
          .where('posts.status', '=', 'published')
          .where('posts.publish_at', 'is not', null)
          .where(visibleTo(viewer))
          .where(passesFilters(viewer))
        if (after) {
          const cursor = { at: slot<string>('at'), id: slot<number>('id') }
          direct = direct.where(olderThan('posts.published_at', 'posts.id', cursor))
          scheduled = scheduled.where(olderThan('posts.published_at', 'posts.id', cursor))
        }
        const newest = { direct: direct.orderBy('post_hashtags.post_id', 'desc').limit(k), scheduled: scheduled.orderBy('posts.published_at', 'desc').orderBy('posts.id', 'desc').limit(k) }
        const candidates = db.selectFrom(newest.direct.as('d')).select('d.id').unionAll(db.selectFrom(newest.scheduled.as('s')).select('s.id'))
        return db.selectFrom('posts').selectAll().where('posts.id', 'in', candidates).orderBy('posts.published_at', 'desc').orderBy('posts.id', 'desc').limit(k)
      }
      const found = await shapes.all(`hashtag-posts:${viewerId === null ? 'guest' : 'member'}:${after ? 'cursor' : 'first'}`, build, {
        viewer: viewerId,
        hashtag: hashtag.id,
        k,
        at: after?.at,
        id: after?.id,
      })
      const { rows, next } = page(found, limit)
      return { items: await hydrate(viewerId, rows), nextCursor: next }
    },

    /**
     * Whether a viewer may fetch a media file: its owner; anyone who may see a post it is in; anyone
     * allowed to see the avatar it is.
     */
    async canViewMedia(viewerId: number | null, m: Pick<MediaRow, 'id' | 'owner_id'>): Promise<boolean> {
      if (viewerId === m.owner_id) return true
      const inVisiblePost = await db
        .selectFrom('posts')
        .innerJoin('post_media', 'post_media.post_id', 'posts.id')
        .select('posts.id')
        .where('post_media.media_id', '=', m.id)
        .where(visibleTo(viewerId))
        .executeTakeFirst()
      if (inVisiblePost) return true
      const owner = await db.selectFrom('users').selectAll().where('avatar_media_id', '=', m.id).where('suspended_at', 'is', null).executeTakeFirst()
      return !!owner && (await social.canSeeAvatar(viewerId, owner))
    },
  }
  return service
}
