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
