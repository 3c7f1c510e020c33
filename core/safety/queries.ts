// Block checks as query pieces, so every query that shows people or content can apply them inside SQL.
import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../db/connect.js'
import { queryShapes } from '../db/shapes.js'

/** Each database's query shapes: the block check runs on most pages (comments, mentions, profiles). */
const shapesOf = new WeakMap<Db, ReturnType<typeof queryShapes>>()

/** True when either member has blocked the other. */
export async function blockedEitherWay(db: Db, a: number, b: number): Promise<boolean> {
  if (a === b) return false
  let shapes = shapesOf.get(db)
  if (!shapes) shapesOf.set(db, (shapes = queryShapes(db, 2)))
  const rows = await shapes.all(
    'blocked-either-way',
    (slot) =>
      db
        .selectFrom('blocks')
        .select('blocker_id')
        .where((eb) => {
          const [a, b] = [slot<number>('a'), slot<number>('b')]
          return eb.or([eb.and([eb('blocker_id', '=', a), eb('blocked_id', '=', b)]), eb.and([eb('blocker_id', '=', b), eb('blocked_id', '=', a)])])
        })
        .limit(1),
    { a, b },
  )
  return rows.length > 0
}

/**
 * SQL: "the member in `column` and the viewer have blocked each other, one way or the other".
 * @example q.where((eb) => eb.not(blockedWith(viewerId, 'posts.author_id')))
 */
export function blockedWith(viewerId: number, column: string): RawBuilder<boolean> {
  const ref = sql.ref(column)
  return sql<boolean>`exists (select 1 from blocks where (blocks.blocker_id = ${viewerId} and blocks.blocked_id = ${ref}) or (blocks.blocked_id = ${viewerId} and blocks.blocker_id = ${ref}))`
}

/** SQL: "the viewer has muted the member in `column`" (muting hides them from the viewer's feed only). */
export function mutedBy(viewerId: number, column: string): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from mutes where mutes.muter_id = ${viewerId} and mutes.muted_id = ${sql.ref(column)})`
}

/**
 * SQL: "the member in `column` exists and is not suspended" (suspended members and their content are hidden).
 * @example q.where(activeMember('stories_items.author_id'))
 */
export function activeMember(column: string): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from users as active_member where active_member.id = ${sql.ref(column)} and active_member.suspended_at is null)`
}

/**
 * SQL: "the viewer may see content by the member in `column`": an active member, and no block either way (a guest,
 * `null`, is blocked by nobody). Audience rules (followers, private accounts) are the content's own, on top of this.
 * @example q.where(canSeeAuthor(viewer?.id ?? null, 'groups_notes.author_id'))
 */
export function canSeeAuthor(viewerId: number | null, column: string): RawBuilder<boolean> {
  if (viewerId === null) return activeMember(column)
  return sql<boolean>`(${activeMember(column)} and not ${blockedWith(viewerId, column)})`
}

/**
 * SQL: a member's display name, or their username when they have not set one, from the users table `table` (or alias).
 * @example db.selectFrom('users').select([displayNameOf('users').as('display_name')])
 */
export function displayNameOf(table = 'users'): RawBuilder<string> {
  return sql<string>`coalesce(nullif(${sql.ref(`${table}.display_name`)}, ''), ${sql.ref(`${table}.username`)})`
}
