// Notifications: stored per member, grouped while unread, shown only while the recipient may see what they
// are about, and pushed live over the core realtime socket. Core types come from core's action hooks.
import { sql, type ExpressionBuilder } from 'kysely'
import { z } from 'zod'
import type { Db } from '../db/connect.js'
import { queryShapes, type SlotOf } from '../db/shapes.js'
import { now, type Database } from '../db/schema.js'
import { notFound, validationFailed } from '../errors.js'
import type { HookRegistry } from '../hooks/registry.js'
import type { Logger } from '../logger.js'
import { decodeCursor, pageOf, type Page } from '../pagination.js'
import type { PostsService } from '../posts/service.js'
import { visibleTo } from '../posts/visibility.js'
import type { RealtimeHub } from '../realtime/hub.js'
import { blockedWith } from '../safety/queries.js'
import type { SafetyService } from '../safety/service.js'
import type { SocialService } from '../social/service.js'
import { displayName } from '../users/display-name.js'
import { parse } from '../validation.js'
import { activityLog, type ActivityItem } from './activity.js'
import { CORE_TYPES, type CoreType } from './core-types.js'
import type { NotificationActor, NotificationContext, NotificationTypeDefinition, PluginNotificationsApi, PluginNotifyInput } from './types.js'

export type { ActivityItem }

export type { NotificationActor, NotificationContext, NotificationTypeDefinition, PluginNotificationsApi, PluginNotifyInput } from './types.js'

/** One entry of a member's list: a single event, or a group of them. */
export interface NotificationView {
  /** The entry's id (stable while it groups more events); pass it to mark it read. */
  id: number
  type: string
  text: string
  url: string | null
  read: boolean
  /** When its newest event happened. */
  created_at: string
  /** How many events it groups. */
  count: number
  /** The most recent actors, newest first (up to three). */
  actors: NotificationActor[]
  post_id: number | null
  comment_id: number | null
  /** When its oldest event happened (equal to `created_at` for a single event). */
  since: string
  /** The post's first photo (or a video's poster), small, when there is one the recipient may see. */
  thumbnail: NotificationThumbnail | null
  /** On a follow by one member: whether the recipient follows them back (a button on the page). */
  follow_back: FollowBack | null
}

/** A small picture of the post an entry is about. */
export interface NotificationThumbnail {
  media_id: number
  kind: 'image' | 'video'
  /** A 150 px picture (a photo's smallest variant, or a video's poster). */
  url: string
}

/** Where the recipient stands with the member who followed them. */
export interface FollowBack {
  username: string
  /** Following back sends a request (the member's account is private). */
  is_private: boolean
  relationship: 'none' | 'following' | 'requested'
}

export interface NotificationPreference {
  type: string
  label: string
  enabled: boolean
}

/** The realtime event a member's pages receive for a new notification. */
export interface NotificationEvent {
  id: number
  type: string
  text: string
  url: string | null
  /** The member's unread count after it. */
  unread: number
}

interface CreateInput {
  userId: number
  type: string
  actorId?: number | null
  postId?: number | null
  commentId?: number | null
  data?: Record<string, unknown>
  /** What the event is about, for grouped types ('' groups every unread event of the type). */
  groupKey?: string
}

type Registered = NotificationTypeDefinition & { owner: string }

const PREFIX = 'notifications.'
const MAX_DATA = 2048
const SHORT_TYPE = /^[a-z][a-z0-9_]{0,39}$/
const ACTORS_SHOWN = 3

/**
 * How long a group stays open: an unread group takes new events for 24 hours from its first one, then the next
 * event starts a new group ("Ana and 40 others liked your post" over a month would hide that it is still going).
 */
export const GROUP_WINDOW_MS = 24 * 3_600_000

/** A same-site path, or null: a type's url must not lead off the site or run script. */
const sitePath = (url: string | null): string | null => (url && url.startsWith('/') && !url.startsWith('//') && !url.startsWith('/\\') ? url : null)

/** "Ana", "Ana and Bob", "Ana and 10 others". */
export function describeActors(actors: NotificationActor[], count: number): string {
  const [first, second] = actors
  if (!first) return ''
  if (count <= 1) return first.display_name
  if (count === 2 && second) return `${first.display_name} and ${second.display_name}`
  const others = count - 1
  return `${first.display_name} and ${others} ${others === 1 ? 'other' : 'others'}`
}

export const readInput = z.object({
  ids: z.array(z.number({ error: 'Each id is a number.' }).int().positive(), { error: 'ids is a list of notification ids.' }).max(500, 'Mark at most 500 at once.').optional(),
})

export type NotificationsService = ReturnType<typeof createNotificationsService>

export function createNotificationsService(deps: { db: Db; hooks: HookRegistry; realtime: RealtimeHub; posts: PostsService; safety: SafetyService; social: SocialService; log: Logger }) {
  const { db, hooks, realtime, safety, social, log } = deps
  const types = new Map<string, Registered>()
  // The unread count's, and every statement of a notification made: a batch job makes hundreds (a live stream's
  // gift receipts), and Kysely built them in about as long as SQLite ran them.
  const shapes = queryShapes(db, 24)

  function defineType(owner: string, type: string, definition: NotificationTypeDefinition): void {
    const short = owner === 'core' ? type : type.slice(owner.length + 1)
    if (owner !== 'core' && definition.required) throw new Error(`Only core's notification types are always sent; ${owner} may not mark "${type}" required.`)
    if (owner !== 'core' && !type.startsWith(`${owner}.`)) throw new Error(`Plugin ${owner} may only define notification types named "${owner}.TYPE"; "${type}" is not one.`)
    if (!SHORT_TYPE.test(short)) throw new Error(`Notification type "${type}" must be lowercase letters, digits and underscores after the plugin's name.`)
    if (types.has(type)) throw new Error(`A notification type "${type}" already exists.`)
    if (!definition.label || typeof definition.text !== 'function' || typeof definition.url !== 'function') throw new Error(`Notification type "${type}" needs a label, a text function and a url function.`)
    types.set(type, { ...definition, owner })
  }
  for (const [type, definition] of Object.entries(CORE_TYPES)) defineType('core', type, definition)

  /**
   * The condition "this notification row may be shown to its recipient, now": a known type; no post, or
   * one the recipient may see; no actor, or one who is active and not blocked either way; a follow
   * request only while it is pending.
   */
  function shown(userId: number, known = [...types.keys()]) {
    return (eb: ExpressionBuilder<Database, 'notifications'>) =>
      eb.and([
        eb('notifications.user_id', '=', userId),
        eb('notifications.type', 'in', known),
        eb.or([
          eb('notifications.post_id', 'is', null),
          eb.exists(
            eb
              .selectFrom('posts')
              .select('posts.id')
              .whereRef('posts.id', '=', 'notifications.post_id')
              .where(visibleTo(userId)),
          ),
        ]),
        eb.or([
          eb('notifications.actor_id', 'is', null),
          eb.and([
            eb.not(blockedWith(userId, 'notifications.actor_id')),
            eb.exists(eb.selectFrom('users as actor').select('actor.id').whereRef('actor.id', '=', 'notifications.actor_id').where('actor.suspended_at', 'is', null)),
          ]),
        ]),
        eb.or([
          eb('notifications.type', '!=', 'follow_request'),
          eb.exists(eb.selectFrom('follow_requests').select('follow_requests.target_id').whereRef('follow_requests.requester_id', '=', 'notifications.actor_id').where('follow_requests.target_id', '=', userId)),
        ]),
      ])
  }

  async function postVisible(userId: number, postId: number): Promise<boolean> {
    return !!(await db.selectFrom('posts').select('posts.id').where('posts.id', '=', postId).where(visibleTo(userId)).executeTakeFirst())
  }

  async function enabled(userId: number, type: string): Promise<boolean> {
    const [row] = await shapes.all(
      'preference',
      (slot) => db.selectFrom('user_preferences').select('value').where('user_id', '=', slot<number>('user')).where('key', '=', slot<string>('key')),
      { user: userId, key: PREFIX + type },
    )
    return row ? JSON.parse(row.value) !== false : true
  }

  /** Render one entry's text and url with its type; a plugin's failing template is logged, not shown. */
  function present(type: string, n: NotificationContext): { text: string; url: string | null } {
    const def = types.get(type)!
    try {
      return { text: String(def.text(n)), url: sitePath(def.url(n)) }
    } catch (err) {
      log.error({ err, plugin: def.owner, type }, `notification type ${type} of ${def.owner} failed to render`)
      return { text: def.label, url: null }
    }
  }

  /**
   * The first photo (or video poster) of each post, by post id: only ready files, and only those
   * `filter:media.viewable` lets the recipient load (the posts themselves passed `shown`, so core's own rule
   * already allows them; a plugin may still refuse).
   */
  async function thumbnailsOf(userId: number, postIds: number[]): Promise<Map<number, NotificationThumbnail>> {
    const out = new Map<number, NotificationThumbnail>()
    if (!postIds.length) return out
    const rows = await db
      .selectFrom('post_media')
      .innerJoin('media', 'media.id', 'post_media.media_id')
      .select(['post_media.post_id', 'media.id', 'media.kind', 'media.status', 'media.variants', 'media.owner_id'])
      .where('post_media.post_id', 'in', [...new Set(postIds)])
      .orderBy('post_media.post_id')
      .orderBy('post_media.position')
      .execute()
    for (const r of rows) {
      if (out.has(r.post_id) || r.status !== 'ready') continue
      let variants: Record<string, string> = {}
      try {
        variants = JSON.parse(r.variants) as Record<string, string>
      } catch {
        continue
      }
      const variant = r.kind === 'video' ? 'poster' : (['150', '320', '640'] as const).find((v) => variants[v])
      if (!variant || !variants[variant]) continue
      if (!(await hooks.apply('filter:media.viewable', true, { viewerId: userId, mediaId: r.id, ownerId: r.owner_id }))) continue
      out.set(r.post_id, { media_id: r.id, kind: r.kind === 'video' ? 'video' : 'image', url: `/media/${r.id}/${variant}` })
    }
    return out
  }

  /** Fill in whether the recipient follows (or asked to follow) each single follower back: two lookups for a page. */
  async function followBackStates(userId: number, items: NotificationView[]): Promise<void> {
    const wanted = items.filter((n) => n.follow_back)
    if (!wanted.length) return
    const ids = wanted.map((n) => n.actors[0]!.id)
    const following = new Set((await db.selectFrom('follows').select('followee_id').where('follower_id', '=', userId).where('followee_id', 'in', ids).execute()).map((r) => r.followee_id))
    const requested = new Set((await db.selectFrom('follow_requests').select('target_id').where('requester_id', '=', userId).where('target_id', 'in', ids).execute()).map((r) => r.target_id))
    for (const n of wanted) {
      const id = n.actors[0]!.id
      n.follow_back!.relationship = following.has(id) ? 'following' : requested.has(id) ? 'requested' : 'none'
    }
  }

  /** Entries (groups) of a member's list, newest first, visibility applied inside the query. */
  async function entries(userId: number, options: { cursor?: string | null; limit?: number; unread?: boolean; batchIds?: number[] }): Promise<Page<NotificationView>> {
    const limit = options.limit ?? 20
    const after = decodeCursor(options.cursor, { id: 'id' })
    let q = db
      .selectFrom('notifications')
      .where(shown(userId))
      .select((eb) => [
        'notifications.batch_id',
        eb.fn.max('notifications.id').as('last_id'),
        eb.fn.max('notifications.created_at').as('last_at'),
        eb.fn.min('notifications.created_at').as('first_at'),
        eb.fn.countAll<number>().as('count'),
        eb.fn.min('notifications.type').as('type'),
        eb.fn.max('notifications.post_id').as('post_id'),
        eb.fn.max('notifications.comment_id').as('comment_id'),
        sql<number>`max(notifications.read_at is null)`.as('unread'),
      ])
      .groupBy('notifications.batch_id')
    if (options.batchIds) q = q.where('notifications.batch_id', 'in', options.batchIds.length ? options.batchIds : [0])
    if (options.unread) q = q.having(sql<number>`max(notifications.read_at is null)`, '=', 1)
    if (after) q = q.having((eb) => eb.fn.max('notifications.id'), '<', after.id)
    const { items: page, nextCursor } = pageOf(await q.orderBy('last_id', 'desc').limit(limit + 1).execute(), limit, (g) => ({ id: g.last_id }))
    if (!page.length) return { items: [], nextCursor: null }

    // The newest few events of each entry, for its actors' names and its data.
    const recent = await db
      .selectFrom((eb) =>
        eb
          .selectFrom('notifications')
          .leftJoin('users', 'users.id', 'notifications.actor_id')
          .where(shown(userId))
          .where('notifications.batch_id', 'in', page.map((g) => g.batch_id))
          .select([
            'notifications.batch_id',
            'notifications.data',
            'users.id as actor_id',
            'users.username',
            'users.display_name',
            'users.avatar_media_id',
            'users.avatar_visibility',
            'users.is_private',
            'users.verified_at',
            sql<number>`row_number() over (partition by notifications.batch_id order by notifications.id desc)`.as('rank'),
          ])
          .as('recent'),
      )
      .selectAll()
      .where('recent.rank', '<=', ACTORS_SHOWN)
      .orderBy('recent.batch_id')
      .orderBy('recent.rank')
      .execute()
    const me = await db.selectFrom('users').select(['id', 'username']).where('id', '=', userId).executeTakeFirstOrThrow()
    const avatars = new Map<number, string | null>()
    for (const r of recent) {
      if (r.actor_id === null || avatars.has(r.actor_id)) continue
      const visible = r.avatar_media_id !== null && (await social.canSeeAvatar(userId, { id: r.actor_id, avatar_visibility: r.avatar_visibility! }))
      avatars.set(r.actor_id, visible ? `/media/${r.avatar_media_id}/150` : null)
    }
    const thumbnails = await thumbnailsOf(userId, page.map((g) => g.post_id).filter((id): id is number => id !== null))

    const items = page.map((g): NotificationView => {
      const rows = recent.filter((r) => r.batch_id === g.batch_id)
      const actors = rows
        .filter((r) => r.actor_id !== null)
        .map((r) => ({ id: r.actor_id!, username: r.username!, display_name: displayName({ display_name: r.display_name, username: r.username! }), avatar_url: avatars.get(r.actor_id!) ?? null, verified: r.verified_at !== null }))
      let data: Record<string, unknown> = {}
      try {
        data = JSON.parse(rows[0]?.data ?? '{}') as Record<string, unknown>
      } catch {
        // unreadable data renders as none
      }
      const count = Number(g.count)
      const context: NotificationContext = { type: g.type, who: describeActors(actors, count), actors, count, me, postId: g.post_id, commentId: g.comment_id, data }
      const single = g.type === 'follow' && count === 1 ? rows.find((r) => r.actor_id !== null) : undefined
      return {
        id: g.batch_id,
        type: g.type,
        ...present(g.type, context),
        read: Number(g.unread) === 0,
        created_at: g.last_at,
        count,
        actors,
        post_id: g.post_id,
        comment_id: g.comment_id,
        since: g.first_at,
        thumbnail: g.post_id !== null ? (thumbnails.get(g.post_id) ?? null) : null,
        follow_back: single ? { username: single.username!, is_private: single.is_private === 1, relationship: 'none' } : null,
      }
    })
    await followBackStates(userId, items)
    return { items, nextCursor }
  }

  /**
   * On every page a member sees (the navigation's count). Built once per set of known types. The unary + keeps
   * SQLite from reading every notification of the member in batch order (notifications_user_batch) for the
   * distinct count: the unread ones are found along notifications_open, a few rows where the member may have
   * thousands read.
   */
  async function unreadCount(userId: number): Promise<number> {
    const known = [...types.keys()]
    const [row] = await shapes.all(
      `unread:${known.join(' ')}`,
      (slot) =>
        db
          .selectFrom('notifications')
          .where(shown(slot<number>('user'), known))
          .where('notifications.read_at', 'is', null)
          .select(sql<number>`count(distinct +notifications.batch_id)`.as('n')),
      { user: userId },
    )
    return Number(row!.n)
  }

  /** Tell the recipient's open pages, if the entry is one they may see. Failures are logged, never thrown. */
  async function push(userId: number, batchId: number): Promise<void> {
    if (!realtime.isOnline(userId)) return
    try {
      const [entry] = (await entries(userId, { batchIds: [batchId], limit: 1 })).items
      if (!entry) return
      const event: NotificationEvent = { id: entry.id, type: entry.type, text: entry.text, url: entry.url, unread: await unreadCount(userId) }
      realtime.publish(userId, 'notification', event)
    } catch (err) {
      log.warn({ err, userId }, 'notification push failed')
    }
  }

  /** Store one event (joining the open group of its kind) and push it. Returns whether it was stored. */
  async function create(input: CreateInput): Promise<boolean> {
    const def = types.get(input.type)
    if (!def) throw new Error(`Unknown notification type "${input.type}".`)
    const { userId } = input
    const actorId = input.actorId ?? null
    const postId = input.postId ?? null
    if (actorId !== null && actorId === userId) return false
    if (actorId !== null && (await safety.blockedEitherWay(actorId, userId))) return false
    if (!def.required && !(await enabled(userId, input.type))) return false
    if (postId !== null && !(await postVisible(userId, postId))) return false
    const groupKey = def.group ? `${input.type}:${input.groupKey ?? ''}` : null
    const data = JSON.stringify(input.data ?? {})
    const batchId = await db.transaction().execute(async (trx) => {
      let batch: number | null = null
      if (groupKey !== null) {
        const [open] = await shapes.all(
          'group-open',
          (slot) => db.selectFrom('notifications').select('batch_id').where('user_id', '=', slot<number>('user')).where('group_key', '=', slot<string>('group')).where('read_at', 'is', null).orderBy('id', 'desc').limit(1),
          { user: userId, group: groupKey },
          trx,
        )
        // The group is open while unread and for GROUP_WINDOW_MS from its first event.
        const [started] = open
          ? await shapes.all('group-start', (slot) => db.selectFrom('notifications').select((eb) => eb.fn.min('created_at').as('at')).where('user_id', '=', slot<number>('user')).where('batch_id', '=', slot<number>('batch')), { user: userId, batch: open.batch_id }, trx)
          : []
        if (open && started?.at && Date.parse(started.at) > Date.now() - GROUP_WINDOW_MS) {
          batch = open.batch_id
          // One row per actor in a group: liking again moves them to the front instead of counting twice.
          if (actorId !== null) {
            const leave = (slot: SlotOf) => db.deleteFrom('notifications').where('user_id', '=', slot<number>('user')).where('batch_id', '=', slot<number>('batch')).where('actor_id', '=', slot<number>('actor'))
            await shapes.all('group-leave', leave, { user: userId, batch, actor: actorId }, trx)
          }
        }
      }
      const values = { user_id: userId, type: input.type, actor_id: actorId, post_id: postId, comment_id: input.commentId ?? null, group_key: groupKey, batch_id: batch ?? 0, data }
      const [row] = await shapes.all(
        'insert',
        (slot) =>
          db
            .insertInto('notifications')
            .values({ user_id: slot('user_id'), type: slot('type'), actor_id: slot('actor_id'), post_id: slot('post_id'), comment_id: slot('comment_id'), group_key: slot('group_key'), batch_id: slot('batch_id'), data: slot('data') })
            .returning('id'),
        values,
        trx,
      )
      if (batch === null) {
        await shapes.all('batch-own', (slot) => db.updateTable('notifications').set({ batch_id: slot<number>('id') }).where('id', '=', slot<number>('id')), { id: row!.id }, trx)
        batch = row!.id
      }
      return batch
    })
    await push(userId, batchId)
    await hooks.emit('action:notification.created', { userId, batchId, type: input.type })
    return true
  }

  const service = {
    /**
     * Send a plugin type (`PLUGIN.type`, registered with defineType). Core types are sent by core itself.
     * @example await notifications.notify({ userId: 3, type: 'polls.closed', data: { pollId: 7 } })
     */
    async notify(input: PluginNotifyInput): Promise<void> {
      const def = types.get(input.type)
      if (!def || def.owner === 'core') throw new Error(`"${input.type}" is not a registered plugin notification type; register it with defineType first.`)
      const data = input.data ?? {}
      if (JSON.stringify(data).length > MAX_DATA) throw new Error(`Notification data of ${input.type} is larger than ${MAX_DATA} bytes.`)
      const [member] = await shapes.all('member', (slot) => db.selectFrom('users').select('id').where('id', '=', slot<number>('id')), { id: input.userId })
      if (!member) throw notFound('That member')
      const postId = input.postId ?? null
      await create({ userId: input.userId, type: input.type, actorId: input.actorId ?? null, postId, data, groupKey: `${postId ?? ''}:${input.groupKey ?? ''}` })
    },

    /**
     * Core's announcements (core/announcements) as an in-app notification: nothing when the member turned them off.
     * Push is not sent for them here: staff choose an announcement's channels (core/push/module.ts).
     */
    async announce(userId: number, data: { id: number; title: string }): Promise<boolean> {
      return create({ userId, type: 'announcement', data })
    },

    /** Whether a member has a type on (their notification settings); required types always are. */
    async wants(userId: number, type: string): Promise<boolean> {
      return types.get(type)?.required === true || (await enabled(userId, type))
    },

    /** A member's notifications, newest first, grouped; `unread` keeps unread entries only, `batchIds` those entries. */
    async list(userId: number, options: { cursor?: string | null; limit?: number; unread?: boolean; batchIds?: number[] } = {}): Promise<Page<NotificationView>> {
      return entries(userId, options)
    },

    /** How many unread entries (groups, as the list shows them) a member has. */
    unreadCount,

    /**
     * Mark entries read (by their ids), or all of them. Returns how many events were marked, and tells the
     * member's open pages the new count.
     */
    async markRead(userId: number, ids?: number[]): Promise<number> {
      if (ids && !ids.length) return 0
      let q = db.updateTable('notifications').set({ read_at: now() }).where('user_id', '=', userId).where('read_at', 'is', null)
      if (ids) q = q.where('batch_id', 'in', ids)
      const n = Number((await q.executeTakeFirst()).numUpdatedRows)
      if (n && realtime.isOnline(userId)) realtime.publish(userId, 'notifications.read', { unread: await unreadCount(userId) })
      return n
    },

    /** Delete notifications read before `before` (a daily job keeps 90 days). Returns how many went. */
    async purgeRead(before: Date): Promise<number> {
      const r = await db.deleteFrom('notifications').where('read_at', 'is not', null).where('read_at', '<', before.toISOString()).executeTakeFirst()
      return Number(r.numDeletedRows)
    },

    /** Every type members can receive (core and plugins), in a stable order. */
    types(): { type: string; label: string; owner: string }[] {
      return [...types.entries()].map(([type, d]) => ({ type, label: d.label, owner: d.owner }))
    },

    /** A member's choice for every type (on unless turned off). */
    async preferences(userId: number): Promise<NotificationPreference[]> {
      const rows = await db.selectFrom('user_preferences').select(['key', 'value']).where('user_id', '=', userId).where('key', 'like', `${PREFIX}%`).execute()
      const off = new Set(rows.filter((r) => JSON.parse(r.value) === false).map((r) => r.key.slice(PREFIX.length)))
      return service
        .types()
        .filter((t) => !types.get(t.type)!.required)
        .map((t) => ({ type: t.type, label: t.label, enabled: !off.has(t.type) }))
    },

    /** Turn types on or off: `{ like: false, 'polls.closed': true }`. Unknown types are a validation error. */
    async setPreferences(userId: number, input: unknown): Promise<NotificationPreference[]> {
      const data = parse(z.record(z.string(), z.boolean({ error: 'Each type is true or false.' }), { error: 'Send an object of type: true or false.' }), input)
      const unknown = Object.keys(data).filter((t) => !types.has(t) || types.get(t)!.required)
      if (unknown.length) throw validationFailed(Object.fromEntries(unknown.map((t) => [t, types.has(t) ? `"${t}" is always sent; it is not a setting.` : `There is no notification type "${t}".`])))
      for (const [type, on] of Object.entries(data)) {
        const value = JSON.stringify(on)
        await db
          .insertInto('user_preferences')
          .values({ user_id: userId, key: PREFIX + type, value })
          .onConflict((oc) => oc.columns(['user_id', 'key']).doUpdateSet({ value }))
          .execute()
      }
      return service.preferences(userId)
    },

    /** A member's own history: posts, likes, comments, comment likes and follows, newest first. */
    async activity(userId: number, options: { cursor?: string | null; limit?: number } = {}): Promise<Page<ActivityItem>> {
      return activityLog(db, userId, options)
    },

    /** Register a type for an owner ('core' or a plugin, whose types are named `PLUGIN.type`). */
    defineType,

    /** The notification API a plugin's context carries: its own types only, named `PLUGIN.type`. */
    forPlugin(plugin: string): Required<PluginNotificationsApi> {
      const full = (type: string) => {
        if (type.startsWith(`${plugin}.`)) return type
        if (type.includes('.')) throw new Error(`Plugin ${plugin} may only use its own notification types; "${type}" is not one.`)
        return `${plugin}.${type}`
      }
      return {
        defineType: (type, definition) => defineType(plugin, full(type), definition),
        notify: async (input) => service.notify({ ...input, type: full(input.type) }),
      }
    },

    /** Forget a plugin's types (when it unloads). Its stored notifications stay, hidden until it returns. */
    removeOwner(owner: string): void {
      if (owner === 'core') return
      for (const [type, d] of types) if (d.owner === owner) types.delete(type)
    },
  }

  const core = (type: CoreType, input: Omit<CreateInput, 'type'>) => create({ ...input, type })

  hooks.on('action:user.followed', async ({ followerId, followeeId }) => {
    // A request just accepted is not news to the member who accepted it.
    const requested = await db.selectFrom('notifications').select('id').where('user_id', '=', followeeId).where('actor_id', '=', followerId).where('type', '=', 'follow_request').executeTakeFirst()
    if (!requested) await core('follow', { userId: followeeId, actorId: followerId, groupKey: '' })
  })
  hooks.on('action:member.warned', async ({ userId, warningId, reason, note }) => {
    await core('warning', { userId, data: { warning_id: warningId, reason, note } })
  })
  hooks.on('action:report.decided', async ({ outcome, targetType, targetId, targetUserId, reporterIds }) => {
    for (const userId of reporterIds) await core('report_outcome', { userId, data: { outcome, target_type: targetType } })
    const content = targetType === 'post' || targetType === 'comment'
    if (targetUserId !== null && content && (outcome === 'remove' || outcome === 'sensitive')) {
      await core('moderation_action', { userId: targetUserId, data: { outcome, target_type: targetType }, ...(outcome === 'sensitive' && { postId: Number(targetId) }) })
    }
  })
  hooks.on('action:report.appeal-decided', async ({ userId, decision, note, resolutionId }) => {
    const r = await db.selectFrom('report_resolutions').select('target_type').where('id', '=', resolutionId).executeTakeFirst()
    await core('appeal_decided', { userId, data: { decision, note, target_type: r?.target_type ?? '' } })
  })
  hooks.on('action:user.export-ready', async ({ userId, exportId }) => {
    await core('export_ready', { userId, data: { export_id: exportId } })
  })
  hooks.on('action:user.verification-decided', async ({ userId, outcome, note }) => {
    await core('verification', { userId, data: { outcome, note } })
  })
  hooks.on('action:follow.requested', async ({ requesterId, targetId }) => {
    await core('follow_request', { userId: targetId, actorId: requesterId, groupKey: '' })
  })
  hooks.on('action:follow.answered', async ({ requesterId, targetId, accepted }) => {
    await db.deleteFrom('notifications').where('user_id', '=', targetId).where('actor_id', '=', requesterId).where('type', '=', 'follow_request').execute()
    if (accepted) await core('follow_accepted', { userId: requesterId, actorId: targetId })
  })
  hooks.on('action:post.created', async ({ postId, authorId, mentions }) => {
    for (const userId of mentions) await core('mention', { userId, actorId: authorId, postId })
  })
  // An edit that adds a mention tells the newly mentioned (once: not those told already).
  hooks.on('action:post.updated', async ({ postId, authorId }) => {
    const fresh = await db
      .selectFrom('post_mentions')
      .select('post_mentions.user_id')
      .where('post_mentions.post_id', '=', postId)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('notifications')
              .select('notifications.id')
              .whereRef('notifications.user_id', '=', 'post_mentions.user_id')
              .where('notifications.post_id', '=', postId)
              .where('notifications.type', '=', 'mention')
              .where('notifications.comment_id', 'is', null),
          ),
        ),
      )
      .execute()
    for (const { user_id } of fresh) await core('mention', { userId: user_id, actorId: authorId, postId })
  })
  hooks.on('action:post.reacted', async ({ postId, authorId, userId, kind, previous }) => {
    if (kind !== 'like' || previous === 'like') return
    await core('like', { userId: authorId, actorId: userId, postId, groupKey: `post:${postId}` })
  })
  // A repost is about the original (grouped per post); a quote is about the quote, shown while the author may see it.
  hooks.on('action:post.reposted', async ({ postId, originalId, originalAuthorId, userId, quote }) => {
    if (quote) await core('quote', { userId: originalAuthorId, actorId: userId, postId })
    else await core('repost', { userId: originalAuthorId, actorId: userId, postId: originalId, groupKey: `post:${originalId}` })
  })
  hooks.on('action:comment.created', async (c) => {
    // One notification per member per comment, the most specific: a reply, else a mention, else a comment.
    const told = new Set<number>()
    const tell = async (userId: number, type: CoreType, groupKey?: string) => {
      if (told.has(userId)) return
      told.add(userId)
      await core(type, { userId, actorId: c.authorId, postId: c.postId, commentId: c.commentId, groupKey })
    }
    if (c.parentId !== null && c.parentAuthorId !== null) await tell(c.parentAuthorId, 'reply', `comment:${c.parentId}`)
    for (const userId of c.mentions) await tell(userId, 'mention')
    await tell(c.postAuthorId, 'comment', `post:${c.postId}`)
  })
  hooks.on('action:comment.liked', async ({ commentId, postId, commentAuthorId, userId }) => {
    await core('comment_like', { userId: commentAuthorId, actorId: userId, postId, commentId, groupKey: `comment:${commentId}` })
  })
  hooks.on('action:user.blocked', async ({ blockerId, blockedId }) => {
    await db
      .deleteFrom('notifications')
      .where((eb) => eb.or([eb.and([eb('user_id', '=', blockerId), eb('actor_id', '=', blockedId)]), eb.and([eb('user_id', '=', blockedId), eb('actor_id', '=', blockerId)])]))
      .execute()
  })

  return service
}
