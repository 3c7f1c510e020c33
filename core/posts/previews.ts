// What a post card shows of its likes and comments beyond the counts: one liker to name ("Liked by X and N others")
// and the newest comments, as the viewer may see them (decision 017: a blocked or suspended member is missing),
// read for a whole page of posts in one statement.
import { sql } from 'kysely'
import type { Db } from '../db/connect.js'
import { sqlLimit } from '../db/compiler.js'
import { displayName } from '../users/display-name.js'
import type { PostPreviewComment, PostPreviewMember } from './types.js'

/** Comments a card previews, and how many characters of each. */
export const PREVIEW_COMMENTS = 2
export const PREVIEW_CHARS = 140
/** How many of a post's newest likes are searched for someone the viewer follows. */
export const FOLLOWED_AMONG = 500

export interface PostPreview {
  liked_by: PostPreviewMember | null
  comments_preview: PostPreviewComment[]
}

/** The text of a comment cut to `max` characters (by code point) at a word when one is near, with "…". */
export function cutText(text: string, max = PREVIEW_CHARS): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  const chars = [...flat]
  if (chars.length <= max) return flat
  const head = chars.slice(0, max - 1).join('')
  const space = head.lastIndexOf(' ')
  return `${space > max * 0.6 ? head.slice(0, space) : head}…`
}

/**
 * For each of `postIds`: the liker to name, preferably someone the viewer follows (among the post's FOLLOWED_AMONG
 * newest likes), else the newest liker (never the viewer, a suspended member, or one blocked either way with the
 * viewer: exactly the likers list's members), and the newest top-level comments the comments list shows this viewer
 * (PREVIEW_COMMENTS, oldest first). Each part reads its post's rows along an index (reactions by post, kind and time;
 * comments by post, parent and time) and stops at the first that passes, or at FOLLOWED_AMONG. A guest (`null`)
 * follows and blocks nobody.
 * @example const previews = await postPreviews(db, viewer?.id ?? null, posts.map((p) => p.id))
 */
export async function postPreviews(db: Db, viewerId: number | null, postIds: number[]): Promise<Map<number, PostPreview>> {
  const out = new Map<number, PostPreview>()
  if (!postIds.length) return out
  const blocked = (column: string) =>
    sql`exists (select 1 from blocks where (blocks.blocker_id = ${viewerId} and blocks.blocked_id = ${sql.ref(column)}) or (blocks.blocked_id = ${viewerId} and blocks.blocker_id = ${sql.ref(column)}))`
  // The followed liker is looked for among the post's newest likes only (FOLLOWED_AMONG), so a viral post or a viewer
  // who follows thousands costs a bounded number of key lookups per post, not one per like or per follow.
  const followedLiker = sql`(select json_object('username', u.username, 'display_name', u.display_name)
      from (select r.user_id, r.created_at from reactions as r where r.post_id = p.value and r.kind = 'like' order by r.created_at desc limit ${sqlLimit(FOLLOWED_AMONG)}) as r
      join follows as f on f.follower_id = ${viewerId} and f.followee_id = r.user_id
      join users as u on u.id = r.user_id
      where u.suspended_at is null and not ${blocked('r.user_id')}
      order by r.created_at desc, r.user_id desc limit 1)`
  const newestLiker = sql`(select json_object('username', u.username, 'display_name', u.display_name)
      from reactions as r join users as u on u.id = r.user_id
      where r.post_id = p.value and r.kind = 'like' and u.suspended_at is null and r.user_id is not ${viewerId} and not ${blocked('r.user_id')}
      order by r.created_at desc, r.user_id desc limit 1)`
  const { rows } = await sql<{ post_id: number; liker: string | null; comments: string }>`
    select p.value as post_id, coalesce(${viewerId === null ? sql`null` : followedLiker}, ${newestLiker}) as liker,
      (select json_group_array(json_object('id', c.id, 'username', c.username, 'display_name', c.display_name, 'verified', c.verified_at is not null, 'text', c.text)) from (
        select c.id, c.text, u.username, u.display_name, u.verified_at from comments as c join users as u on u.id = c.author_id
          where c.post_id = p.value and c.parent_id is null and c.held_at is null and u.suspended_at is null and not ${blocked('c.author_id')}
          order by c.created_at desc, c.id desc limit ${sqlLimit(PREVIEW_COMMENTS)}
      ) as c) as comments
    from json_each(${JSON.stringify(postIds)}) as p`.execute(db)
  for (const r of rows) {
    const who = r.liker ? (JSON.parse(r.liker) as { username: string; display_name: string }) : null
    const comments = JSON.parse(r.comments) as { id: number; username: string; display_name: string; verified: number; text: string }[]
    out.set(r.post_id, {
      liked_by: who && { username: who.username, display_name: displayName(who) },
      comments_preview: comments.reverse().map((c) => ({ id: c.id, author: { username: c.username, display_name: displayName(c), verified: c.verified === 1 }, text: cutText(c.text) })),
    })
  }
  return out
}
