// Search over members, posts and hashtags with SQLite FTS5. (Interface fixed; implementation in progress.)
import type { Db } from '../db/connect.js'
import type { PostsService } from '../posts/service.js'
import type { SafetyService } from '../safety/service.js'

export type SearchService = ReturnType<typeof createSearchService>

export function createSearchService(deps: { db: Db; posts: PostsService; safety: SafetyService }) {
  void deps
  return {}
}
