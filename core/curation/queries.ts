// The one query posts need from curation: a category's id from the slug an author chose.
import type { Db } from '../db/connect.js'
import { validationFailed } from '../errors.js'

/** A category's slug: lowercase letters, digits and dashes, at most 40. */
export const SLUG = /^[a-z0-9][a-z0-9-]{0,39}$/

/**
 * The id of the category a post is filed under, from the slug its author chose ('' or null: none). An unknown or
 * disabled one is refused on the field, as the composer offers only enabled ones.
 * @example const categoryId = await categoryIdFor(db, input.category)
 */
export async function categoryIdFor(db: Db, s: string | null | undefined): Promise<number | null> {
  if (!s) return null
  const r = SLUG.test(s) ? await db.selectFrom('categories').select(['id', 'enabled']).where('slug', '=', s).executeTakeFirst() : undefined
  if (!r || r.enabled !== 1) throw validationFailed({ category: `There is no category “${s.slice(0, 40)}”.` })
  return r.id
}
