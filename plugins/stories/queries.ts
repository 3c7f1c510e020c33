// Queries of the stories plugin; each takes the database first. `visibleTo` is the one audience rule, used by every path.
import { sql, type ExpressionBuilder, type Kysely } from 'kysely'
import { activeMember, blockedWith, displayNameOf, queryShapes, type PluginDb as Db } from '../../core/plugins/api.js'
import type { StoriesTables, StoryAudience, StoryKind, StoryRow } from './tables.js'

type CoreTables = Db extends Kysely<infer D> ? D : never
/** A member's display name, or their username when they have not set one (as core shows them). */
const displayName = displayNameOf('users').as('display_name')
type Tables = CoreTables & StoriesTables
const own = (db: Db): Kysely<Tables> => db.withTables<StoriesTables>()
/** Each database's query shapes, for the tray (on every home page). */
const shapesOf = new WeakMap<Db, ReturnType<typeof queryShapes>>()

/** How a story is being looked at. */
export interface Sight {
  /** Only unexpired stories (every path but the author's archive and highlights). Default true. */
  live?: boolean
  /**
   * A view-once story the viewer opened after this instant still counts as visible: its file is loading, or a
   * reaction is on its way. Without it, an opened view-once story is gone for that viewer.
   */
  openedSince?: string
}

/**
 * The condition "the viewer may see this row of `stories_items`":
 * - the author sees all their own (live ones unless `live: false`);
 * - others need an active (not suspended) author, no block either way, not to be on the story's hide-from list,
 *   to be in its audience (public: anyone who may see the author's posts; followers; close friends; the custom
 *   list), and, for a view-once story, not to have opened it yet;
 * - guests see only public, not view-once stories of public accounts.
 * @example own(db).selectFrom('stories_items').selectAll().where(visibleTo(viewerId, new Date().toISOString()))
 */
export function visibleTo(viewerId: number | null, at: string, sight: Sight = {}) {
  return (eb: ExpressionBuilder<Tables, 'stories_items'>) => {
    const live = sight.live === false ? [] : [eb('stories_items.expires_at', '>', at)]
    const author = () => eb.selectFrom('users as author').select('author.id').whereRef('author.id', '=', 'stories_items.author_id').where('author.suspended_at', 'is', null)
    const publicAuthor = eb.exists(author().where('author.is_private', '=', 0))
    if (viewerId === null) return eb.and([...live, eb('stories_items.audience', '=', 'public'), eb('stories_items.view_once', '=', 0), publicAuthor])
    const follows = eb.exists(
      eb.selectFrom('follows').select('follows.follower_id').where('follows.follower_id', '=', viewerId).whereRef('follows.followee_id', '=', 'stories_items.author_id'),
    )
    const listed = (list: 'custom' | 'hide') =>
      eb.exists(
        eb.selectFrom('stories_audience').select('stories_audience.story_id').whereRef('stories_audience.story_id', '=', 'stories_items.id').where('stories_audience.list', '=', list).where('stories_audience.user_id', '=', viewerId),
      )
    const closeFriend = eb.exists(
      eb.selectFrom('stories_close_friends').select('stories_close_friends.friend_id').whereRef('stories_close_friends.owner_id', '=', 'stories_items.author_id').where('stories_close_friends.friend_id', '=', viewerId),
    )
    const blocked = blockedWith(viewerId, 'stories_items.author_id')
    let opened = eb.selectFrom('stories_views').select('stories_views.story_id').whereRef('stories_views.story_id', '=', 'stories_items.id').where('stories_views.viewer_id', '=', viewerId)
    if (sight.openedSince) opened = opened.where('stories_views.viewed_at', '<=', sight.openedSince)
    return eb.and([
      ...live,
      eb.or([
        eb('stories_items.author_id', '=', viewerId),
        eb.and([
          activeMember('stories_items.author_id'),
          eb.not(blocked),
          eb.not(listed('hide')),
          eb.or([eb('stories_items.view_once', '=', 0), eb.not(eb.exists(opened))]),
          eb.or([
            eb.and([eb('stories_items.audience', '=', 'public'), eb.or([publicAuthor, follows])]),
            eb.and([eb('stories_items.audience', '=', 'followers'), follows]),
            eb.and([eb('stories_items.audience', '=', 'close_friends'), closeFriend]),
            eb.and([eb('stories_items.audience', '=', 'custom'), listed('custom')]),
          ]),
        ]),
      ]),
    ])
  }
}

export interface NewStory {
  author_id: number
  kind: StoryKind
  media_id: number | null
  text: string
  background: string | null
  audience: StoryAudience
  view_once: boolean
  expires_at: string
  custom: number[]
  hide: number[]
}

export async function insertStory(db: Db, s: NewStory): Promise<StoryRow> {
  return own(db)
    .transaction()
    .execute(async (trx) => {
      const row = await trx
        .insertInto('stories_items')
        .values({ author_id: s.author_id, kind: s.kind, media_id: s.media_id, text: s.text, background: s.background, audience: s.audience, view_once: s.view_once ? 1 : 0, expires_at: s.expires_at })
        .returningAll()
        .executeTakeFirstOrThrow()
      const members = [...s.custom.map((user_id) => ({ story_id: row.id, list: 'custom' as const, user_id })), ...s.hide.map((user_id) => ({ story_id: row.id, list: 'hide' as const, user_id }))]
      if (members.length) await trx.insertInto('stories_audience').values(members).execute()
      return row
    })
}

export const storyById = (db: Db, id: number) => own(db).selectFrom('stories_items').selectAll().where('id', '=', id).executeTakeFirst()

/** One story if the viewer may see it. */
export const visibleStory = (db: Db, viewerId: number | null, id: number, at: string, sight: Sight = {}) =>
  own(db).selectFrom('stories_items').selectAll().where('id', '=', id).where(visibleTo(viewerId, at, sight)).executeTakeFirst()

/** The stories of a media file (normally one). */
export const storiesWithMedia = (db: Db, mediaId: number) => own(db).selectFrom('stories_items').selectAll().where('media_id', '=', mediaId).execute()

export type StoryWithSeen = StoryRow & { seen: number }

/** Live stories of these authors that the viewer may see, oldest first, each with whether the viewer has opened it. */
export function storiesOf(db: Db, viewerId: number | null, authorIds: number | number[], at: string): Promise<StoryWithSeen[]> {
  const ids = Array.isArray(authorIds) ? authorIds : [authorIds]
  if (!ids.length) return Promise.resolve([])
  return own(db)
    .selectFrom('stories_items')
    .selectAll('stories_items')
    // Guests have opened nothing (no member has id 0).
    .select(sql<number>`exists (select 1 from stories_views v where v.story_id = stories_items.id and v.viewer_id = ${viewerId ?? 0})`.as('seen'))
    .where('stories_items.author_id', 'in', ids)
    .where(visibleTo(viewerId, at))
    .orderBy('stories_items.created_at')
    .orderBy('stories_items.id')
    .limit(100 * ids.length)
    .execute() as Promise<StoryWithSeen[]>
}

export interface TrayEntry {
  author_id: number
  username: string
  display_name: string
  avatar_media_id: number | null
  stories: number
  unseen: number
  latest_at: string
}

/**
 * The tray: the viewer (first) and the people they follow with live stories the viewer may see; people with
 * unseen stories before the others, then the most recent first.
 */
export async function tray(db: Db, viewerId: number, at: string, limit = 50): Promise<TrayEntry[]> {
  let shapes = shapesOf.get(db)
  if (!shapes) shapesOf.set(db, (shapes = queryShapes(db, 4)))
  // Most home pages come while no one they follow has a live story, often while no one at all has: one probe of
  // stories_items_expires answers those without a probe per followed member.
  const [anyLive] = await shapes.all('any-live', (slot) => own(db).selectFrom('stories_items').select('id').where('expires_at', '>', slot<string>('at')).limit(1), { at })
  if (!anyLive) return []
  return shapes.all(
    'tray',
    (slot) => {
      const viewer = slot<number>('viewer')
      return (
        own(db)
          .selectFrom('stories_items')
          .innerJoin('users', 'users.id', 'stories_items.author_id')
          .select(['stories_items.author_id', 'users.username', displayName, 'users.avatar_media_id'])
          .select((eb) => [
            eb.fn.countAll<number>().as('stories'),
            sql<number>`sum(case when exists (select 1 from stories_views v where v.story_id = stories_items.id and v.viewer_id = ${viewer}) then 0 else 1 end)`.as('unseen'),
            eb.fn.max('stories_items.created_at').as('latest_at'),
          ])
          // Driven by the viewer's follows, so the (author_id, expires_at) index serves it whatever the site's size.
          .where('stories_items.author_id', 'in', sql<number>`(select followee_id from follows where follower_id = ${viewer} union select ${viewer})`)
          .where(visibleTo(viewer, slot<string>('at')))
          .groupBy(['stories_items.author_id', 'users.username', 'users.display_name', 'users.avatar_media_id'])
          .orderBy(sql`stories_items.author_id = ${viewer}`, 'desc')
          .orderBy(sql`unseen > 0`, 'desc')
          .orderBy('latest_at', 'desc')
          .limit(slot<number>('limit'))
      )
    },
    { viewer: viewerId, at, limit },
  ) as Promise<TrayEntry[]>
}

/** Note that the viewer opened a story. False when they had already (which closes a view-once story). */
export async function recordView(db: Db, storyId: number, viewerId: number, at: string): Promise<boolean> {
  const r = await own(db).insertInto('stories_views').values({ story_id: storyId, viewer_id: viewerId, viewed_at: at }).onConflict((oc) => oc.doNothing()).executeTakeFirst()
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0
}

export const viewedAt = async (db: Db, storyId: number, viewerId: number) =>
  (await own(db).selectFrom('stories_views').select('viewed_at').where('story_id', '=', storyId).where('viewer_id', '=', viewerId).executeTakeFirst())?.viewed_at ?? null

/** Who opened a story, newest first, with their reactions; people on either side of a block left out. */
export async function viewersOf(db: Db, story: Pick<StoryRow, 'id' | 'author_id'>) {
  const rows = await own(db)
    .selectFrom('stories_views')
    .innerJoin('users', 'users.id', 'stories_views.viewer_id')
    .select(['users.id', 'users.username', displayName, 'stories_views.viewed_at'])
    .where('stories_views.story_id', '=', story.id)
    .where((eb) => eb.not(blockedWith(story.author_id, 'users.id')))
    .orderBy('stories_views.viewed_at', 'desc')
    .limit(1000)
    .execute()
  const reactions = await own(db).selectFrom('stories_reactions').select(['user_id', 'kind', 'body']).where('story_id', '=', story.id).orderBy('id').execute()
  return rows.map((r) => ({ ...r, reactions: reactions.filter((x) => x.user_id === r.id).map((x) => ({ kind: x.kind, body: x.body })) }))
}

export async function viewCounts(db: Db, storyIds: number[]): Promise<Map<number, number>> {
  if (!storyIds.length) return new Map()
  const rows = await own(db).selectFrom('stories_views').select(['story_id', (eb) => eb.fn.countAll<number>().as('n')]).where('story_id', 'in', storyIds).groupBy('story_id').execute()
  return new Map(rows.map((r) => [r.story_id, Number(r.n)]))
}

export async function addReaction(db: Db, storyId: number, userId: number, kind: 'emoji' | 'text', body: string): Promise<number> {
  const row = await own(db).insertInto('stories_reactions').values({ story_id: storyId, user_id: userId, kind, body }).returning('id').executeTakeFirstOrThrow()
  return row.id
}

export async function reactionsBy(db: Db, storyId: number, userId: number): Promise<number> {
  const r = await own(db).selectFrom('stories_reactions').select((eb) => eb.fn.countAll<number>().as('n')).where('story_id', '=', storyId).where('user_id', '=', userId).executeTakeFirstOrThrow()
  return Number(r.n)
}

/** Members by username (case-insensitive), for audience lists and mentions. */
export function usersNamed(db: Db, names: string[]) {
  if (!names.length) return Promise.resolve([])
  return db
    .selectFrom('users')
    .select(['id', 'username'])
    .where(sql<string>`lower(username)`, 'in', names.map((n) => n.toLowerCase()))
    .execute()
}

/** The media row a story would use, and whether something else already uses the file. */
export async function mediaForStory(db: Db, mediaId: number) {
  const m = await db.selectFrom('media').select(['id', 'owner_id', 'kind', 'status', 'duration_ms']).where('id', '=', mediaId).executeTakeFirst()
  if (!m) return null
  const inPost = await db.selectFrom('post_media').select('post_id').where('media_id', '=', mediaId).executeTakeFirst()
  const avatar = await db.selectFrom('users').select('id').where('avatar_media_id', '=', mediaId).executeTakeFirst()
  const story = await own(db).selectFrom('stories_items').select('id').where('media_id', '=', mediaId).executeTakeFirst()
  return { ...m, usedBy: inPost ? ('post' as const) : avatar ? ('avatar' as const) : story ? ('story' as const) : null }
}

/** Whether core shows this file elsewhere (a post or a profile picture): then core's rules apply there too. */
export async function coreUsesMedia(db: Db, mediaId: number): Promise<boolean> {
  const inPost = await db.selectFrom('post_media').select('post_id').where('media_id', '=', mediaId).executeTakeFirst()
  if (inPost) return true
  return !!(await db.selectFrom('users').select('id').where('avatar_media_id', '=', mediaId).executeTakeFirst())
}

export const mediaDuration = async (db: Db, mediaId: number) =>
  (await db.selectFrom('media').select('duration_ms').where('id', '=', mediaId).executeTakeFirst())?.duration_ms ?? null

export async function deleteStory(db: Db, id: number): Promise<void> {
  await own(db).deleteFrom('stories_items').where('id', '=', id).execute()
}

// ---- Close friends

export function closeFriendsOf(db: Db, ownerId: number) {
  return own(db)
    .selectFrom('stories_close_friends')
    .innerJoin('users', 'users.id', 'stories_close_friends.friend_id')
    .select(['users.id', 'users.username', displayName])
    .where('stories_close_friends.owner_id', '=', ownerId)
    .orderBy('users.username')
    .execute()
}

export async function setCloseFriends(db: Db, ownerId: number, friendIds: number[]): Promise<void> {
  await own(db)
    .transaction()
    .execute(async (trx) => {
      await trx.deleteFrom('stories_close_friends').where('owner_id', '=', ownerId).execute()
      if (friendIds.length) await trx.insertInto('stories_close_friends').values(friendIds.map((friend_id) => ({ owner_id: ownerId, friend_id }))).execute()
    })
}

/** After a block: neither stays on the other's close friends list (an unblock does not put them back). */
export async function forgetCloseFriends(db: Db, a: number, b: number): Promise<void> {
  await own(db)
    .deleteFrom('stories_close_friends')
    .where((eb) => eb.or([eb.and([eb('owner_id', '=', a), eb('friend_id', '=', b)]), eb.and([eb('owner_id', '=', b), eb('friend_id', '=', a)])]))
    .execute()
}

// ---- Highlights

export function highlightsOf(db: Db, ownerId: number) {
  return own(db)
    .selectFrom('stories_highlights')
    .select(['stories_highlights.id', 'stories_highlights.title', 'stories_highlights.created_at'])
    .select((eb) => eb.selectFrom('stories_highlight_items').select((e) => e.fn.countAll<number>().as('n')).whereRef('stories_highlight_items.highlight_id', '=', 'stories_highlights.id').as('items'))
    .where('owner_id', '=', ownerId)
    .orderBy('stories_highlights.created_at', 'desc')
    .orderBy('stories_highlights.id', 'desc')
    .execute()
}

export const highlightById = (db: Db, id: number) => own(db).selectFrom('stories_highlights').selectAll().where('id', '=', id).executeTakeFirst()

/** Add a story to the owner's highlight of that title, made if missing. Returns the highlight's id. */
export async function addToHighlight(db: Db, ownerId: number, title: string, storyId: number): Promise<number> {
  return own(db)
    .transaction()
    .execute(async (trx) => {
      const found = await trx.selectFrom('stories_highlights').select('id').where('owner_id', '=', ownerId).where(sql<string>`lower(title)`, '=', title.toLowerCase()).executeTakeFirst()
      const id = found?.id ?? (await trx.insertInto('stories_highlights').values({ owner_id: ownerId, title }).returning('id').executeTakeFirstOrThrow()).id
      await trx.insertInto('stories_highlight_items').values({ highlight_id: id, story_id: storyId }).onConflict((oc) => oc.doNothing()).execute()
      return id
    })
}

export async function removeFromHighlight(db: Db, highlightId: number, storyId: number): Promise<void> {
  await own(db).deleteFrom('stories_highlight_items').where('highlight_id', '=', highlightId).where('story_id', '=', storyId).execute()
}

export async function deleteHighlight(db: Db, id: number): Promise<void> {
  await own(db).deleteFrom('stories_highlights').where('id', '=', id).execute()
}

/** A highlight's stories, in the order they were added. */
export function highlightStories(db: Db, highlightId: number) {
  return own(db)
    .selectFrom('stories_highlight_items')
    .innerJoin('stories_items', 'stories_items.id', 'stories_highlight_items.story_id')
    .selectAll('stories_items')
    .where('stories_highlight_items.highlight_id', '=', highlightId)
    .orderBy('stories_highlight_items.added_at')
    .orderBy('stories_items.id')
    .execute()
}

export async function highlightTitlesOf(db: Db, storyIds: number[]): Promise<Map<number, { id: number; title: string }[]>> {
  const out = new Map<number, { id: number; title: string }[]>()
  if (!storyIds.length) return out
  const rows = await own(db)
    .selectFrom('stories_highlight_items')
    .innerJoin('stories_highlights', 'stories_highlights.id', 'stories_highlight_items.highlight_id')
    .select(['stories_highlight_items.story_id', 'stories_highlights.id', 'stories_highlights.title'])
    .where('stories_highlight_items.story_id', 'in', storyIds)
    .execute()
  for (const r of rows) out.set(r.story_id, [...(out.get(r.story_id) ?? []), { id: r.id, title: r.title }])
  return out
}

export const isHighlighted = async (db: Db, storyId: number) =>
  !!(await own(db).selectFrom('stories_highlight_items').select('story_id').where('story_id', '=', storyId).executeTakeFirst())

/** The author's own stories, live and expired (until purged), newest first: their archive. */
export function archiveOf(db: Db, authorId: number, limit = 200) {
  return own(db).selectFrom('stories_items').selectAll().where('author_id', '=', authorId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute()
}

/** Stories expired at or before `cutoff` that no highlight keeps, oldest first. */
export function purgeable(db: Db, cutoff: string, limit: number) {
  return own(db)
    .selectFrom('stories_items')
    .select(['id', 'media_id'])
    .where('expires_at', '<=', cutoff)
    .where((eb) => eb.not(eb.exists(eb.selectFrom('stories_highlight_items').select('story_id').whereRef('stories_highlight_items.story_id', '=', 'stories_items.id'))))
    .orderBy('expires_at')
    .limit(limit)
    .execute()
}

export async function deleteStories(db: Db, ids: number[]): Promise<void> {
  if (ids.length) await own(db).deleteFrom('stories_items').where('id', 'in', ids).execute()
}

/** The usernames on a story's custom and hide-from lists. */
export async function audienceLists(db: Db, storyId: number): Promise<{ custom: string[]; hide: string[] }> {
  const rows = await own(db)
    .selectFrom('stories_audience')
    .innerJoin('users', 'users.id', 'stories_audience.user_id')
    .select(['stories_audience.list', 'users.username'])
    .where('stories_audience.story_id', '=', storyId)
    .orderBy('users.username')
    .execute()
  return { custom: rows.filter((r) => r.list === 'custom').map((r) => r.username), hide: rows.filter((r) => r.list === 'hide').map((r) => r.username) }
}

/** How many stories were posted from `from` (inclusive) to `to` (exclusive): the dashboard's stories per day. */
export async function storiesBetween(db: Db, from: string, to: string): Promise<number> {
  const r = await own(db).selectFrom('stories_items').select((e) => e.fn.countAll<number>().as('n')).where('created_at', '>=', from).where('created_at', '<', to).executeTakeFirstOrThrow()
  return Number(r.n)
}
