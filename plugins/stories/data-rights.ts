// Stories' part of a member's data rights: their own stories, highlights, close friends and the replies they sent go
// in their export; everything of theirs goes when their account is deleted (stories are ephemeral: none is kept).
import type { Kysely } from 'kysely'
import type { ExportParts, PluginDb } from '../../core/plugins/api.js'
import type { StoriesTables } from './tables.js'

const own = (db: PluginDb): Kysely<StoriesTables & (PluginDb extends Kysely<infer D> ? D : never)> => db.withTables<StoriesTables>()

/** Add `stories` to an export. Photos and videos are core media of theirs, in the zip's media/ folder by `media_id`. */
export async function exportStories(db: PluginDb, userId: number, parts: ExportParts): Promise<ExportParts> {
  const t = own(db)
  const [stories, highlights, closeFriends, replies] = await Promise.all([
    t.selectFrom('stories_items').select(['id', 'kind', 'media_id', 'text', 'audience', 'view_once', 'created_at', 'expires_at']).where('author_id', '=', userId).orderBy('id').execute(),
    t.selectFrom('stories_highlights').select(['id', 'title', 'created_at']).where('owner_id', '=', userId).orderBy('id').execute(),
    t.selectFrom('stories_close_friends').innerJoin('users', 'users.id', 'stories_close_friends.friend_id').select('users.username').where('stories_close_friends.owner_id', '=', userId).where('users.deleted_at', 'is', null).execute(),
    // What they wrote; the story it answered is someone else's, so only its id.
    t.selectFrom('stories_reactions').select(['story_id', 'kind', 'body', 'created_at']).where('user_id', '=', userId).orderBy('id').execute(),
  ])
  const items = highlights.length ? await t.selectFrom('stories_highlight_items').select(['highlight_id', 'story_id']).where('highlight_id', 'in', highlights.map((h) => h.id)).execute() : []
  const section = {
    stories: stories.map((s) => ({ ...s, view_once: s.view_once === 1 })),
    highlights: highlights.map((h) => ({ ...h, stories: items.filter((i) => i.highlight_id === h.id).map((i) => i.story_id) })),
    close_friends: closeFriends.map((f) => f.username),
    replies_sent: replies,
  }
  return { ...parts, sections: { ...parts.sections, stories: section } }
}

/** Every row of a deleted member, whatever the policy: their stories (core removes the files), highlights, lists, views and replies. */
export async function deleteStoriesOf(db: PluginDb, userId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const t = own(trx)
    await t.deleteFrom('stories_highlights').where('owner_id', '=', userId).execute()
    await t.deleteFrom('stories_items').where('author_id', '=', userId).execute()
    await t.deleteFrom('stories_close_friends').where((eb) => eb.or([eb('owner_id', '=', userId), eb('friend_id', '=', userId)])).execute()
    await t.deleteFrom('stories_audience').where('user_id', '=', userId).execute()
    await t.deleteFrom('stories_views').where('viewer_id', '=', userId).execute()
    await t.deleteFrom('stories_reactions').where('user_id', '=', userId).execute()
  })
}
