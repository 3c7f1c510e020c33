// Post like and comment counts equal to the lists a viewer gets (decision 017): stored totals of active members'
// likes and comments, less, per viewer, those of members blocked with the viewer (one grouped query per page).
// In db/ because suspension (users), post hydration (posts) and engagement all keep or read these counts (no folder circle).
import { sql, type Kysely, type RawBuilder } from 'kysely'
import type { Db } from './connect.js'
import type { Database } from './schema.js'

/** SQL: the likes of `posts.id` the lists show anyone: by members who are not suspended. */
const ACTIVE_LIKES = sql`select count(*) from reactions join users as u on u.id = reactions.user_id
  where reactions.post_id = posts.id and reactions.kind = 'like' and u.suspended_at is null`

/**
 * SQL: the comments of `posts.id` the lists show anyone: not held (for review, after reports, removed), by active
 * members, and (replies) under a shown comment of an active member.
 */
const ACTIVE_COMMENTS = sql`select count(*) from comments as c join users as u on u.id = c.author_id
  left join comments as parent on parent.id = c.parent_id left join users as pu on pu.id = parent.author_id
  where c.post_id = posts.id and c.held_at is null and u.suspended_at is null and (c.parent_id is null or (pu.suspended_at is null and parent.held_at is null))`

/**
 * Recount the stored like and comment counts of the posts `postIds` selects, in the caller's transaction: run when a
 * member is suspended or unsuspended (their likes and comments leave or rejoin the lists) and when comments are deleted.
 */
export async function recountEngagement(trx: Kysely<Database>, postIds: RawBuilder<number>): Promise<void> {
  await sql`update posts set likes_count = (${ACTIVE_LIKES}), comments_count = (${ACTIVE_COMMENTS}) where posts.id in (${postIds})`.execute(trx)
}

/** Recount a comment's replies_count: its replies that are shown (not held), in the caller's transaction. */
export async function recountReplies(trx: Kysely<Database>, commentId: number): Promise<void> {
  await sql`update comments set replies_count = (select count(*) from comments as r where r.parent_id = comments.id and r.held_at is null) where id = ${commentId}`.execute(trx)
}

/** The posts a member liked or commented on, as a subquery for `recountEngagement`. */
export function postsEngagedBy(userId: number): RawBuilder<number> {
  return sql<number>`select post_id from reactions where user_id = ${userId} union select post_id from comments where author_id = ${userId}
    union select c.post_id from comments as c join comments as parent on parent.id = c.parent_id where parent.author_id = ${userId}`
}

/**
 * The likes and comments among `postIds` that `viewerId`'s lists leave out because their authors (or, for replies,
 * their parent comment's authors) and the viewer blocked each other: one grouped query for a page of posts.
 */
export async function hiddenByBlocks(db: Db, viewerId: number, postIds: number[]): Promise<Map<number, { likes: number; comments: number }>> {
  const out = new Map<number, { likes: number; comments: number }>()
  if (!postIds.length) return out
  const ids = JSON.stringify(postIds)
  const blocked = (column: string) =>
    sql`exists (select 1 from blocks where (blocks.blocker_id = ${viewerId} and blocks.blocked_id = ${sql.ref(column)}) or (blocks.blocked_id = ${viewerId} and blocks.blocker_id = ${sql.ref(column)}))`
  // Bounded by the page's posts (indexed by post), each like or comment checked against the viewer's blocks by key.
  const { rows } = await sql<{ post_id: number; likes: number; comments: number }>`
    select post_id, sum(likes) as likes, sum(comments) as comments from (
      select reactions.post_id, 1 as likes, 0 as comments from reactions join users as u on u.id = reactions.user_id
        where reactions.post_id in (select value from json_each(${ids})) and reactions.kind = 'like' and u.suspended_at is null and ${blocked('reactions.user_id')}
      union all
      select c.post_id, 0, 1 from comments as c join users as u on u.id = c.author_id
        left join comments as parent on parent.id = c.parent_id left join users as pu on pu.id = parent.author_id
        where c.post_id in (select value from json_each(${ids})) and c.held_at is null and u.suspended_at is null and (c.parent_id is null or (pu.suspended_at is null and parent.held_at is null))
          and (${blocked('c.author_id')} or (c.parent_id is not null and ${blocked('parent.author_id')}))
    ) group by post_id`.execute(db)
  for (const r of rows) out.set(r.post_id, { likes: Number(r.likes), comments: Number(r.comments) })
  return out
}
