// Engagement: likes and dislikes, comments with one level of replies, bookmarks and collections.
// Every path checks that the member may see the post (visibleTo, blocks included) before anything else.
import { commentPassesFilters } from '../safety/filters.js'
import { randomBytes } from 'node:crypto'
import { sql } from 'kysely'
import { audit } from '../audit.js'
import type { Db } from '../db/connect.js'
import { queryShapes } from '../db/shapes.js'
import { now } from '../db/schema.js'
import { AppError, forbidden, notFound, validationFailed } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import { decodeCursor, olderThan, pageOf, type Page } from '../pagination.js'
import type { PostsService } from '../posts/service.js'
import { extractMentions, renderPostText } from '../posts/text.js'
import type { PostView } from '../posts/types.js'
import { visibleTo } from '../posts/visibility.js'
import { blockedWith } from '../safety/queries.js'
import { hiddenByBlocks, recountEngagement, recountReplies } from '../db/engagement-counts.js'
import type { SafetyService } from '../safety/service.js'
import type { Viewer } from '../users/types.js'
import { parse } from '../validation.js'
import { collectionFields, collectionInput, commentInput } from './inputs.js'
import type { CommentRow } from './tables.js'
import { displayName } from '../users/display-name.js'
import type { ContentPolicy } from '../policy/service.js'

export interface CommentView {
  id: number
  post_id: number
  parent_id: number | null
  author: { id: number; username: string; display_name: string; verified: boolean }
  text: string
  html: string
  likes_count: number
  replies_count: number
  liked: boolean
  edited_at: string | null
  created_at: string
  /** The viewer may edit (author) or delete (author, post author, staff) it. */
  can_edit: boolean
  can_delete: boolean
  replies?: CommentView[]
}

export interface MemberRow {
  id: number
  username: string
  display_name: string
}

export interface CollectionView {
  id: number
  name: string
  description: string
  visibility: 'public' | 'private'
  owner: MemberRow
  posts_count: number
  /** Only for the owner: the secret link that shares a private collection. */
  share_url?: string
  created_at: string
}

export type EngagementService = ReturnType<typeof createEngagementService>

export function createEngagementService(deps: { db: Db; hooks: HookRegistry; posts: PostsService; safety: SafetyService; limit?: (action: 'like', userId: number) => Promise<void>; policy?: ContentPolicy }) {
  const { db, hooks, posts, safety, limit, policy } = deps
  const shapes = queryShapes(db, 16)

  /** The post, if the member may see it; else NOT_FOUND (as for one that does not exist). */
  async function visiblePost(viewerId: number | null, postId: number): Promise<PostView> {
    const post = Number.isInteger(postId) && postId > 0 ? await posts.get(viewerId, postId) : null
    if (!post || post.status !== 'published') throw notFound('That post')
    return post
  }

  /** A comment the viewer may see: on a visible post, by someone not blocked either way. */
  async function visibleComment(viewerId: number | null, commentId: number): Promise<CommentRow> {
    const c = Number.isInteger(commentId) && commentId > 0 ? await db.selectFrom('comments').selectAll().where('id', '=', commentId).executeTakeFirst() : undefined
    // A held comment is its author's alone until staff release it.
    if (!c || (c.held_at !== null && c.author_id !== viewerId)) throw notFound('That comment')
    await visiblePost(viewerId, c.post_id).catch(() => {
      throw notFound('That comment')
    })
    if (viewerId !== null && (await safety.blockedEitherWay(viewerId, c.author_id))) throw notFound('That comment')
    return c
  }

  /** Tell whom a comment concerns (`action:comment.created`: the post's author, the parent's, the mentioned). */
  async function announce(row: CommentRow, postAuthorId: number, parentAuthorId: number | null, mentions: number[]): Promise<void> {
    await hooks.emit('action:comment.created', { commentId: row.id, postId: row.post_id, postAuthorId, authorId: row.author_id, parentId: row.parent_id, parentAuthorId, mentions })
  }

  /** A comment held or released changes what the lists show: its post's count and its parent's replies, taken again. */
  async function recountHeld(trx: Db, c: Pick<CommentRow, 'post_id' | 'parent_id'>): Promise<void> {
    await recountEngagement(trx, sql<number>`select ${c.post_id}`)
    if (c.parent_id) await recountReplies(trx, c.parent_id)
  }

  // Staff hold a comment (hidden after reports, removed) or release it (core/moderation).
  hooks.on('action:comment.held', async ({ commentId }) => {
    const c = await db.selectFrom('comments').select(['post_id', 'parent_id']).where('id', '=', commentId).executeTakeFirst()
    if (c) await db.transaction().execute((trx) => recountHeld(trx as Db, c))
  })
  hooks.on('action:comment.released', async ({ commentId }) => {
    const c = await db.selectFrom('comments').selectAll().where('id', '=', commentId).executeTakeFirst()
    if (!c || c.held_at !== null) return
    await db.transaction().execute((trx) => recountHeld(trx as Db, c))
    // Told now, once: a comment held from its making was never announced. Claimed in one statement, so a second release is silent.
    const claimed = await db.updateTable('comments').set({ announced: 1 }).where('id', '=', commentId).where('announced', '=', 0).executeTakeFirst()
    if (Number(claimed.numUpdatedRows) !== 1) return
    const [post, parent, mentions] = await Promise.all([
      db.selectFrom('posts').select('author_id').where('id', '=', c.post_id).executeTakeFirst(),
      c.parent_id ? db.selectFrom('comments').select('author_id').where('id', '=', c.parent_id).executeTakeFirst() : undefined,
      db.selectFrom('comment_mentions').select('user_id').where('comment_id', '=', commentId).execute(),
    ])
    if (!post) return
    await announce(c, post.author_id, parent?.author_id ?? null, mentions.map((m) => m.user_id))
  })

  async function mentionsOf(authorId: number, text: string): Promise<number[]> {
    const names = extractMentions(text)
    if (!names.length) return []
    const rows = await db.selectFrom('users').select('id').where(sql<string>`lower(username)`, 'in', names).where('suspended_at', 'is', null).execute()
    const out: number[] = []
    for (const r of rows) if (r.id !== authorId && (await safety.canMention(authorId, r.id))) out.push(r.id)
    return out
  }

  async function commentViews(viewer: Viewer | null, rows: CommentRow[], postAuthorId: number): Promise<CommentView[]> {
    if (!rows.length) return []
    const ids = rows.map((r) => r.id)
    const each = (json: string) => sql<number>`(select value from json_each(${json}))`
    const idsJson = JSON.stringify(ids)
    const [authors, liked, mentions] = await Promise.all([
      shapes.all('comment-authors', (slot) => db.selectFrom('users').select(['id', 'username', 'display_name', 'verified_at']).where('id', 'in', each(slot<string>('ids'))), {
        ids: JSON.stringify([...new Set(rows.map((r) => r.author_id))]),
      }),
      viewer
        ? shapes.all('comment-likes', (slot) => db.selectFrom('comment_likes').select('comment_id').where('user_id', '=', slot<number>('viewer')).where('comment_id', 'in', each(slot<string>('ids'))), { viewer: viewer.id, ids: idsJson })
        : Promise.resolve([]),
      shapes.all(
        'comment-mentions',
        (slot) => db.selectFrom('comment_mentions').innerJoin('users', 'users.id', 'comment_mentions.user_id').select(['comment_mentions.comment_id', 'users.username']).where('comment_id', 'in', each(slot<string>('ids'))),
        { ids: idsJson },
      ),
    ])
    const staff = viewer?.role === 'admin' || viewer?.role === 'moderator'
    return rows.map((r) => {
      const a = authors.find((x) => x.id === r.author_id)!
      return {
        id: r.id,
        post_id: r.post_id,
        parent_id: r.parent_id,
        author: { id: a.id, username: a.username, display_name: displayName(a), verified: a.verified_at !== null },
        text: r.text,
        html: renderPostText(r.text, new Set(mentions.filter((m) => m.comment_id === r.id).map((m) => m.username.toLowerCase()))),
        likes_count: r.likes_count,
        replies_count: r.replies_count,
        liked: liked.some((l) => l.comment_id === r.id),
        edited_at: r.edited_at,
        created_at: r.created_at,
        can_edit: viewer?.id === r.author_id,
        can_delete: viewer?.id === r.author_id || viewer?.id === postAuthorId || staff,
      }
    })
  }

  /** A post's like and dislike counts as `viewerId` sees them: without likes by members blocked with them. */
  async function countsFor(viewerId: number, postId: number): Promise<{ likes_count: number; dislikes_count: number }> {
    const stored = await db.selectFrom('posts').select(['likes_count', 'dislikes_count']).where('id', '=', postId).executeTakeFirstOrThrow()
    const hidden = (await hiddenByBlocks(db, viewerId, [postId])).get(postId)
    return { likes_count: stored.likes_count - (hidden?.likes ?? 0), dislikes_count: stored.dislikes_count }
  }

  /**
   * Comments of one post the viewer may see: not by members blocked either way, nor suspended ones, nor held for
   * review (but for their author); and as the viewer's filters let through (replies from new accounts).
   */
  function commentsQuery(viewerId: number | null, postId: number) {
    let q = db
      .selectFrom('comments')
      .selectAll('comments')
      .innerJoin('users', 'users.id', 'comments.author_id')
      .where('comments.post_id', '=', postId)
      .where('users.suspended_at', 'is', null)
      .where((eb) => (viewerId === null ? eb('comments.held_at', 'is', null) : eb.or([eb('comments.held_at', 'is', null), eb('comments.author_id', '=', viewerId)])))
    if (viewerId !== null) q = q.where((eb) => eb.not(blockedWith(viewerId, 'comments.author_id'))).where(commentPassesFilters(viewerId))
    return q
  }

  async function collectionView(row: { id: number; name: string; description: string; visibility: 'public' | 'private'; owner_id: number; share_token: string; created_at: string }, viewerId: number | null): Promise<CollectionView> {
    const owner = await db.selectFrom('users').select(['id', 'username', 'display_name']).where('id', '=', row.owner_id).executeTakeFirstOrThrow()
    const count = await db
      .selectFrom('collection_posts')
      .innerJoin('posts', 'posts.id', 'collection_posts.post_id')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('collection_posts.collection_id', '=', row.id)
      .where(visibleTo(viewerId))
      .executeTakeFirstOrThrow()
    return {
      id: row.id,
      name: row.name,
      description: row.description,
      visibility: row.visibility,
      owner: { ...owner, display_name: displayName(owner) },
      posts_count: Number(count.n),
      ...(viewerId === row.owner_id ? { share_url: `/c/${row.share_token}` } : {}),
      created_at: row.created_at,
    }
  }

  async function ownCollection(ownerId: number, id: number) {
    const row = await db.selectFrom('collections').selectAll().where('id', '=', id).executeTakeFirst()
    if (!row || (row.owner_id !== ownerId && row.visibility === 'private')) throw notFound('That collection')
    // Across a block the collection is missing, as on every read path.
    if (row.owner_id !== ownerId && (await safety.blockedEitherWay(ownerId, row.owner_id))) throw notFound('That collection')
    if (row.owner_id !== ownerId) throw forbidden('Only its owner can change this collection.')
    return row
  }

  const service = {
    visiblePost,
    visibleComment,

    /**
     * Like or dislike a post: one reaction per member per post; giving the other one switches.
     * Returns the counts after the change.
     */
    async react(userId: number, postId: number, kind: 'like' | 'dislike'): Promise<{ likes_count: number; dislikes_count: number; reaction: 'like' | 'dislike' }> {
      const post = await visiblePost(userId, postId)
      if (kind === 'like') await limit?.('like', userId)
      const previous = await db.transaction().execute(async (trx) => {
        const before = await trx.selectFrom('reactions').select('kind').where('post_id', '=', postId).where('user_id', '=', userId).executeTakeFirst()
        if (before?.kind === kind) return 'same' as const
        if (before) {
          await trx.updateTable('reactions').set({ kind, created_at: now() }).where('post_id', '=', postId).where('user_id', '=', userId).execute()
          await trx.updateTable('posts').set((eb) => (before.kind === 'like' ? { likes_count: eb('likes_count', '-', 1) } : { dislikes_count: eb('dislikes_count', '-', 1) })).where('id', '=', postId).execute()
        } else {
          await trx.insertInto('reactions').values({ post_id: postId, user_id: userId, kind }).execute()
        }
        await trx.updateTable('posts').set((eb) => (kind === 'like' ? { likes_count: eb('likes_count', '+', 1) } : { dislikes_count: eb('dislikes_count', '+', 1) })).where('id', '=', postId).execute()
        return before?.kind ?? null
      })
      if (previous !== 'same') await hooks.emit('action:post.reacted', { postId, authorId: post.author.id, userId, kind, previous })
      const counts = await countsFor(userId, postId)
      return { ...counts, reaction: kind }
    },

    /** Take back a like (or dislike). Harmless when there is none. */
    async unreact(userId: number, postId: number, kind: 'like' | 'dislike'): Promise<{ likes_count: number; dislikes_count: number; reaction: null }> {
      await visiblePost(userId, postId)
      await db.transaction().execute(async (trx) => {
        const r = await trx.deleteFrom('reactions').where('post_id', '=', postId).where('user_id', '=', userId).where('kind', '=', kind).executeTakeFirst()
        if (Number(r.numDeletedRows) === 1) {
          await trx.updateTable('posts').set((eb) => (kind === 'like' ? { likes_count: eb('likes_count', '-', 1) } : { dislikes_count: eb('dislikes_count', '-', 1) })).where('id', '=', postId).execute()
        }
      })
      const counts = await countsFor(userId, postId)
      return { ...counts, reaction: null }
    },

    /** The viewer's reactions to some posts (for drawing buttons). */
    async reactionsOf(userId: number, postIds: number[]): Promise<Map<number, 'like' | 'dislike'>> {
      if (!postIds.length) return new Map()
      const rows = await db.selectFrom('reactions').select(['post_id', 'kind']).where('user_id', '=', userId).where('post_id', 'in', postIds).execute()
      return new Map(rows.map((r) => [r.post_id, r.kind]))
    },

    /** Who liked a post, newest first (never someone blocked either way with the viewer). */
    async likers(viewerId: number | null, postId: number, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<MemberRow & { liked_at: string }>> {
      await visiblePost(viewerId, postId)
      const limit = options.limit ?? 20
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      let q = db
        .selectFrom('reactions')
        .innerJoin('users', 'users.id', 'reactions.user_id')
        .select(['users.id', 'users.username', 'users.display_name', 'reactions.created_at as liked_at'])
        .where('reactions.post_id', '=', postId)
        .where('reactions.kind', '=', 'like')
        .where('users.suspended_at', 'is', null)
        .orderBy('reactions.created_at', 'desc')
        .orderBy('users.id', 'desc')
        .limit(limit + 1)
      if (viewerId !== null) q = q.where((eb) => eb.not(blockedWith(viewerId, 'users.id')))
      if (after) q = q.where(olderThan('reactions.created_at', 'users.id', after))
      const page = pageOf(await q.execute(), limit, (r) => ({ at: r.liked_at, id: r.id }))
      return { items: page.items.map((r) => ({ ...r, display_name: displayName(r) })), nextCursor: page.nextCursor }
    },

    /**
     * Comment on a post, or reply to a comment (one level: a reply to a reply joins its thread).
     * Refused when comments are off, when the author's "who can comment" excludes the member, or across a block.
     */
    async comment(viewer: Viewer, postId: number, input: unknown): Promise<CommentView> {
      const data = parse(commentInput, input)
      const post = await visiblePost(viewer.id, postId)
      if (!post.comments_enabled) throw new AppError(403, 'FORBIDDEN', 'Comments are turned off for this post.')
      if (!(await safety.canComment(viewer.id, post.author.id))) throw new AppError(403, 'FORBIDDEN', 'The author does not take comments from you on this post.')
      let parent: CommentRow | null = null
      if (data.parent_id) {
        parent = await visibleComment(viewer.id, data.parent_id).catch(() => null)
        if (!parent || parent.post_id !== postId) throw validationFailed({ parent_id: 'That comment is not on this post.' })
        if (parent.parent_id !== null) parent = await db.selectFrom('comments').selectAll().where('id', '=', parent.parent_id).executeTakeFirstOrThrow()
      }
      const checked = { surface: 'comment', authorId: viewer.id, text: data.text }
      const verdict = await policy?.enforce(checked)
      const mentions = await mentionsOf(viewer.id, data.text)
      // A comment a rule holds waits unseen: not counted, nobody told (the post's author, the mentioned) until staff
      // release it (announceReleased below).
      const held = !!verdict?.hold
      const row = await db.transaction().execute(async (trx) => {
        const c = await trx
          .insertInto('comments')
          .values({ post_id: postId, author_id: viewer.id, parent_id: parent?.id ?? null, text: data.text, updated_at: now(), ...(held && { held_at: now(), held_reason: 'review' as const, announced: 0 }) })
          .returningAll()
          .executeTakeFirstOrThrow()
        if (mentions.length) await trx.insertInto('comment_mentions').values(mentions.map((user_id) => ({ comment_id: c.id, user_id }))).execute()
        if (!held) {
          await trx.updateTable('posts').set((eb) => ({ comments_count: eb('comments_count', '+', 1) })).where('id', '=', postId).execute()
          if (parent) await trx.updateTable('comments').set((eb) => ({ replies_count: eb('replies_count', '+', 1) })).where('id', '=', parent.id).execute()
        }
        return c
      })
      if (verdict) await policy?.flagSaved(verdict, checked, { type: 'comment', id: row.id })
      if (!held) await announce(row, post.author.id, parent?.author_id ?? null, mentions)
      return (await commentViews(viewer, [row], post.author.id))[0]!
    },

    /** A post's comments, oldest first, each with its replies (oldest first). */
    /**
     * A page of a post's top-level comments with their replies. `options.post` is the post as this viewer was just
     * shown it (the post page has read it), so that it is not read and checked twice.
     */
    async comments(viewer: Viewer | null, postId: number, options: { cursor?: string | null; limit?: number; post?: PostView } = {}): Promise<Page<CommentView>> {
      const viewerId = viewer?.id ?? null
      const post = options.post?.id === postId && options.post.status === 'published' ? options.post : await visiblePost(viewerId, postId)
      const limit = options.limit ?? 30
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      const who = viewerId === null ? 'guest' : 'member'
      const rows = await shapes.all(
        `comments:${who}:${after ? 'cursor' : 'first'}`,
        (slot) => {
          let q = commentsQuery(viewerId === null ? null : slot<number>('viewer'), slot<number>('post')).where('comments.parent_id', 'is', null).orderBy('comments.created_at').orderBy('comments.id').limit(slot<number>('k'))
          if (after) {
            const [at, id] = [slot<string>('at'), slot<number>('id')]
            q = q.where((eb) => eb.or([eb('comments.created_at', '>', at), eb.and([eb('comments.created_at', '=', at), eb('comments.id', '>', id)])]))
          }
          return q
        },
        { viewer: viewerId, post: postId, k: limit + 1, at: after?.at, id: after?.id },
      )
      const { items: top, nextCursor } = pageOf(rows, limit, (r) => ({ at: r.created_at, id: r.id }))
      const replies = top.length
        ? await shapes.all(
            `replies:${who}`,
            (slot) =>
              commentsQuery(viewerId === null ? null : slot<number>('viewer'), slot<number>('post'))
                .where('comments.parent_id', 'in', sql<number>`(select value from json_each(${slot<string>('parents')}))`)
                .orderBy('comments.created_at')
                .orderBy('comments.id'),
            { viewer: viewerId, post: postId, parents: JSON.stringify(top.map((t) => t.id)) },
          )
        : []
      const [topViews, replyViews] = await Promise.all([commentViews(viewer, top, post.author.id), commentViews(viewer, replies, post.author.id)])
      const items = topViews.map((c) => ({ ...c, replies: replyViews.filter((r) => r.parent_id === c.id) }))
      return { items, nextCursor }
    },

    /** Edit one's own comment (marked edited). */
    async editComment(viewer: Viewer, commentId: number, input: unknown): Promise<CommentView> {
      const c = await visibleComment(viewer.id, commentId)
      if (c.author_id !== viewer.id) throw forbidden('Only its author can edit this comment.')
      const { text } = parse(commentInput.pick({ text: true }), input)
      const checked = { surface: 'comment', authorId: viewer.id, text }
      const verdict = text !== c.text ? await policy?.enforce(checked) : undefined
      const mentions = await mentionsOf(viewer.id, text)
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('comments').set({ text, edited_at: now(), updated_at: now(), ...(verdict?.hold && { held_at: now(), held_reason: 'review' as const }) }).where('id', '=', commentId).execute()
        await trx.deleteFrom('comment_mentions').where('comment_id', '=', commentId).execute()
        if (mentions.length) await trx.insertInto('comment_mentions').values(mentions.map((user_id) => ({ comment_id: commentId, user_id }))).execute()
        // Held by a rule after the edit: out of the counts until released.
        if (verdict?.hold) await recountHeld(trx as Db, c)
      })
      if (verdict) await policy?.flagSaved(verdict, checked, { type: 'comment', id: commentId })
      const post = await visiblePost(viewer.id, c.post_id)
      const row = await db.selectFrom('comments').selectAll().where('id', '=', commentId).executeTakeFirstOrThrow()
      return (await commentViews(viewer, [row], post.author.id))[0]!
    },

    /** Delete a comment (and its replies): its author, the post's author, or staff (audited). */
    async deleteComment(actor: Viewer, commentId: number): Promise<void> {
      const staff = actor.role === 'admin' || actor.role === 'moderator'
      const c = staff ? await db.selectFrom('comments').selectAll().where('id', '=', commentId).executeTakeFirst() : await visibleComment(actor.id, commentId)
      if (!c) throw notFound('That comment')
      const post = await db.selectFrom('posts').select('author_id').where('id', '=', c.post_id).executeTakeFirstOrThrow()
      if (c.author_id !== actor.id && post.author_id !== actor.id && !staff) throw forbidden('Only the comment’s author or the post’s author can delete it.')
      await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('comments').where('id', '=', commentId).execute()
        // Recounted, not decremented: replies by suspended members were never in the count.
        await recountEngagement(trx, sql<number>`select ${c.post_id}`)
        if (c.parent_id) await recountReplies(trx, c.parent_id)
      })
      if (staff && c.author_id !== actor.id && post.author_id !== actor.id) {
        await audit(db, { actorId: actor.id, action: 'comment.delete', targetType: 'comment', targetId: commentId, details: { author_id: c.author_id, post_id: c.post_id } })
      }
      await hooks.emit('action:comment.deleted', { commentId, postId: c.post_id, authorId: c.author_id, actorId: actor.id })
    },

    async likeComment(userId: number, commentId: number, like: boolean): Promise<{ likes_count: number; liked: boolean }> {
      const c = await visibleComment(userId, commentId)
      const changed = await db.transaction().execute(async (trx) => {
        const r = like
          ? await trx.insertInto('comment_likes').values({ comment_id: commentId, user_id: userId }).onConflict((oc) => oc.doNothing()).executeTakeFirst()
          : await trx.deleteFrom('comment_likes').where('comment_id', '=', commentId).where('user_id', '=', userId).executeTakeFirst()
        const n = Number('numInsertedOrUpdatedRows' in r ? r.numInsertedOrUpdatedRows : r.numDeletedRows)
        if (n === 1) await trx.updateTable('comments').set((eb) => ({ likes_count: eb('likes_count', like ? '+' : '-', 1) })).where('id', '=', commentId).execute()
        return n === 1
      })
      if (changed && like) await hooks.emit('action:comment.liked', { commentId, postId: c.post_id, commentAuthorId: c.author_id, userId })
      const after = await db.selectFrom('comments').select('likes_count').where('id', '=', commentId).executeTakeFirstOrThrow()
      return { likes_count: after.likes_count, liked: like }
    },

    // ---- Bookmarks (private to their owner)

    async bookmark(userId: number, postId: number, on: boolean): Promise<{ bookmarked: boolean }> {
      await visiblePost(userId, postId)
      if (on) await db.insertInto('bookmarks').values({ user_id: userId, post_id: postId }).onConflict((oc) => oc.doNothing()).execute()
      else await db.deleteFrom('bookmarks').where('user_id', '=', userId).where('post_id', '=', postId).execute()
      return { bookmarked: on }
    },

    async bookmarkedIds(userId: number, postIds: number[]): Promise<Set<number>> {
      if (!postIds.length) return new Set()
      return new Set((await db.selectFrom('bookmarks').select('post_id').where('user_id', '=', userId).where('post_id', 'in', postIds).execute()).map((r) => r.post_id))
    },

    /** One's bookmarks, newest first; a post one can no longer see drops out (visibility in the query). */
    async bookmarks(userId: number, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<PostView>> {
      const limit = options.limit ?? 20
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      let q = db
        .selectFrom('bookmarks')
        .innerJoin('posts', 'posts.id', 'bookmarks.post_id')
        .selectAll('posts')
        .select('bookmarks.created_at as saved_at')
        .where('bookmarks.user_id', '=', userId)
        .where('posts.status', '=', 'published')
        .where(visibleTo(userId))
        .orderBy('bookmarks.created_at', 'desc')
        .orderBy('posts.id', 'desc')
        .limit(limit + 1)
      if (after) q = q.where(olderThan('bookmarks.created_at', 'posts.id', after))
      const page = pageOf(await q.execute(), limit, (r) => ({ at: r.saved_at, id: r.id }))
      return { items: await posts.hydrate(userId, page.items.map(({ saved_at: _s, ...p }) => p)), nextCursor: page.nextCursor }
    },

    // ---- Collections

    async createCollection(ownerId: number, input: unknown): Promise<CollectionView> {
      const data = parse(collectionInput, input)
      const clash = await db.selectFrom('collections').select('id').where('owner_id', '=', ownerId).where(sql<string>`lower(name)`, '=', data.name.toLowerCase()).executeTakeFirst()
      if (clash) throw new AppError(409, 'CONFLICT', 'You already have a collection with that name.', { fields: { name: 'You already have a collection with that name.' } })
      const row = await db
        .insertInto('collections')
        .values({ owner_id: ownerId, name: data.name, description: data.description, visibility: data.visibility, share_token: randomBytes(12).toString('base64url'), updated_at: now() })
        .returningAll()
        .executeTakeFirstOrThrow()
      return collectionView(row, ownerId)
    },

    async updateCollection(ownerId: number, id: number, input: unknown): Promise<CollectionView> {
      const row = await ownCollection(ownerId, id)
      const data = parse(collectionFields.partial(), input)
      if (data.name && data.name.toLowerCase() !== row.name.toLowerCase()) {
        const clash = await db.selectFrom('collections').select('id').where('owner_id', '=', ownerId).where(sql<string>`lower(name)`, '=', data.name.toLowerCase()).executeTakeFirst()
        if (clash) throw new AppError(409, 'CONFLICT', 'You already have a collection with that name.', { fields: { name: 'You already have a collection with that name.' } })
      }
      await db.updateTable('collections').set({ ...data, updated_at: now() }).where('id', '=', id).execute()
      return collectionView((await db.selectFrom('collections').selectAll().where('id', '=', id).executeTakeFirstOrThrow()), ownerId)
    },

    async deleteCollection(ownerId: number, id: number): Promise<void> {
      await ownCollection(ownerId, id)
      await db.deleteFrom('collections').where('id', '=', id).execute()
    },

    /** Put a post one may see into one's collection, or take it out. */
    async collect(ownerId: number, id: number, postId: number, on: boolean): Promise<void> {
      await ownCollection(ownerId, id)
      if (on) {
        await visiblePost(ownerId, postId)
        await db.insertInto('collection_posts').values({ collection_id: id, post_id: postId }).onConflict((oc) => oc.doNothing()).execute()
      } else await db.deleteFrom('collection_posts').where('collection_id', '=', id).where('post_id', '=', postId).execute()
    },

    /** A member's collections as the viewer sees them: all for the owner, public ones for others. */
    async collectionsOf(viewerId: number | null, ownerId: number): Promise<CollectionView[]> {
      if (viewerId !== null && viewerId !== ownerId && (await safety.blockedEitherWay(viewerId, ownerId))) return []
      const mine = viewerId === ownerId
      const rows = await shapes.all(
        `collections-of:${mine ? 'own' : 'public'}`,
        (slot) => {
          const q = db.selectFrom('collections').selectAll().where('owner_id', '=', slot<number>('owner')).orderBy('name')
          return mine ? q : q.where('visibility', '=', 'public')
        },
        { owner: ownerId },
      )
      return Promise.all(rows.map((r) => collectionView(r, viewerId)))
    },

    /**
     * A collection by id (public ones, or one's own) or by its share token (private ones shared by link),
     * with the posts in it that the viewer may see, newest added first.
     */
    async collection(viewerId: number | null, ref: { id?: number; token?: string }, options: { cursor?: string | null; limit?: number } = {}): Promise<{ collection: CollectionView; posts: Page<PostView> }> {
      let q = db.selectFrom('collections').selectAll()
      q = ref.token ? q.where('share_token', '=', ref.token) : q.where('id', '=', ref.id ?? 0)
      const row = await q.executeTakeFirst()
      if (!row || (!ref.token && row.visibility === 'private' && row.owner_id !== viewerId)) throw notFound('That collection')
      if (viewerId !== null && viewerId !== row.owner_id && (await safety.blockedEitherWay(viewerId, row.owner_id))) throw notFound('That collection')
      const limit = options.limit ?? 20
      const after = decodeCursor(options.cursor, { at: 'time', id: 'id' })
      let pq = db
        .selectFrom('collection_posts')
        .innerJoin('posts', 'posts.id', 'collection_posts.post_id')
        .selectAll('posts')
        .select('collection_posts.added_at')
        .where('collection_posts.collection_id', '=', row.id)
        .where('posts.status', '=', 'published')
        .where(visibleTo(viewerId))
        .orderBy('collection_posts.added_at', 'desc')
        .orderBy('posts.id', 'desc')
        .limit(limit + 1)
      if (after) pq = pq.where(olderThan('collection_posts.added_at', 'posts.id', after))
      const page = pageOf(await pq.execute(), limit, (r) => ({ at: r.added_at, id: r.id }))
      return {
        collection: await collectionView(row, viewerId),
        posts: { items: await posts.hydrate(viewerId, page.items.map(({ added_at: _a, ...p }) => p)), nextCursor: page.nextCursor },
      }
    },
  }
  return service
}
