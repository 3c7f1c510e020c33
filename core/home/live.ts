// The home feed's "New posts" pill: once a post is fanned out, the followers of its author who have a page open and
// would see it in their home feed hear `feed.new` on their socket (the page shows the pill; nothing without JavaScript).
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import { queryShapes } from '../db/shapes.js'
import type { Logger } from '../logger.js'
import { visibleTo } from '../posts/visibility.js'
import type { RealtimeHub } from '../realtime/hub.js'
import { mutedBy } from '../safety/queries.js'

/** Members checked per statement; a turn of the event loop between statements keeps requests going. */
export const ANNOUNCE_CHUNK = 500

/** What a page hears when a post it may show arrives in the member's home feed. */
export interface NewPostEvent {
  post_id: number
}

/**
 * Tell every online follower of a post's author who may see it in their home feed (following the author, the post
 * visible to them by `visibleTo`: audience, blocks, private accounts, hide-from lists, scopes; the author not muted),
 * exactly the home feed's rule. Costs one statement per ANNOUNCE_CHUNK members, taken from the smaller side: the
 * author's followers filtered by who is online, or the online members checked for following the author (a member
 * with a million followers and a thousand online reads a thousand). Returns how many members were told.
 */
export async function announceNewPost(deps: { db: Db; realtime: RealtimeHub }, postId: number): Promise<number> {
  const { db, realtime } = deps
  const post = await db
    .selectFrom('posts')
    .innerJoin('users', 'users.id', 'posts.author_id')
    .select(['posts.author_id', 'posts.status', 'posts.visibility', 'users.followers_count'])
    .where('posts.id', '=', postId)
    .executeTakeFirst()
  if (!post || post.status !== 'published' || post.visibility === 'only_me' || !realtime.onlineCount()) return 0
  const online = realtime.onlineMembers()
  const candidates =
    post.followers_count <= online.length
      ? (await db.selectFrom('follows').select('follower_id').where('followee_id', '=', post.author_id).execute()).map((r) => r.follower_id).filter((id) => realtime.isOnline(id))
      : online.filter((id) => id !== post.author_id)
  let told = 0
  for (let i = 0; i < candidates.length; i += ANNOUNCE_CHUNK) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve))
    for (const id of await mayShow(db, postId, candidates.slice(i, i + ANNOUNCE_CHUNK))) {
      realtime.publish(id, 'feed.new', { post_id: postId } satisfies NewPostEvent)
      told++
    }
  }
  return told
}

/** Each database's compiled statement (building it with its visibility rules costs as much as running it). */
const shapesOf = new WeakMap<Db, ReturnType<typeof queryShapes>>()

/** Which of these members would see the post in their home feed: one statement, each member in the viewer's place. */
export async function mayShow(db: Db, postId: number, members: number[]): Promise<number[]> {
  let shapes = shapesOf.get(db)
  if (!shapes) shapesOf.set(db, (shapes = queryShapes(db, 1)))
  const rows = await shapes.all(
    'announce',
    (slot) => {
      // The member being checked stands where a viewer id goes in visibleTo and mutedBy: a column, not a value.
      const member = sql.ref('candidate.value') as unknown as number
      return db
        .selectFrom(sql<{ value: number }>`json_each(${slot<string>('members')})`.as('candidate'))
        .innerJoin('posts', (j) => j.on('posts.id', '=', slot<number>('post')))
        .select(sql<number>`candidate.value`.as('id'))
        .where((eb) => eb.exists(eb.selectFrom('follows').select('follows.follower_id').whereRef('follows.follower_id', '=', 'candidate.value').whereRef('follows.followee_id', '=', 'posts.author_id')))
        .where((eb) => visibleTo(member)(eb as never))
        .where((eb) => eb.not(mutedBy(member, 'posts.author_id')))
    },
    { members: JSON.stringify(members), post: postId },
  )
  return rows.map((r) => r.id)
}
