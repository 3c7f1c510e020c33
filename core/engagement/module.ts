// The engagement folder as a core module: likes, comments, bookmarks, and how moderation removes a comment.
import { AppError } from '../errors.js'
import type { CoreModule } from '../module.js'
import { nav } from '../module.js'
import { engagementApi } from './api.js'
import { engagementPages } from './pages.js'

export const engagementModule: CoreModule = {
  name: 'engagement',
  wire(s) {
    const { db, engagement, moderation } = s
    nav(s, [['saved', 'Saved', '/bookmarks', 'members', 60, { icon: 'bookmark' }]])
    moderation.addRemover('comment', async ({ targetId, actor }) => {
      const id = Number(targetId)
      if (!(await db.selectFrom('comments').select('id').where('id', '=', id).executeTakeFirst())) return // deleted already
      if (!actor) throw new AppError(409, 'CONFLICT', 'A comment is removed in the name of a moderator or admin; say who is acting.')
      await engagement.deleteComment(actor, id)
    })
  },
  pages: engagementPages,
  api: engagementApi,
}
