// Curation's tables: categories of posts, members' interests in them, featured posts and hashtags.
import type { ColumnType, Generated, Selectable } from 'kysely'

type Stamp = ColumnType<string, string | undefined, string>

export interface CategoriesTable {
  id: Generated<number>
  /** Lowercase letters, digits and dashes: its page is /explore/c/SLUG. */
  slug: string
  name: string
  description: ColumnType<string, string | undefined, string>
  /** Place in lists, low first. */
  position: ColumnType<number, number | undefined, number>
  /** Off: not offered on the composer nor in interests, its page is missing; posts keep it for when it comes back. */
  enabled: ColumnType<number, number | undefined, number>
  created_at: Stamp
  updated_at: Stamp
}

export interface CurationTables {
  categories: CategoriesTable
  /** A member's interests: the categories Explore favours for them. */
  member_categories: { user_id: number; category_id: number; created_at: Stamp }
  /** Posts staff put first on Explore, by position then newest; gone from Explore after `until` (ISO) when set. */
  featured_posts: { post_id: number; position: ColumnType<number, number | undefined, number>; until: string | null; featured_by: number | null; created_at: Stamp }
  /** Hashtags staff put first among trending ones (stored as posts store theirs: lower case, no #). */
  featured_hashtags: { tag: string; position: ColumnType<number, number | undefined, number>; until: string | null; featured_by: number | null; created_at: Stamp }
}

export type CategoryRow = Selectable<CategoriesTable>
