// Categories as others read them (posts, the plugin API, the curation service): a slug's id, the enabled ones, by id.
import type { Db } from '../db/connect.js'
import { validationFailed } from '../errors.js'
import type { Selectable } from 'kysely'
import type { Database } from '../db/schema.js'

type CategoryRow = Selectable<Database['categories']>

export interface CategoryView {
  slug: string
  name: string
  description: string
  position: number
  enabled: boolean
}

export const categoryView = (r: CategoryRow): CategoryView => ({ slug: r.slug, name: r.name, description: r.description, position: r.position, enabled: r.enabled === 1 })

/** Categories in their order: the enabled ones, or with `all` every one (staff's lists). */
export async function listCategories(db: Db, all = false): Promise<CategoryView[]> {
  let q = db.selectFrom('categories').selectAll().orderBy('position').orderBy('name')
  if (!all) q = q.where('enabled', '=', 1)
  return (await q.execute()).map(categoryView)
}

/** Enabled categories by id (a deleted or disabled one is absent: show none). */
export async function categoriesByIds(db: Db, ids: readonly number[]): Promise<Map<number, CategoryView>> {
  const rows = ids.length ? await db.selectFrom('categories').selectAll().where('id', 'in', [...new Set(ids)]).where('enabled', '=', 1).execute() : []
  return new Map(rows.map((r) => [r.id, categoryView(r)]))
}

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

/** A member's interests: the slugs of the enabled categories they picked. */
export async function interestSlugs(db: Db, userId: number): Promise<string[]> {
  const rows = await db.selectFrom('member_categories').innerJoin('categories', 'categories.id', 'member_categories.category_id').select('categories.slug').where('member_categories.user_id', '=', userId).where('categories.enabled', '=', 1).orderBy('categories.position').orderBy('categories.name').execute()
  return rows.map((r) => r.slug)
}
