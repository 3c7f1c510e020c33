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
  // Driven by the viewer's blocks (most members have none, a few have some), each looked up by key among the page's
  // posts: never a walk over every like and comment of the page, which on a popular post is thousands of rows.
  const { rows } = await sql<{ post_id: number; likes: number; comments: number }>`
    with b(id) as (select blocked_id from blocks where blocker_id = ${viewerId} union select blocker_id from blocks where blocked_id = ${viewerId}),
      p(id) as (select value from json_each(${ids}))
    select post_id, sum(likes) as likes, sum(comments) as comments from (
      select r.post_id, 1 as likes, 0 as comments from b join reactions as r on r.user_id = b.id join users as u on u.id = r.user_id
        where r.post_id in (select id from p) and r.kind = 'like' and u.suspended_at is null
      union all
      select c.post_id, 0, 1 from comments as c join users as u on u.id = c.author_id
        left join comments as parent on parent.id = c.parent_id left join users as pu on pu.id = parent.author_id
        where c.id in (
            select mine.id from b join comments as mine on mine.author_id = b.id where mine.post_id in (select id from p)
            union
            select reply.id from b join comments as top on top.author_id = b.id join comments as reply on reply.post_id = top.post_id and reply.parent_id = top.id
              where top.post_id in (select id from p)
          )
          and c.held_at is null and u.suspended_at is null and (c.parent_id is null or (pu.suspended_at is null and parent.held_at is null))
    ) group by post_id`.execute(db)
  for (const r of rows) out.set(r.post_id, { likes: Number(r.likes), comments: Number(r.comments) })
  return out
}
