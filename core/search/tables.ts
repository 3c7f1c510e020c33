// The FTS5 indexes (created in core/db/migrations/2026_11_21_1420_search.ts) as Kysely sees them.

/** Each index's rowid is the id of the row it indexes; the column named after the table is FTS5's MATCH target. */
// A type alias, not an interface: Kysely's withTables needs the implicit index signature.
export type SearchTables = {
  users_fts: { rowid: number; username: string; display_name: string; bio: string; users_fts: string }
  posts_fts: { rowid: number; text: string; posts_fts: string }
  hashtags_fts: { rowid: number; tag: string; hashtags_fts: string }
}
