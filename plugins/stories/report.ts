// Stories in the one moderation queue: members report a story they can see; staff see it (its photo or video too,
// whatever its audience) and can remove it.
import type { PluginContext } from '../../core/plugins/api.js'
import { coreUsesMedia, deleteStory, storyById, visibleStory } from './queries.js'
import type { StoryRow } from './tables.js'

export function reportableStories(ctx: PluginContext): void {
  const snapshot = async (s: StoryRow) => {
    const author = await ctx.core.users.find(s.author_id)
    return {
      text: s.text,
      author: author ? { id: author.id, username: author.username, display_name: author.display_name } : null,
      kind: s.kind,
      audience: s.audience,
      media_ids: s.media_id ? [s.media_id] : [],
      created_at: s.created_at,
      expires_at: s.expires_at,
    }
  }
  const id = (raw: string) => (/^[1-9]\d{0,15}$/.test(raw) ? Number(raw) : null)
  ctx.core.reports.kind('story', {
    label: 'story',
    async locate(reporterId, raw) {
      const n = id(raw)
      // What the reporter may see now (audience, blocks, expiry), as every other path of stories answers.
      const s = n === null ? undefined : reporterId === null ? await storyById(ctx.db, n) : await visibleStory(ctx.db, reporterId, n, new Date().toISOString())
      return s ? { authorId: s.author_id, snapshot: await snapshot(s), back: `/stories/${s.id}` } : null
    },
    async current(raw) {
      const n = id(raw)
      const s = n === null ? undefined : await storyById(ctx.db, n)
      return s ? snapshot(s) : null
    },
    async remove({ targetId }) {
      const n = id(targetId)
      const s = n === null ? undefined : await storyById(ctx.db, n)
      if (!s) return // its author deleted it already, or it was purged
      // Its file too, unless core shows that file elsewhere (a post, a profile picture), as the author's delete does.
      if (s.media_id && !(await coreUsesMedia(ctx.db, s.media_id))) await ctx.core.media.remove(s.media_id)
      await deleteStory(ctx.db, s.id)
    },
  })
}
