// Block checks as query pieces, so every query that shows people or content can apply them inside SQL.
import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../db/connect.js'

/** True when either member has blocked the other. */
export async function blockedEitherWay(db: Db, a: number, b: number): Promise<boolean> {
  if (a === b) return false
  const row = await db
    .selectFrom('blocks')
    .select('blocker_id')
    .where((eb) => eb.or([eb.and([eb('blocker_id', '=', a), eb('blocked_id', '=', b)]), eb.and([eb('blocker_id', '=', b), eb('blocked_id', '=', a)])]))
    .executeTakeFirst()
  return !!row
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
